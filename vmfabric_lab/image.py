"""`vmfabric lab image`: a small bootable guest built offline from Debian packages.

The image is an unpartitioned FAT filesystem that SeaBIOS boots through
syslinux: the Debian cloud kernel plus a busybox initramfs (initramfs.py) whose
/init (guest_init.py) prints GUEST_MARKER on the serial console, configures
itself from vmfabric's cidata disk and runs dropbear. About 20 MB, it answers
SSH a few seconds after it starts under TCG.
"""

import os
import re
import subprocess
import tempfile

from service import defaults
from service.errors import LabError
from service.util import CommandError, run
from vmfabric_lab import initramfs, preflight
from vmfabric_lab.guest_init import GUEST_MARKER  # noqa: F401  (what tests wait for)

IMAGE_NAME = "vmfabric-guest.qcow2"
RECIPE_VERSION = "6"

IMAGE_TOOLS = {
    "apt-get": "apt", "dpkg-deb": "dpkg", "cpio": "cpio", "mkfs.fat": "dosfstools",
    "mcopy": "mtools", "syslinux": "syslinux", "qemu-img": "qemu-utils", "ldd": "libc-bin",
}

SYSLINUX_CFG = """SERIAL 0 115200
DEFAULT guest
PROMPT 0
TIMEOUT 0
LABEL guest
  KERNEL vmlinuz
  APPEND initrd=initrd.img console=ttyS0,115200 quiet loglevel=3 panic=-1
"""


def default_out():
    return os.path.join(defaults.home(), "images", IMAGE_NAME)


def build(out=None, report=lambda message: None):
    """Build the guest image at OUT (cached: returns at once if it is already there)."""
    out = os.path.abspath(out or default_out())
    stamp = out + ".recipe"
    if os.path.exists(out) and _read(stamp) == RECIPE_VERSION:
        return out
    preflight.check_commands(IMAGE_TOOLS)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vmfabric-image-") as work:
        kernel, kernel_root = _kernel(work, report)
        busybox = _busybox(work, report)
        packages = os.path.join(work, "packages")
        for package in initramfs.DROPBEAR_PACKAGES:
            report(f"fetching {package}")
            run(["dpkg-deb", "-x", _download(package, work), packages])
        initrd = initramfs.assemble(work, busybox, kernel_root, packages)
        raw = _fat_image(work, kernel, initrd)
        tmp_out = out + ".tmp"
        run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, tmp_out])
        os.replace(tmp_out, out)
    with open(stamp, "w") as fh:
        fh.write(RECIPE_VERSION)
    report(f"built {out} ({os.path.getsize(out) // 1024} KiB)")
    return out


def _read(path):
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def _download(package, work):
    """apt-get download PACKAGE into WORK; returns the .deb path."""
    try:
        subprocess.run(["apt-get", "download", "-q", package], cwd=work, check=True,
                       capture_output=True, text=True, timeout=600)
    except subprocess.CalledProcessError as exc:
        raise LabError(f"apt-get download {package} failed: {exc.stderr.strip()[-400:]} "
                       "(run `apt-get update` first if the package lists are missing)") from exc
    debs = [f for f in os.listdir(work) if f.startswith(package + "_") and f.endswith(".deb")]
    if not debs:
        raise LabError(f"apt-get download {package} produced no .deb")
    return os.path.join(work, debs[0])


def _extract(deb, work, name):
    dest = os.path.join(work, name)
    run(["dpkg-deb", "-x", deb, dest])
    return dest


def _kernel(work, report):
    depends = run(["apt-cache", "depends", "linux-image-cloud-amd64"])
    match = re.search(r"Depends:\s*(linux-image-[0-9][^\s]*-cloud-amd64)", depends)
    if not match:
        raise LabError("cannot find the versioned package behind linux-image-cloud-amd64 "
                       "(run `apt-get update`)")
    package = match.group(1)
    report(f"fetching {package}")
    root = _extract(_download(package, work), work, "kernel")
    boot = os.path.join(root, "boot")
    kernels = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")]
    if not kernels:
        raise LabError(f"{package} holds no /boot/vmlinuz-*")
    return os.path.join(boot, kernels[0]), root


def _busybox(work, report):
    report("fetching busybox-static")
    root = _extract(_download("busybox-static", work), work, "busybox")
    path = os.path.join(root, "bin", "busybox")
    if not os.path.exists(path):
        raise LabError("busybox-static holds no /bin/busybox")
    return path


def _fat_image(work, kernel, initrd):
    size_kib = (os.path.getsize(kernel) + os.path.getsize(initrd)) // 1024 + 4096
    raw = os.path.join(work, "guest.raw")
    cfg = os.path.join(work, "syslinux.cfg")
    with open(cfg, "w") as fh:
        fh.write(SYSLINUX_CFG)
    try:
        run(["mkfs.fat", "-n", "VMFGUEST", "-C", raw, str(size_kib)])
        for src, name in ((kernel, "vmlinuz"), (initrd, "initrd.img"), (cfg, "syslinux.cfg")):
            run(["mcopy", "-i", raw, src, f"::{name}"])
        run(["syslinux", "--install", raw])
    except CommandError as exc:
        raise LabError(f"building the guest filesystem failed: {exc}") from exc
    return raw
