"""How long a refused login takes, for a user who exists (wrong password) and for one who does
not, side by side: the two should cost the same, so the time does not tell whether a user
exists.

    .venv/bin/python -m tests.bench.bench_login [--runs 15]
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from service.app import create_app
from tests.helpers.contexts import clear_test_driver, make_ctx


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-login-")
    ctx = make_ctx(Path(home))
    try:
        ctx.accounts.create("known", "a long password", "member")
        client = create_app(ctx=ctx).test_client()

        def refused(username):
            started = time.perf_counter()
            answer = client.post("/api/v1/tokens", json={"username": username,
                                                         "password": "wrong!!!"})
            assert answer.status_code == 401
            return (time.perf_counter() - started) * 1000

        times = {"known": [], "nobody": []}
        for _ in range(args.runs):  # taking turns, so the machine's ups and downs fall on both
            for username in times:
                times[username].append(refused(username))
        print(f"refused login, median of {args.runs}: a known user with a wrong password "
              f"{statistics.median(times['known']):.0f} ms, an unknown user "
              f"{statistics.median(times['nobody']):.0f} ms")
    finally:
        ctx.close()
        clear_test_driver()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
