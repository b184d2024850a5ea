"""Store records for tests that talk to a host without a store (the libvirt test driver)."""

from service.store.records import Pm


def pm_record(pmid=1, address="test", libvirt_uri="test:///default", **fields):
    values = dict(id=pmid, address=address, port=22, user="root", libvirt_uri=libvirt_uri,
                  settings={}, state="up", reason="", domain_type="qemu", cpu=8, ram_mb=8192,
                  disk_gb=40, used_cpu=0, used_ram_mb=0, used_disk_gb=0, vm_count=0, facts={},
                  discovered_at=0.0)
    values.update(fields)
    return Pm(**values)
