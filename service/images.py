"""The image_file: which base images VMs are made from, inspected before they are trusted.

Each line is a full local path or ``user@host:/full/path`` (fetched once over
SSH, host key verified). Every image is inspected with ``qemu-img info`` and an
explicit format: raw or qcow2 only, and a qcow2 with a backing file or an
external data file is refused, because either would let a guest read files of
the host that opens it.
"""

import dataclasses
import hashlib
import json
import os
import re
import subprocess

from service import linefile
from service.errors import ConfigError
from service.util import CommandError, run

# first bytes of formats we refuse by name rather than misread as raw
OTHER_FORMATS = {b"KDMV": "vmdk", b"<<< ": "vdi", b"vhdxfile": "vhdx", b"conectix": "vpc",
                 b"QFI\xfb": "qcow2", b"QEVM": "qed", b"OOOM": "qcow (v1)"}
QCOW_MAGIC = b"QFI\xfb"
REMOTE_RE = re.compile(r"^(?P<user>[a-z_][a-z0-9_.-]*)@(?P<host>\[[0-9a-fA-F:]+\]|[^:/\s]+):(?P<path>/.+)$")


@dataclasses.dataclass(frozen=True)
class ImageLine:
    source: str
    line: int
    remote: tuple | None  # (user, host, path) for user@host:/path

    @property
    def name(self):
        """The file name without its extension."""
        base = os.path.basename(self.remote[2] if self.remote else self.source)
        return os.path.splitext(base)[0] or base


def parse_image_file(path):
    return linefile.parse(linefile.read(path, "image_file", ConfigError), path, _image_line,
                          key=lambda entry: entry.source, duplicate="duplicate image",
                          empty="no images (the file is empty or only comments)",
                          error=ConfigError, inline_comments=False)


def _image_line(text, number):
    match = REMOTE_RE.match(text)
    if match:
        return ImageLine(text, number, (match["user"], match["host"].strip("[]"), match["path"]))
    if text.startswith("/"):
        return ImageLine(os.path.normpath(text), number, None)
    raise ValueError(f"{text!r} is neither a full path nor user@host:/path")


def detect_format(path):
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(QCOW_MAGIC):
        return "qcow2"
    for magic, name in OTHER_FORMATS.items():
        if head.startswith(magic):
            raise ValueError(f"is a {name} image; only raw and qcow2 are accepted "
                             "(convert it with qemu-img convert -O qcow2)")
    return "raw"


def inspect(path):
    """qemu-img's view of PATH with an explicit format; raises ValueError if unsafe."""
    if not os.path.isfile(path):
        raise ValueError("no such file" if not os.path.exists(path) else "not a regular file")
    if not os.access(path, os.R_OK):
        raise ValueError("not readable")
    fmt = detect_format(path)
    try:
        out = run(["qemu-img", "info", "--output=json", "-f", fmt, path], timeout=60)
    except CommandError as exc:
        raise ValueError(f"qemu-img cannot read it as {fmt}: {exc.stderr[-300:]}") from None
    info = json.loads(out)
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise ValueError(f"has a backing file ({info.get('backing-filename')}); "
                         "images with backing files are refused (they can read host files)")
    data_file = (info.get("format-specific") or {}).get("data", {}).get("data-file")
    if data_file:
        raise ValueError(f"has an external data file ({data_file}); refused "
                         "(it can read host files)")
    return {"format": fmt, "virtual_size": int(info["virtual-size"]),
            "size": os.path.getsize(path)}


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(entry, cache_dir, ssh_config):
    """Copy a user@host:/path image into CACHE_DIR once, over SSH with verified keys."""
    user, host, remote_path = entry.remote
    os.makedirs(cache_dir, exist_ok=True)
    local = os.path.join(cache_dir, hashlib.sha256(entry.source.encode()).hexdigest()[:16]
                         + "-" + os.path.basename(remote_path))
    if os.path.exists(local):
        return local
    target = f"{user}@[{host}]" if ":" in host else f"{user}@{host}"
    tmp = local + ".part"
    proc = subprocess.run(["scp", "-q", "-F", ssh_config, f"{target}:{remote_path}", tmp],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise ValueError(f"cannot fetch over SSH: {proc.stderr.strip()[-300:]}")
    os.replace(tmp, local)
    return local


def register(catalog, image_file, cache_dir, ssh_config, record_host_key):
    """Inspect every image of IMAGE_FILE, then register them all (or none)."""
    return store(catalog, inspect_all(image_file, cache_dir, ssh_config, record_host_key))


def store(catalog, rows):
    """Register inspected image ROWS; returns their ids."""
    return [catalog.put_image(row) for row in rows]


def inspect_all(image_file, cache_dir, ssh_config, record_host_key):
    """Rows for every image of IMAGE_FILE (fetched and inspected); ConfigError names bad lines."""
    entries = parse_image_file(image_file)
    rows, errors = [], []
    for entry in entries:
        try:
            if entry.remote:
                record_host_key(entry.remote[0], entry.remote[1])
                path = fetch(entry, cache_dir, ssh_config)
            else:
                path = entry.source
            rows.append(dict(inspect(path), name=entry.name, source=entry.source, path=path,
                             sha256=sha256(path)))
        except ValueError as exc:
            errors.append(f"{image_file}:{entry.line}: {entry.source}: {exc}")
    if errors:
        raise ConfigError("\n".join(errors))
    return rows
