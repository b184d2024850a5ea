"""The lab guest's initramfs: busybox, the kernel modules it needs, dropbear and its libraries.

Modules: the NIC (virtio_net), disks (virtio_blk), the memory balloon (virtio_balloon),
the IDE CD-ROM that carries the cidata disk (ata_piix, sr_mod, isofs) and what they
depend on, with a modules.dep made by busybox depmod. dropbear comes from Debian's dropbear-bin
with the libraries it links (from its dependencies' packages and this machine).
"""

import gzip
import os
import re
import shutil
import subprocess

from service.errors import LabError
from service.util import run
from vmfabric_lab.guest_init import INIT

MODULES = ("virtio_pci", "virtio_net", "virtio_blk", "virtio_balloon", "ata_piix", "sr_mod",
           "isofs", "button", "evdev")
# the guest's SSH server and its libraries' packages
DROPBEAR_PACKAGES = ("dropbear-bin", "libtomcrypt1", "libtommath1", "libgmp10")
BINARIES = ("usr/sbin/dropbear", "usr/bin/dropbearconvert")
ETC = {
    "passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "group": "root:x:0:\n",
    "shells": "/bin/sh\n",
}


def assemble(work, busybox, kernel_root, packages_root):
    """Build WORK/initramfs and return the path of the gzipped cpio archive."""
    root = os.path.join(work, "initramfs")
    for sub in ("bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "etc", "root"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    shutil.copy2(busybox, os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))
    _modules(root, kernel_root, busybox)
    _dropbear(root, packages_root)
    for name, text in ETC.items():
        with open(os.path.join(root, "etc", name), "w") as fh:
            fh.write(text)
    init = os.path.join(root, "init")
    with open(init, "w") as fh:
        fh.write(INIT)
    os.chmod(init, 0o755)
    names = subprocess.run(["find", ".", "-mindepth", "1"], cwd=root, check=True,
                           capture_output=True).stdout
    archive = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=names,
                             check=True, capture_output=True).stdout
    path = os.path.join(work, "initrd.img")
    with open(path, "wb") as fh:
        fh.write(gzip.compress(archive, mtime=0))
    return path


def _modules(root, kernel_root, busybox):
    versions = os.listdir(os.path.join(kernel_root, "lib", "modules"))
    if len(versions) != 1:
        raise LabError(f"expected one kernel's modules in the package, found {versions}")
    version = versions[0]
    run([busybox, "depmod", "-b", kernel_root, version])
    deps = {}
    with open(os.path.join(kernel_root, "lib", "modules", version, "modules.dep")) as fh:
        for line in fh:
            module, _, needs = line.partition(":")
            deps[module.strip()] = needs.split()
    by_name = {os.path.basename(m)[:-len(".ko")]: m for m in deps}
    wanted, todo = set(), [by_name[name] for name in MODULES if name in by_name]
    missing = [name for name in MODULES if name not in by_name]
    if missing:
        raise LabError(f"the kernel package has no module {', '.join(missing)}")
    while todo:
        module = todo.pop()
        if module not in wanted:
            wanted.add(module)
            todo.extend(deps.get(module, []))
    for module in wanted:
        target = os.path.join(root, "lib", "modules", version, module)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(kernel_root, "lib", "modules", version, module), target)
    run([busybox, "depmod", "-b", root, version])


def _dropbear(root, packages_root):
    libdir = os.path.join(packages_root, "usr", "lib", "x86_64-linux-gnu")
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    libraries = set()
    for binary in BINARIES:
        source = os.path.join(packages_root, binary)
        if not os.path.exists(source):
            raise LabError(f"dropbear-bin holds no /{binary}")
        shutil.copy2(source, os.path.join(root, binary))
        out = subprocess.run(["ldd", source], env=env, capture_output=True, text=True,
                             check=True).stdout
        libraries.update(re.findall(r"(/\S+) \(0x", out))
    for library in libraries:
        real = os.path.realpath(library)
        inside = library if not library.startswith(packages_root) else library[len(packages_root):]
        target = os.path.join(root, inside.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(real, target)
