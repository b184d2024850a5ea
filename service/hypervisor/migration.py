"""Moving a domain between two hosts (that share no storage, or whose disks are all on shared
storage: then only memory moves).

Live: the client-managed (not peer-to-peer) migration that ``virsh migrate``
does, so vmfabric needs no trust between hosts: it holds a connection to each.
The disks listed are copied by QEMU's NBD mirror while the guest runs, only
their top layer (the overlay; the base image is already on the destination),
and the memory follows; the guest pauses only for the last dirty pages. The
migration and NBD streams go to the destination's address (QEMU would
otherwise try the machine's hostname). Progress is libvirt's job information,
read while the migration runs; a migration that outlives its time limit is
aborted, which libvirt turns into a clean rollback on both hosts.

Offline (a shut-off domain): only the definition moves; its volumes were
copied before by the caller.
"""

import concurrent.futures
import time
import xml.etree.ElementTree as ET

import libvirt

from service import templates
from service.errors import HypervisorError, VmfabricError
from service.hypervisor.domains import STATES, lookup

# the namespace of vmfabric's domain metadata keeps its prefix when XML is rewritten
ET.register_namespace("vmfabric", templates.METADATA_NS)
LIVE_FLAGS = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PERSIST_DEST
              | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE | libvirt.VIR_MIGRATE_NON_SHARED_INC)
# every disk on shared storage (network disks both hosts reach): memory only
SHARED_LIVE_FLAGS = LIVE_FLAGS & ~libvirt.VIR_MIGRATE_NON_SHARED_INC
OFFLINE_FLAGS = (libvirt.VIR_MIGRATE_OFFLINE | libvirt.VIR_MIGRATE_PERSIST_DEST
                 | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
POLL = 0.25
# what the progress callback is given, from libvirt's job statistics
PROGRESS_KEYS = ("data_total", "data_processed", "data_remaining", "disk_total",
                 "disk_remaining", "memory_total", "memory_remaining")


def stream_uri(address):
    """tcp://ADDRESS for QEMU's migration and NBD streams (IPv6 in brackets)."""
    return f"tcp://[{address}]" if ":" in address else f"tcp://{address}"


class Migration:
    def __init__(self, connections):
        self.connections = connections
        self._runner = concurrent.futures.ThreadPoolExecutor(8, "vmfabric-migrate")

    def live(self, source, target, domain, disks, address, pool, timeout, bandwidth=0,
             progress=None):
        """Migrate running DOMAIN from SOURCE to TARGET (reached at ADDRESS), copying the top
        layer of DISKS ({target dev: its file on TARGET}; volumes of POOL), at most
        BANDWIDTH MiB/s (0: no limit). PROGRESS(dict) is called as it goes. Returns the
        completed job's statistics as the target saw them (downtime, time, bytes)."""
        target_conn = self.connections.run(target, "connect for the migration", lambda c: c)
        params = {libvirt.VIR_MIGRATE_PARAM_URI: stream_uri(address)}
        if disks:
            params[libvirt.VIR_MIGRATE_PARAM_DISKS_URI] = stream_uri(address)
            params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = list(disks)
        if bandwidth:
            params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = int(bandwidth)

        def migrate(conn):
            dom = conn.lookupByName(domain)
            params[libvirt.VIR_MIGRATE_PARAM_DEST_XML] = file_disks(
                dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE), pool, disks)
            dom.migrate3(target_conn, params, LIVE_FLAGS if disks else SHARED_LIVE_FLAGS)

        running = self._runner.submit(self.connections.run, source,
                                      f"migrate {domain} to {target.label}", migrate, timeout + 60)
        deadline = time.monotonic() + timeout
        aborted = None
        while True:
            try:
                running.result(timeout=POLL)
                break
            except concurrent.futures.TimeoutError:
                pass
            if aborted is None and time.monotonic() > deadline:
                aborted = f"took longer than {timeout:g} s"
                self._abort(source, domain)
            elif aborted is None and not _alive(target_conn):
                # QEMU's streams may go on without it, but nothing could finish the move there
                aborted = f"lost {target.label}'s libvirtd"
                self._abort(source, domain)
            elif progress is not None:
                stats = self._stats(source, domain)
                if stats:
                    progress(stats)
        try:
            running.result()
        except VmfabricError as exc:
            if aborted:
                raise HypervisorError(f"the migration of {domain} to {target.label} {aborted} "
                                      f"and was aborted") from exc
            raise
        return self.connections.run(target, f"read the migration of {domain}",
                                    lambda conn: _completed(conn, domain))

    def offline(self, source, target, domain):
        """Move shut-off DOMAIN's definition from SOURCE to TARGET."""
        target_conn = self.connections.run(target, "connect for the migration", lambda c: c)
        return self.connections.run(
            source, f"move the definition of {domain} to {target.label}",
            lambda conn: conn.lookupByName(domain).migrate3(target_conn, {}, OFFLINE_FLAGS))

    def where(self, pm, domain):
        """DOMAIN's state on PM ('running', 'paused', 'shutoff' ...), or None when PM has no
        such domain."""
        def op(conn):
            dom = lookup(conn, domain)
            return None if dom is None else STATES.get(dom.state()[0], "unknown")
        return self.connections.run(pm, f"look for {domain}", op)

    def _stats(self, pm, domain):
        def op(conn):
            stats = conn.lookupByName(domain).jobStats()
            return {key: stats[key] for key in PROGRESS_KEYS if key in stats}
        try:
            return self.connections.run(pm, f"read the migration of {domain}", op)
        except VmfabricError:
            return None  # the job just ended, or the host is busy: the next look tells

    def _abort(self, pm, domain):
        try:
            self.connections.run(pm, f"abort the migration of {domain}",
                                 lambda conn: conn.lookupByName(domain).abortJob())
        except VmfabricError:
            pass  # it ended by itself meanwhile


def _alive(conn):
    try:
        return conn.isAlive() == 1
    except libvirt.libvirtError:
        return False


def file_disks(xml, pool, disks):
    """Domain XML whose DISKS ({target dev: path on the destination}), volumes of POOL, are
    named by their files instead: libvirt checks a live migration's disk targets on the
    destination by path, and a pool volume has none until the domain starts there."""
    root = ET.fromstring(xml)
    for disk in root.findall("devices/disk"):
        source, target = disk.find("source"), disk.find("target")
        if (disk.get("type") != "volume" or source is None or target is None
                or source.get("pool") != pool or target.get("dev") not in disks):
            continue
        disk.set("type", "file")
        for key in list(source.attrib):
            del source.attrib[key]
        source.set("file", disks[target.get("dev")])
    return ET.tostring(root, encoding="unicode")


def _completed(conn, domain):
    stats = conn.lookupByName(domain).jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    return {"downtime_ms": stats.get("downtime"), "time_ms": stats.get("time_elapsed"),
            "bytes": stats.get("data_processed") or stats.get("memory_processed")}
