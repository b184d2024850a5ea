"""Concurrent writers of one file: every reader sees one whole version, never a mix."""

import threading

from service.util import write_atomically


def test_concurrent_writers_never_mix_their_texts(tmp_path):
    path = tmp_path / "hosts.yml"
    texts = [f"writer {n}\n" * 2000 for n in range(6)]
    write_atomically(str(path), texts[0])
    seen, stop = set(), threading.Event()

    def reader():
        while not stop.is_set():
            seen.add(path.read_text())

    def writer(text):
        for _ in range(30):
            write_atomically(str(path), text)

    read = threading.Thread(target=reader)
    read.start()
    writers = [threading.Thread(target=writer, args=(t,)) for t in texts]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    read.join()
    assert seen <= set(texts)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hosts.yml"]  # no temporary left
