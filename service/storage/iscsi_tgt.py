"""Disks as iSCSI LUNs of a Linux tgt target (tgtd), managed over SSH as an operator would.

One target per VM: IQN ``PREFIX:vmf-ID``, target id ID, LUN 1 its disk (the raw file
``PATH/vmf-ID.raw`` on the storage host) and LUN 2 its first-boot disk (``PATH/vmf-ID.cidata``,
when it has one), so a host that restarts the VM finds both where the last one left them.
An image is copied there once (``PATH/images/image-N``) and each disk is made from it by
``qemu-img convert`` on the storage host, so an image crosses the network once, not once
per VM. A target admits
initiators by address (its ACL): the hosts that may run the VM. ``cut`` removes an address
from every target, the second layer of fencing (a fenced host that comes back cannot write).

Every command goes through vmfabric's ssh_config (the storage host's key verified) and is
bounded in time; names and paths are checked and quoted before they reach a shell.
"""

import ipaddress
import re
import shlex
import subprocess

from service.errors import ConfigError, HypervisorError

PORT = 3260
IQN_PREFIX = re.compile(r"^iqn\.\d{4}-\d{2}\.[a-z0-9.-]+(:[a-z0-9.-]+)?$")
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/-]+$")


class IscsiTgt:
    def __init__(self, name, spec, ssh_config, timeout=300.0):
        self.name = name
        self.host = str(spec.get("host", ""))
        self.user = spec.get("user", "root")
        self.path = spec.get("path", "/srv/vmfabric")
        self.prefix = spec.get("iqn_prefix", "iqn.2026-12.io.vmfabric")
        self.ssh_config = ssh_config
        self.timeout = timeout
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            raise ConfigError(f"storage.{name}.host: {self.host!r} is not an address") from None
        if not SAFE_PATH.match(self.path):
            raise ConfigError(f"storage.{name}.path: {self.path!r}: an absolute path of "
                              "letters, digits, '.', '_', '-' and '/'")
        if not IQN_PREFIX.match(self.prefix):
            raise ConfigError(f"storage.{name}.iqn_prefix: {self.prefix!r} is not an iSCSI "
                              "qualified name (iqn.YYYY-MM.reversed.domain[:part])")

    # ---- what a domain's disk names -------------------------------------------
    def iqn(self, vmid):
        return f"{self.prefix}:vmf-{int(vmid)}"

    def source(self, vmid, lun=1):
        """What libvirt's <disk type='network'> needs to open VMID's disk (LUN 1) or its
        first-boot disk (LUN 2)."""
        return {"protocol": "iscsi", "name": f"{self.iqn(vmid)}/{int(lun)}", "host": self.host,
                "port": PORT}

    # ---- life of a disk -------------------------------------------------------
    def create(self, vmid, size_gb, image_id, image_file, admitted, cidata=None):
        """VMID's disk of SIZE_GB from image IMAGE_ID (IMAGE_FILE on this server, copied to
        the storage host the first time), and its first-boot disk CIDATA (bytes) if given,
        admitting the ADMITTED addresses."""
        vmid = int(vmid)
        base = f"{self.path}/images/image-{int(image_id)}"
        disk = f"{self.path}/vmf-{vmid}.raw"
        self._copy_once(image_file, base)
        self._run(f"qemu-img convert -O raw {q(base)} {q(disk)}.part && "
                  f"qemu-img resize -q -f raw {q(disk)}.part {int(size_gb)}G && "
                  f"mv {q(disk)}.part {q(disk)}", f"make the disk of vm {vmid}")
        export = (f"tgtadm --lld iscsi --op new --mode target --tid {vmid} -T "
                  f"{q(self.iqn(vmid))} && tgtadm --lld iscsi --op new --mode logicalunit "
                  f"--tid {vmid} --lun 1 -b {q(disk)}")
        if cidata is not None:
            first_boot = f"{self.path}/vmf-{vmid}.cidata"
            self._run(f"cat > {q(first_boot)}", f"write the first-boot disk of vm {vmid}",
                      stdin=cidata)
            export += (f" && tgtadm --lld iscsi --op new --mode logicalunit --tid {vmid} "
                       f"--lun 2 -b {q(first_boot)}")
        binds = [f"tgtadm --lld iscsi --op bind --mode target --tid {vmid} -I {q(_address(a))}"
                 for a in admitted]  # (a new target's ACL is empty: no listing needed)
        self._run(" && ".join([export] + binds), f"export the disk of vm {vmid}")

    def grow(self, vmid, size_gb):
        """VMID's disk to SIZE_GB, its LUN made again so tgtd serves the new size (while no
        initiator has it open: the VM is shut off); its ACL is the target's and stays."""
        vmid, disk = int(vmid), f"{self.path}/vmf-{int(vmid)}.raw"
        self._run(f"qemu-img resize -q -f raw {q(disk)} {int(size_gb)}G && "
                  f"tgtadm --lld iscsi --op delete --mode logicalunit --tid {vmid} --lun 1 && "
                  f"tgtadm --lld iscsi --op new --mode logicalunit --tid {vmid} --lun 1 "
                  f"-b {q(disk)}", f"grow the disk of vm {vmid} to {int(size_gb)} GB")

    def admit(self, vmid, address):
        """Let ADDRESS log in to VMID's target (nothing to do when it may already)."""
        if _address(address) in self.targets().get(int(vmid), []):
            return
        self._run(f"tgtadm --lld iscsi --op bind --mode target --tid {int(vmid)} "
                  f"-I {q(_address(address))}", f"admit {address} to the disk of vm {vmid}")

    def cut(self, address, vmids=None):
        """Remove ADDRESS from the ACL of VMIDS' targets (None: every target); the targets
        it was in."""
        address = _address(address)
        cut = []
        for tid, acl in self.targets().items():
            if address in acl and (vmids is None or tid in set(map(int, vmids))):
                self._run(f"tgtadm --lld iscsi --op unbind --mode target --tid {tid} "
                          f"-I {q(address)}", f"cut {address} from target {tid}")
                cut.append(tid)
        return cut

    def delete(self, vmid):
        vmid = int(vmid)
        self._run(f"if tgtadm --lld iscsi --op show --mode target | grep -q '^Target {vmid}:'; "
                  f"then tgtadm --lld iscsi --op delete --force --mode target --tid {vmid}; fi"
                  f" && rm -f {q(self.path)}/vmf-{vmid}.raw {q(self.path)}/vmf-{vmid}.raw.part "
                  f"{q(self.path)}/vmf-{vmid}.cidata",
                  f"remove the disk of vm {vmid}")

    def targets(self):
        """{target id: [admitted addresses]} as tgtd shows them."""
        out = self._run("tgtadm --lld iscsi --op show --mode target", "list the targets")
        found, tid, in_acl = {}, None, False
        for line in out.splitlines():
            head = re.match(r"^Target (\d+): ", line)
            if head:
                tid, in_acl = int(head.group(1)), False
                found[tid] = []
            elif line.strip() == "ACL information:":
                in_acl = True
            elif in_acl and tid is not None and line.startswith("        "):
                found[tid].append(line.strip())
        return found

    # ---- the storage host -----------------------------------------------------
    def _copy_once(self, image_file, base):
        if self._run(f"test -e {q(base)} && echo there || echo missing",
                     "look for the image").strip() == "there":
            return
        self._run(f"mkdir -p {q(self.path)}/images", "make the image directory")
        with open(image_file, "rb") as fh:
            self._run(f"cat > {q(base)}.part && mv {q(base)}.part {q(base)}",
                      "copy the image", stdin=fh)

    def _run(self, command, what, stdin=None):
        argv = ["ssh", "-F", self.ssh_config, f"{self.user}@{self.host}", command]
        given = {"input": stdin} if isinstance(stdin, bytes) else \
            {"stdin": stdin if stdin is not None else subprocess.DEVNULL}
        try:
            done = subprocess.run(argv, capture_output=True, timeout=self.timeout, **given)
        except subprocess.TimeoutExpired:
            raise HypervisorError(f"storage {self.name} ({self.host}): {what}: no answer "
                                  f"within {self.timeout:g} s") from None
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip().splitlines()
            raise HypervisorError(f"storage {self.name} ({self.host}): {what}: "
                                  f"{reason[-1] if reason else 'failed'}")
        return done.stdout.decode(errors="replace")


def q(text):
    return shlex.quote(str(text))


def _address(address):
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        raise HypervisorError(f"{address!r} is not an address to admit") from None
