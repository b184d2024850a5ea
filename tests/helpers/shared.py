"""A context whose lab hosts keep their guests' disks on the lab's storage host (a storage
group), for the tests and benchmarks of shared storage and high availability."""

import threading

import yaml

from vmfabric_lab import netns

from tests.helpers.servers import lab_context

GROUP = "shared"


def storage_group_context(lab, guest_image, home, members=None, **overrides):
    """A context on LAB whose hosts MEMBERS (addresses; default: all) are in storage group
    GROUP on the lab's storage host; OVERRIDES: more configuration. HOME: a pathlib.Path."""
    settings = yaml.safe_load(open(lab.state.settings_file))
    for address, entry in settings.items():
        if members is None or address in members:
            entry["vmfabric_storage"] = GROUP
    settings_file = home / "host_settings.yml"
    settings_file.write_text(yaml.safe_dump(settings))
    return lab_context(lab, guest_image, str(home), policy="first_fit",
                       inventory={"host_settings": str(settings_file)},
                       storage={GROUP: {"kind": "iscsi_tgt", "host": lab.state.storage.address,
                                        "path": "/srv/vmfabric"}}, **overrides)


class Watcher:
    """Which lab hosts run a QEMU process of DOMAIN, every 0.2 s; the most seen at once."""

    def __init__(self, lab, domain):
        self.lab, self.needle = lab, f"guest={domain},".encode()
        self.most, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def running_on(self):
        hosts = set()
        for host in self.lab.state.hosts:
            for pid in netns.netns_pids(self.lab.state.names.netns(host.index)):
                try:
                    argv = open(f"/proc/{pid}/cmdline", "rb").read()
                except OSError:
                    continue
                if self.needle in argv:
                    hosts.add(host.index)
        return hosts

    def _run(self):
        while not self.stop.wait(0.2):
            self.most = max(self.most, len(self.running_on()))
