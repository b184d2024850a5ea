"""Storage on a host: vmfabric's image pool and the volumes in it (base images, disks, consoles).

The pool is made on first use if the host lacks it (defined from
templates/pool.xml.j2, built, started and autostarted), so the pool's name and
directory come from vmfabric's configuration alone. Bytes move over the
libvirt connection (storage streams); nothing else reaches the host's files.
"""

import hashlib
import xml.etree.ElementTree as ET

import libvirt

from service import templates
from service.errors import HypervisorError
from service.hypervisor.errors import is_missing

CHUNK = 1 << 20
# an upload of a base image moves its whole size: give it longer than a call
UPLOAD_TIMEOUT = 1800
HOLE = -3  # what a stream's recvFlags answers at a hole, with VIR_STREAM_RECV_STOP_AT_HOLE


class Storage:
    def __init__(self, connections, pool_name, pool_path):
        self.connections = connections
        self.pool_name = pool_name
        self.pool_path = pool_path

    def _pool(self, conn):
        try:
            pool = conn.storagePoolLookupByName(self.pool_name)
        except libvirt.libvirtError as exc:
            if not is_missing(exc, libvirt.VIR_ERR_NO_STORAGE_POOL):
                raise
            pool = conn.storagePoolDefineXML(
                templates.render_pool(name=self.pool_name, path=self.pool_path), 0)
            pool.build(0)
            pool.setAutostart(1)
        if not pool.isActive():
            pool.create()
        return pool

    def run(self, pm, what, operation, timeout=None):
        """OPERATION(conn, pool) on PM's image pool."""
        return self.connections.run(pm, what, lambda conn: operation(conn, self._pool(conn)),
                                    timeout)

    def pool_path_on(self, pm):
        return self.run(pm, f"read pool {self.pool_name}",
                        lambda conn, pool: ET.fromstring(pool.XMLDesc()).findtext("target/path"))

    def volume_names(self, pm):
        """The names of the volumes in PM's pool, or None when the pool cannot be refreshed now
        (a transfer into it is under way): no answer, rather than a stale one."""
        def op(conn, pool):
            try:
                pool.refresh()
            except libvirt.libvirtError as exc:
                if "asynchronous jobs running" in (exc.get_error_message() or ""):
                    return None
                raise
            return set(pool.listVolumes())
        return self.run(pm, "list volumes", op)

    def checksum(self, pm, name, size):
        """The SHA-256 of volume NAME's first SIZE bytes, read back over libvirt (NotFound if
        there is no such volume)."""
        return self.run(pm, f"read back volume {name}",
                        lambda conn, pool: _download_sha256(conn, _lookup(pool, name), size),
                        timeout=UPLOAD_TIMEOUT)

    def capacity(self, pm, name):
        """The size (bytes) of the disk volume NAME presents."""
        return self.run(pm, f"look up volume {name}",
                        lambda conn, pool: _lookup(pool, name).info()[1])

    def upload(self, pm, name, local_path, fmt, size, sha256):
        """Create volume NAME from LOCAL_PATH through the storage API, then verify it.

        The bytes go over the libvirt connection (a stream), and are read back
        and hashed: a copy that does not match SHA256 is deleted and refused.
        """
        def op(conn, pool):
            xml = templates.render_volume(name=name, capacity=size, fmt=fmt)
            try:
                pool.storageVolLookupByName(name).delete(0)  # a leftover of an interrupted upload
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
                    raise HypervisorError(f"{pm.label}: copy of {local_path} in volume "
                                          f"{name} does not match its checksum")
            except BaseException:
                vol.delete(0)
                raise
            return vol.path()
        return self.run(pm, f"upload {local_path} as volume {name}", op, timeout=UPLOAD_TIMEOUT)

    def upload_bytes(self, pm, name, data):
        """Volume NAME (raw) holding DATA, replacing one of that name (a small file: cidata)."""
        def op(conn, pool):
            vol = _replace(pool, name, templates.render_volume(name=name, capacity=len(data),
                                                               fmt="raw"))
            try:
                stream = conn.newStream(0)
                vol.upload(stream, 0, len(data), 0)
                stream.sendAll(lambda _s, n, view: view.pop(n), _Chunks(data))
                stream.finish()
            except BaseException:
                vol.delete(0)
                raise
            return vol.path()
        return self.run(pm, f"upload volume {name}", op)

    def create_volume(self, pm, name, capacity):
        """An empty raw volume NAME of CAPACITY bytes (sparse: it takes space as it fills),
        replacing a leftover of that name (an earlier attempt that could not clean up)."""
        xml = templates.render_volume(name=name, capacity=capacity, fmt="raw")
        return self.run(pm, f"create volume {name}",
                        lambda conn, pool: _replace(pool, name, xml).path())

    def copy_volume(self, source_pm, target_pm, name, fmt="raw"):
        """Volume NAME of SOURCE_PM made on TARGET_PM (the same size, bytes and FMT), its bytes
        streamed across by libvirt; replaces a leftover of that name there. The streams are
        sparse: holes cross as their length, so a mostly empty disk moves in the time its
        data takes, whatever its size."""
        def op(source_conn, source_pool):
            source = _lookup(source_pool, name)
            target_xml = templates.render_volume(name=name, capacity=source.info()[1], fmt=fmt)

            def into(target_conn, target_pool):
                target = _replace(target_pool, name, target_xml)
                outgoing = source_conn.newStream(0)
                incoming = target_conn.newStream(0)
                try:
                    # (length 0: the whole file, whatever its format makes of its size)
                    source.download(outgoing, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
                    target.upload(incoming, 0, 0, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
                    _pipe_sparse(outgoing, incoming)
                    outgoing.finish()
                    incoming.finish()
                except BaseException:
                    for stream in (outgoing, incoming):
                        try:
                            stream.abort()
                        except libvirt.libvirtError:
                            pass
                    target.delete(0)
                    raise
                return target.path()
            return self.run(target_pm, f"receive volume {name}", into, timeout=UPLOAD_TIMEOUT)
        return self.run(source_pm, f"send volume {name}", op, timeout=UPLOAD_TIMEOUT)

    def create_overlay_on(self, pm, name, base, base_format, capacity):
        """Volume NAME as a qcow2 overlay on volume BASE, in one round of calls.

        NotFound when BASE is not on the host (upload it, then ask again).
        """
        def op(conn, pool):
            backing = pool.storageVolLookupByName(base).path()
            xml = templates.render_volume(name=name, capacity=capacity, fmt="qcow2",
                                          backing_path=backing, backing_format=base_format)
            return pool.createXML(xml, 0).path()
        return self.run(pm, f"create volume {name} on {base}", op)

    def delete_volume(self, pm, name):
        """Delete volume NAME if it exists; True if it did."""
        return bool(self.delete_volumes(pm, [name]))

    def delete_volumes(self, pm, names):
        """Delete each volume of NAMES that exists; returns those that did."""
        def op(conn, pool):
            def lookup(name):
                try:
                    return pool.storageVolLookupByName(name)
                except libvirt.libvirtError as exc:
                    if is_missing(exc, libvirt.VIR_ERR_NO_STORAGE_VOL):
                        return None
                    raise

            found = {name: lookup(name) for name in names}
            if None in found.values():
                pool.refresh()  # made behind libvirt's back (a console log), or elsewhere
                found = {name: vol or lookup(name) for name, vol in found.items()}
            for vol in found.values():
                if vol is not None:
                    vol.delete(0)
            return [name for name, vol in found.items() if vol is not None]
        return self.run(pm, f"delete volumes {', '.join(names)}", op)

    def read_tail(self, pm, name, max_bytes):
        """The last MAX_BYTES of volume NAME (a console log), via the storage API."""
        def op(conn, pool):
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


class _Chunks:
    """DATA handed out in pieces of the size a stream asks for."""

    def __init__(self, data):
        self.data, self.offset = memoryview(data), 0

    def pop(self, n):
        piece = self.data[self.offset:self.offset + min(n, CHUNK)]
        self.offset += len(piece)
        return bytes(piece)


def _lookup(pool, name):
    """Volume NAME of POOL, looked for again after a refresh (a file made beside libvirt,
    like a console log)."""
    try:
        return pool.storageVolLookupByName(name)
    except libvirt.libvirtError as exc:
        if not is_missing(exc, libvirt.VIR_ERR_NO_STORAGE_VOL):
            raise
    pool.refresh(0)
    return pool.storageVolLookupByName(name)


def _replace(pool, name, xml):
    """A new volume from XML in POOL, where any volume named NAME is deleted first."""
    try:
        pool.storageVolLookupByName(name).delete(0)
    except libvirt.libvirtError as exc:
        if not is_missing(exc, libvirt.VIR_ERR_NO_STORAGE_VOL):
            raise
    return pool.createXML(xml, 0)


def _pipe_sparse(outgoing, incoming):
    """Everything OUTGOING (a sparse download) yields into INCOMING (a sparse upload)."""
    while True:
        chunk = outgoing.recvFlags(CHUNK, libvirt.VIR_STREAM_RECV_STOP_AT_HOLE)
        if chunk == HOLE:
            incoming.sendHole(outgoing.recvHole())
            continue
        if isinstance(chunk, int):
            raise HypervisorError(f"volume stream answered {chunk}")
        if not chunk:
            return
        view = memoryview(chunk)
        while view:  # a send may take less than it is given
            view = view[incoming.send(bytes(view)):]


def _download_sha256(conn, vol, size):
    digest = hashlib.sha256()
    stream = conn.newStream(0)
    vol.download(stream, 0, size, 0)
    stream.recvAll(lambda _s, data, d: d.update(data), digest)
    stream.finish()
    return digest.hexdigest()
