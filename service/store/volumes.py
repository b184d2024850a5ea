"""Volumes and their disk claims.

A volume holds disk on one host once it exists there: the same guarded
UPDATE as a VM's claim (never overcommitted), taken before its disk is made
(``pending_pmid`` while it is made or copied there) and given back when it is
destroyed or has moved away. Changes of state are guarded updates too, so of
two requests to attach one volume, one wins.
"""


import sqlalchemy as sa

from service import clock
from service.errors import Conflict, NoCapacity, NotFound
from service.store.records import VOLUME_TRANSITIONAL, Volume
from service.store.schema import pms, volumes

GET = sa.select(volumes).where(volumes.c.id == sa.bindparam("volume_id"))
ATTACHED_TO = (sa.select(volumes).where(volumes.c.vmid == sa.bindparam("vmid"),
                                        volumes.c.state != "deleted").order_by(volumes.c.id))
CLAIM_DISK = (pms.update()
              .where(pms.c.id == sa.bindparam("on_pmid"), pms.c.state == "up",
                     pms.c.used_disk_gb + sa.bindparam("size") <= pms.c.disk_gb)
              .values(used_disk_gb=pms.c.used_disk_gb + sa.bindparam("size")))
UNCLAIM_DISK = (pms.update().where(pms.c.id == sa.bindparam("on_pmid"))
                .values(used_disk_gb=pms.c.used_disk_gb - sa.bindparam("size")))
CHANGE = (volumes.update().where(volumes.c.id == sa.bindparam("by_id"),
                                 volumes.c.state == sa.bindparam("from_state"))
          .values(state=sa.bindparam("to_state"), owner=sa.bindparam("to_owner"),
                  updated_at=sa.bindparam("at")))


def _get(conn, volume_id):
    row = conn.execute(GET, {"volume_id": volume_id}).first()
    if row is None:
        raise NotFound(f"no volume {volume_id}")
    return Volume.from_row(row._mapping)


class VolumeRepo:
    def __init__(self, store):
        self.store = store
        self._get = store.prepare(GET)
        self._attached_to = store.prepare(ATTACHED_TO)

    def create(self, name, size_gb, user_id, guard=None):
        """A new volume, available, on no host yet; GUARD(conn, size_gb, user_id) checks quota."""
        now = clock.now()
        with self.store.write() as conn:
            if guard is not None:
                guard(conn, size_gb, user_id)
            return conn.execute(volumes.insert().values(
                name=name, size_gb=size_gb, user_id=user_id, state="available", target="",
                error="", created_at=now, updated_at=now)).inserted_primary_key[0]

    def get(self, volume_id):
        return Volume.from_row(self._get.one({"volume_id": volume_id}, f"no volume {volume_id}"))

    def list(self, user_id=None):
        query = sa.select(volumes).where(volumes.c.state != "deleted").order_by(volumes.c.id)
        if user_id is not None:
            query = query.where(volumes.c.user_id == user_id)
        with self.store.read() as conn:
            return [Volume.from_row(r._mapping) for r in conn.execute(query)]

    def attached_to(self, vmid):
        return [Volume.from_row(row) for row in self._attached_to.mappings({"vmid": vmid})]

    def begin(self, volume_id, state, owner, allowed):
        """Move the volume into STATE (owned by OWNER) if it is in one of ALLOWED; Conflict
        otherwise. Returns the volume as it was."""
        with self.store.write() as conn:
            volume = _get(conn, volume_id)
            if volume.state not in allowed:
                raise Conflict(f"volume {volume_id} is {volume.state}; that needs it "
                               f"{' or '.join(sorted(allowed))}")
            if conn.execute(CHANGE, {"by_id": volume_id, "from_state": volume.state,
                                     "to_state": state, "to_owner": owner,
                                     "at": clock.now()}).rowcount != 1:
                raise Conflict(f"volume {volume_id} changed while {state} was starting")
        return volume

    def claim_on(self, volume_id, pmid):
        """Claim the volume's size on PMID (its disk is about to be made or copied there)."""
        with self.store.write() as conn:
            volume = _get(conn, volume_id)
            if conn.execute(CLAIM_DISK, {"on_pmid": pmid, "size": volume.size_gb}).rowcount != 1:
                raise NoCapacity(f"pm {pmid} has no room for volume {volume_id} "
                                 f"({volume.size_gb} GB)")
            conn.execute(volumes.update().where(volumes.c.id == volume_id)
                         .values(pending_pmid=pmid, updated_at=clock.now()))

    def reserve_target(self, volume_id, vmid, candidates):
        """The first of CANDIDATES (device names) that no other volume of VMID holds or is
        being attached at, recorded for VOLUME_ID (attaching to VMID); None if none is free."""
        with self.store.write() as conn:
            self.store.serialize(conn, f"disks.{vmid}")
            taken = set(conn.execute(sa.select(volumes.c.target).where(
                volumes.c.vmid == vmid, volumes.c.id != volume_id,
                volumes.c.state.in_(("attaching", "attached", "detaching")))).scalars())
            target = next((t for t in candidates if t not in taken), None)
            if target is not None:
                conn.execute(volumes.update().where(volumes.c.id == volume_id).values(
                    vmid=vmid, target=target, updated_at=clock.now()))
            return target

    def placed(self, volume_id):
        """Its disk is on the pending host now: that host holds it; the old one's claim goes."""
        with self.store.write() as conn:
            volume = _get(conn, volume_id)
            if volume.pmid is not None:
                conn.execute(UNCLAIM_DISK, {"on_pmid": volume.pmid, "size": volume.size_gb})
            conn.execute(volumes.update().where(volumes.c.id == volume_id)
                         .values(pmid=volume.pending_pmid, pending_pmid=None,
                                 updated_at=clock.now()))

    def unclaim_pending(self, volume_id):
        """The disk was not made on the pending host: give that claim back."""
        with self.store.write() as conn:
            volume = _get(conn, volume_id)
            if volume.pending_pmid is not None:
                conn.execute(UNCLAIM_DISK, {"on_pmid": volume.pending_pmid,
                                            "size": volume.size_gb})
                conn.execute(volumes.update().where(volumes.c.id == volume_id)
                             .values(pending_pmid=None, updated_at=clock.now()))

    def settle(self, volume_id, state, vmid=None, target="", error=""):
        """End a transition: STATE (attached to VMID at TARGET, or available ...), no owner."""
        with self.store.write() as conn:
            conn.execute(volumes.update().where(volumes.c.id == volume_id).values(
                state=state, vmid=vmid, target=target, owner=None, error=error[:2000],
                updated_at=clock.now()))

    def release_vm(self, conn, vmid):
        """Inside a VM's destroy: its volumes become available, their data and host kept."""
        conn.execute(volumes.update().where(volumes.c.vmid == vmid, volumes.c.state == "attached")
                     .values(state="available", vmid=None, target="", updated_at=clock.now()))

    def deleted(self, volume_id):
        """Its disk is gone: the claim is given back; the row stays (ids are never reused)."""
        with self.store.write() as conn:
            volume = _get(conn, volume_id)
            for pmid in (volume.pmid, volume.pending_pmid):
                if pmid is not None:
                    conn.execute(UNCLAIM_DISK, {"on_pmid": pmid, "size": volume.size_gb})
            conn.execute(volumes.update().where(volumes.c.id == volume_id).values(
                state="deleted", pmid=None, pending_pmid=None, vmid=None, target="",
                owner=None, updated_at=clock.now()))

    def orphaned(self, live_owners):
        """Volumes in a transition whose owner is not among LIVE_OWNERS."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(volumes).where(
                volumes.c.state.in_(sorted(VOLUME_TRANSITIONAL))))
            return [Volume.from_row(r._mapping) for r in rows if r.owner not in live_owners]

    def on_host(self, pmid):
        """Volumes whose disk is (or is being made) on PMID."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(volumes).where(
                sa.or_(volumes.c.pmid == pmid, volumes.c.pending_pmid == pmid),
                volumes.c.state != "deleted"))
            return [Volume.from_row(r._mapping) for r in rows]
