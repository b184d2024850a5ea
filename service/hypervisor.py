"""The only module that talks to libvirt: connections, volumes, domains, consoles.

Every libvirt.libvirtError is turned into one of our exceptions here
(NotFound for a missing domain or volume, HypervisorError otherwise) with the
host and the operation in the message, so nothing above knows libvirt.
"""

import hashlib
import threading
import urllib.parse
import xml.etree.ElementTree as ET

import libvirt

from service import templates
from service.errors import Conflict, HypervisorError, NotFound

# libvirt prints every error to stderr unless a handler is installed
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: "unknown", libvirt.VIR_DOMAIN_RUNNING: "running",
    libvirt.VIR_DOMAIN_BLOCKED: "running", libvirt.VIR_DOMAIN_PAUSED: "paused",
    libvirt.VIR_DOMAIN_SHUTDOWN: "running", libvirt.VIR_DOMAIN_SHUTOFF: "shutoff",
    libvirt.VIR_DOMAIN_CRASHED: "crashed", libvirt.VIR_DOMAIN_PMSUSPENDED: "paused",
}
NOT_FOUND = {libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_STORAGE_VOL,
             libvirt.VIR_ERR_NO_STORAGE_POOL}
CONNECTION_LOST = {libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_RPC,
                   libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_ERR_INVALID_CONN}
CHUNK = 1 << 20


def _fail(pm, what, exc):
    code = exc.get_error_code()
    message = f"pm {pm['id']} ({pm['address']}): {what}: {exc.get_error_message()}"
    if code in NOT_FOUND:
        return NotFound(message)
    if code == libvirt.VIR_ERR_OPERATION_INVALID:
        return Conflict(message)
    return HypervisorError(message)


def connection_uri(pm, ssh_wrapper):
    """PM's libvirt URI; qemu+ssh goes through vmfabric's verifying ssh wrapper."""
    uri = pm["libvirt_uri"]
    if uri.startswith("qemu+ssh://") and "command=" not in uri:
        extra = urllib.parse.urlencode({"command": ssh_wrapper, "no_tty": "1"})
        uri += ("&" if "?" in uri else "?") + extra
    return uri


class Hypervisors:
    """A cached libvirt connection per PM, reopened when it is found dead."""

    def __init__(self, ssh_wrapper, pool_name):
        self.ssh_wrapper = ssh_wrapper
        self.pool_name = pool_name
        self._conns = {}
        self._lock = threading.Lock()

    def _connect(self, pm):
        key = (pm["id"], pm["libvirt_uri"])
        with self._lock:
            conn = self._conns.get(key)
            if conn is not None:
                try:
                    if conn.isAlive():
                        return conn
                except libvirt.libvirtError:
                    pass
                self._conns.pop(key, None)
            try:
                conn = libvirt.open(connection_uri(pm, self.ssh_wrapper))
            except libvirt.libvirtError as exc:
                raise HypervisorError(f"pm {pm['id']} ({pm['address']}): cannot connect to "
                                      f"libvirt: {exc.get_error_message()}") from None
            self._conns[key] = conn
            return conn

    def run(self, pm, what, operation):
        """OPERATION(conn) on PM's connection; one reconnect if the connection died."""
        for attempt in (1, 2):
            conn = self._connect(pm)
            try:
                return operation(conn)
            except libvirt.libvirtError as exc:
                if attempt == 1 and exc.get_error_code() in CONNECTION_LOST:
                    self.forget(pm)
                    continue
                raise _fail(pm, what, exc) from None

    def forget(self, pm):
        with self._lock:
            for key in [k for k in self._conns if k[0] == pm["id"]]:
                conn = self._conns.pop(key)
                try:
                    conn.close()
                except libvirt.libvirtError:
                    pass

    # ---- storage ---------------------------------------------------------
    def _pool(self, conn):
        pool = conn.storagePoolLookupByName(self.pool_name)
        if not pool.isActive():
            pool.create()
        return pool

    def pool_path(self, pm):
        def op(conn):
            return ET.fromstring(self._pool(conn).XMLDesc()).findtext("target/path")
        return self.run(pm, f"read pool {self.pool_name}", op)

    def volume_names(self, pm):
        def op(conn):
            pool = self._pool(conn)
            pool.refresh()
            return set(pool.listVolumes())
        return self.run(pm, "list volumes", op)

    def volume_path(self, pm, name):
        return self.run(pm, f"look up volume {name}",
                        lambda conn: self._pool(conn).storageVolLookupByName(name).path())

    def upload(self, pm, name, local_path, fmt, size, sha256):
        """Create volume NAME from LOCAL_PATH through the storage API, then verify it.

        The bytes go over the libvirt connection (a stream), and are read back
        and hashed: a copy that does not match SHA256 is deleted and refused.
        """
        def op(conn):
            pool = self._pool(conn)
            xml = templates.render_volume(name=name, capacity=size, fmt=fmt)
            try:
                vol = pool.storageVolLookupByName(name)
                vol.delete(0)  # a leftover of an interrupted upload
            except libvirt.libvirtError:
                pass
            vol = pool.createXML(xml, 0)
            try:
                stream = conn.newStream(0)
                vol.upload(stream, 0, size, 0)
                with open(local_path, "rb") as fh:
                    stream.sendAll(lambda _s, n, f: f.read(min(n, CHUNK)), fh)
                stream.finish()
                if _download_sha256(conn, vol, size) != sha256:
                    raise HypervisorError(f"pm {pm['id']}: copy of {local_path} in volume "
                                          f"{name} does not match its checksum")
            except BaseException:
                vol.delete(0)
                raise
            return vol.path()
        return self.run(pm, f"upload {local_path} as volume {name}", op)

    def create_overlay(self, pm, name, backing_path, backing_format, capacity):
        xml = templates.render_volume(name=name, capacity=capacity, fmt="qcow2",
                                      backing_path=backing_path, backing_format=backing_format)
        return self.run(pm, f"create volume {name}",
                        lambda conn: self._pool(conn).createXML(xml, 0).path())

    def delete_volume(self, pm, name):
        """Delete volume NAME if it exists; True if it did."""
        def op(conn):
            pool = self._pool(conn)
            try:
                vol = pool.storageVolLookupByName(name)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL:
                    pool.refresh()
                    try:
                        vol = pool.storageVolLookupByName(name)
                    except libvirt.libvirtError:
                        return False
                else:
                    raise
            vol.delete(0)
            return True
        return self.run(pm, f"delete volume {name}", op)

    def read_tail(self, pm, name, max_bytes):
        """The last MAX_BYTES of volume NAME (a console log), via the storage API."""
        def op(conn):
            pool = self._pool(conn)
            pool.refresh()
            vol = pool.storageVolLookupByName(name)
            size = vol.info()[1]
            offset = max(0, size - max_bytes)
            chunks = []
            stream = conn.newStream(0)
            vol.download(stream, offset, size - offset, 0)
            stream.recvAll(lambda _s, data, acc: acc.append(data), chunks)
            stream.finish()
            return b"".join(chunks)
        return self.run(pm, f"read {name}", op)

    # ---- domains ---------------------------------------------------------
    def define_and_start(self, pm, xml):
        def op(conn):
            dom = conn.defineXML(xml)
            try:
                dom.create()
            except libvirt.libvirtError:
                dom.undefine()
                raise
            return dom.name()
        return self.run(pm, "define and start the domain", op)

    def remove_domain(self, pm, name):
        """Stop and undefine domain NAME if it exists; True if it did."""
        def op(conn):
            try:
                dom = conn.lookupByName(name)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    return False
                raise
            if dom.isActive():
                dom.destroy()
            # (no NVRAM flag: our domains boot by BIOS and have none)
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                              | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
            return True
        return self.run(pm, f"remove domain {name}", op)

    def domain_state(self, pm, name):
        return self.run(pm, f"read the state of {name}",
                        lambda conn: STATES.get(conn.lookupByName(name).state()[0], "unknown"))

    def domain_names(self, pm):
        return self.run(pm, "list domains",
                        lambda conn: {d.name() for d in conn.listAllDomains(0)})

    def power(self, pm, name, action):
        """start, shutdown, stop (force), reboot, pause, resume."""
        calls = {
            "start": lambda d: d.create(),
            "shutdown": lambda d: d.shutdown(),
            "stop": lambda d: d.destroy(),
            "reboot": lambda d: d.reboot(0),
            "pause": lambda d: d.suspend(),
            "resume": lambda d: d.resume(),
        }
        return self.run(pm, f"{action} {name}", lambda conn: calls[action](conn.lookupByName(name)))


def _download_sha256(conn, vol, size):
    digest = hashlib.sha256()
    stream = conn.newStream(0)
    vol.download(stream, 0, size, 0)
    stream.recvAll(lambda _s, data, d: d.update(data), digest)
    stream.finish()
    return digest.hexdigest()
