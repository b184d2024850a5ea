"""Bring a lab up, repair it, inspect it, inject faults and tear it down."""

import concurrent.futures
import os
import signal
import shutil

import yaml

from service import defaults, sshconfig
from service.errors import LabError
from service.util import run
from vmfabric_lab import bmc, claim, cpucap, daemons, hostfs, netns, preflight
from vmfabric_lab.state import GUEST_NETWORK, MAX_HOSTS, HostRecord, LabState

DEFAULT_CAPACITY = {"cpu": 8, "ram_mb": 8192, "disk_gb": 40}
# link: the host's cable pulled; libvirtd, sshd: that daemon stopped; stall: its sshd
# frozen (SIGSTOP), so connections open but nothing answers, as on a host under load;
# bmc: its BMC stopped (it cannot be fenced)
FAIL_MODES = ("link", "libvirtd", "sshd", "stall", "bmc")


DEFAULT_TAG = "lab"


def default_dir():
    return os.path.join(defaults.home(), "lab")


class Lab:
    """A lab rooted at one directory; every method is safe to call again.

    TAG and SUBNET name a new lab's objects and addresses. Left out, the lab
    takes the default name and a subnet derived from it, or free ones if
    another lab holds those; given, they are used or refused. A lab that
    exists keeps its own (its DIR/lab.json records them).
    """

    def __init__(self, lab_dir=None, tag=None, subnet=None, report=None):
        self.dir = os.path.abspath(lab_dir or default_dir())
        self.report = report or (lambda message: None)
        self.requested = (tag, subnet)
        self.state = LabState.load(self.dir) or LabState(dir=self.dir, tag=tag or DEFAULT_TAG,
                                                          subnet=subnet or "")

    def _claim_names(self):
        """Settle this lab's name and subnet; never one another lab holds."""
        tag, subnet = self.requested
        if os.path.exists(self.state.path):
            taken = claim.foreign_objects(self.state.names, self.dir, legacy_is_ours=True)
            if taken:
                raise LabError(f"the lab in {self.dir} is named {self.state.tag!r}, but "
                               f"{claim.holder(taken[0][2])} now holds that name; run "
                               f"`vmfabric lab down --dir {self.dir}` and bring it up again")
            claim.check_subnet(self.state.subnet, self.state.names.bridge)
            return
        chosen = claim.choose_tag(tag or DEFAULT_TAG, self.dir, explicit=tag is not None)
        if chosen != (tag or DEFAULT_TAG):
            self.report(f"lab name {DEFAULT_TAG!r} is taken by another lab; this one is {chosen!r}")
        self.state.tag = chosen
        self.state.subnet = claim.choose_subnet(subnet, chosen, self.state.names.bridge)

    # ---- up -------------------------------------------------------------
    def up(self, hosts=3, capacity=DEFAULT_CAPACITY, domain_type="qemu"):
        preflight.check_all()
        if not 1 <= hosts <= MAX_HOSTS:
            raise LabError(f"--hosts {hosts}: choose between 1 and {MAX_HOSTS}")
        fresh = not os.path.exists(self.state.path)
        if len(self.state.hosts) > hosts:
            raise LabError(f"the lab in {self.dir} has {len(self.state.hosts)} hosts; "
                           f"run `vmfabric lab down --dir {self.dir}` before asking for {hosts}")
        self._claim_names()
        names = self.state.names
        if fresh:
            # an earlier run of this lab (this directory) may have been killed before it
            # recorded its state: its objects carry its directory and are cleared
            netns.sweep(names, owners={self.dir})
            bmc.sweep(self.dir)
        os.makedirs(self.dir, exist_ok=True)
        for index in range(len(self.state.hosts) + 1, hosts + 1):
            self.state.hosts.append(HostRecord(index=index, address=self.state.address_of(index),
                                               capacity=dict(capacity or {}),
                                               domain_type=domain_type))
        if self.state.storage is None:
            self.state.storage = HostRecord(index=0, address=self.state.address_of(0),
                                            capacity={}, domain_type="")
        try:
            self._ensure_key()
            bmc.ensure_password(self.dir)  # (once, before the hosts start in parallel)
            netns.ensure_bridge(names.bridge, self.state.gateway, self.state.prefixlen, self.dir)
            with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, hosts + 1)) as pool:
                keys = list(pool.map(self._ensure_host, [self.state.storage] + self.state.hosts))
            self._write_access_files(keys)
            self.state.save()
        except BaseException:
            if fresh:
                self.report("lab up failed; removing what it made")
                self._teardown()
            raise
        return self.state

    def _ensure_key(self):
        if not os.path.exists(self.state.private_key):
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vmfabric-lab",
                 "-f", self.state.private_key])

    def _ensure_host(self, host):
        names = self.state.names
        host_dir = self.state.host_dir(host.index)
        with open(self.state.private_key + ".pub") as fh:
            key_line = hostfs.prepare(host_dir, host.index, host.address, fh.read())
        ns = names.netns(host.index)
        netns.ensure_host_link(ns, names.veth(host.index), names.bridge, host.address,
                               self.state.prefixlen, self.dir)
        anchor = host.pids.get("anchor")
        if not daemons.pid_alive(anchor):
            # daemons without their anchor cannot be managed: start the host afresh
            netns.kill_pids(netns.netns_pids(ns))
            anchor = daemons.start_anchor(ns, host_dir)
        host.pids["anchor"] = anchor
        if host.index == 0:  # the storage host: sshd and its iSCSI target
            for daemon in daemons.STORAGE_DAEMONS:
                host.pids[daemon] = daemons.start_daemon(anchor, host_dir, daemon, host.index)
            host.failed = ""
            self.report(f"storage {host.address}: sshd, tgtd (iSCSI on port 3260) up")
            return key_line
        for daemon in daemons.DAEMONS:
            host.pids[daemon] = daemons.start_daemon(anchor, host_dir, daemon, host.index)
            if daemon == "libvirtd":
                daemons.wait_libvirtd(anchor, host_dir, host.index)
        bmc.set_power_file(host_dir, on=True)
        host.pids["bmc"] = bmc.start(self.dir, host_dir, host.index, self.bmc_address(host),
                                     host.pids.get("bmc"))
        host.failed = ""
        self.report(f"h{host.index} {host.address}: sshd, virtlogd, libvirtd up; its BMC at "
                    f"{self.bmc_address(host)}")
        return key_line

    def _write_access_files(self, key_lines):
        with open(self.state.known_hosts, "w") as fh:
            fh.write("\n".join(key_lines) + "\n")
        sshconfig.write(self.dir, self.state.private_key, self.state.known_hosts)
        with open(self.state.pm_file, "w") as fh:
            fh.write("".join(f"{h.address}\n" for h in self.state.hosts))
        settings = {}
        for h in self.state.hosts:
            entry = {"vmfabric_domain_type": h.domain_type, "vmfabric_lab_host": f"h{h.index}",
                     # guests join the lab segment through the host's bridge
                     "vmfabric_guest_network": {"network": GUEST_NETWORK,
                                                "bridge": netns.GUEST_BRIDGE}}
            if h.capacity:
                entry["vmfabric_capacity"] = dict(h.capacity)
            entry["vmfabric_bmc"] = self._bmc_setting(h)
            settings[h.address] = entry
        with open(self.state.settings_file, "w") as fh:
            fh.write("# per-host settings of the vmfabric lab in " + self.dir + "\n")
            yaml.safe_dump(settings, fh, sort_keys=True)

    # ---- down -----------------------------------------------------------
    def down(self, purge=False):
        """Stop the lab. Its hosts' state (libvirt's definitions, the guests' disks) stays for
        the next `up` unless PURGE: then the next `up` starts from empty hosts."""
        preflight.check_root()
        if not os.path.exists(self.state.path):
            # no record of its name: remove only what carries this directory as its owner
            netns.sweep_owned(self.dir)
        else:
            self._teardown()
            try:
                os.unlink(self.state.path)
            except FileNotFoundError:
                pass
        if purge:
            shutil.rmtree(os.path.join(self.dir, "hosts"), ignore_errors=True)
            self.state = LabState(dir=self.dir, tag=self.requested[0] or DEFAULT_TAG,
                                  subnet=self.requested[1] or "")

    def _teardown(self):
        for host in self.state.hosts + ([self.state.storage] if self.state.storage else []):
            pids = [p for p in host.pids.values() if p]
            for daemon in daemons.DAEMONS + daemons.STORAGE_DAEMONS:
                pids.append(daemons.read_pid(self.state.host_dir(host.index), daemon))
            netns.kill_pids([p for p in pids if daemons.pid_alive(p)])
        # guests (qemu) and anything else left in our namespaces go with them; objects
        # without a recorded owner are ours when our lab.json names them (an older lab)
        netns.sweep(self.state.names, owners={self.dir, ""})
        bmc.sweep(self.dir)
        for host in self.state.hosts:
            try:
                cpucap.uncap(self.cpu_group(host))
            except OSError:
                pass  # (a group some process still holds goes with the next teardown)

    # ---- status ---------------------------------------------------------
    def status(self):
        if not os.path.exists(self.state.path):
            return []
        rows = []
        for host in self.state.hosts:
            host_dir = self.state.host_dir(host.index)
            anchor = host.pids.get("anchor")
            up = {d: daemons.daemon_up(host_dir, d) for d in daemons.DAEMONS}
            link = netns.link_is_up(self.state.names.veth(host.index))
            domains = (daemons.running_domains(anchor)
                       if up["libvirtd"] and daemons.pid_alive(anchor) else [])
            rows.append({"host": f"h{host.index}", "address": host.address, "link": link,
                         "sshd": up["sshd"], "libvirtd": up["libvirtd"],
                         "virtlogd": up["virtlogd"], "domains": len(domains),
                         "power": "on" if bmc.power_is_on(host_dir) else "off",
                         "bmc": daemons.pid_alive(host.pids.get("bmc")),
                         "failed": host.failed})
        return rows

    def storage_status(self):
        """The storage host: its address, link, sshd and tgtd (None in a lab without one)."""
        host = self.state.storage if os.path.exists(self.state.path) else None
        if host is None:
            return None
        host_dir = self.state.host_dir(0)
        return {"host": "storage", "address": host.address,
                "link": netns.link_is_up(self.state.names.veth(0)),
                "sshd": daemons.daemon_up(host_dir, "sshd"),
                "tgtd": daemons.daemon_up(host_dir, "tgtd"), "failed": host.failed}

    # ---- faults ---------------------------------------------------------
    def fail(self, name, mode):
        preflight.check_root()
        if mode not in FAIL_MODES:
            raise LabError(f"--mode {mode!r}: choose one of {', '.join(FAIL_MODES)}")
        host = self._existing_host(name)
        if mode == "link":
            netns.set_link(self.state.names.veth(host.index), up=False)
        elif mode == "stall":
            daemons.signal_daemon(self.state.host_dir(host.index), "sshd", signal.SIGSTOP)
        elif mode == "bmc":
            bmc.stop(host.pids.get("bmc"))
        else:
            daemons.stop_daemon(self.state.host_dir(host.index), mode)
        host.failed = mode
        self.state.save()
        return host

    def heal(self, name):
        preflight.check_root()
        host = self._existing_host(name)
        if not daemons.pid_alive(host.pids.get("anchor")):
            raise LabError(f"lab host h{host.index} has lost its namespace anchor; "
                           f"run `vmfabric lab up --dir {self.dir}` to repair it")
        netns.set_link(self.state.names.veth(host.index), up=True)
        daemons.signal_daemon(self.state.host_dir(host.index), "sshd", signal.SIGCONT)
        self._ensure_host(host)
        self.state.save()
        return host

    def cap(self, name, cores):
        """Cap lab host NAME's processes (its libvirtd, its guests) at CORES CPUs."""
        preflight.check_root()
        host = self._existing_host(name)
        ns = self.state.names.netns(host.index)
        return cpucap.cap(self.cpu_group(host), netns.netns_pids(ns), cores)

    def uncap(self, name):
        preflight.check_root()
        cpucap.uncap(self.cpu_group(self._existing_host(name)))

    def bmc_address(self, host):
        return bmc.address(self.state.subnet, host.index)

    def bmc_of(self, name):
        """How to reach host NAME's BMC: its vmfabric_bmc setting (agent, address, port,
        username and the password's file)."""
        return self._bmc_setting(self._existing_host(name))

    def _bmc_setting(self, host):
        return {"agent": "ipmi", "address": self.bmc_address(host), "port": bmc.PORT,
                "username": bmc.USER, "password_file": bmc.password_file(self.dir)}

    def cpu_group(self, host):
        return f"{self.state.names.netns(host.index)}-cap"

    def _existing_host(self, name):
        if not os.path.exists(self.state.path):
            raise LabError(f"no lab in {self.dir}; start one with `vmfabric lab up --dir {self.dir}`")
        return self.state.find_host(name)
