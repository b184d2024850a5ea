"""Quotas: how much each user may hold, checked in the transaction of the capacity claim.

Concurrent creates by one user cannot go past a quota, exactly as they cannot
overcommit a host: the check and the claim are one transaction, which first
locks the user's row (PostgreSQL) or runs alone (SQLite's write lock).
Limits are per user (set by an admin), else the configured defaults; admins,
and an account marked unlimited (the seed API's), have none.
"""

import sqlalchemy as sa

from service.errors import QuotaExceeded
from service.resources import NAMES
from service.store.schema import images, users, vms, volumes

# what a quota limits: the three resources, and the number of VMs
RESOURCES = NAMES + ("vms",)
USAGE = (sa.select(sa.func.coalesce(sa.func.sum(vms.c.cpu), 0),
                   sa.func.coalesce(sa.func.sum(vms.c.ram_mb), 0),
                   sa.func.coalesce(sa.func.sum(vms.c.disk_gb), 0), sa.func.count())
         .where(vms.c.user_id == sa.bindparam("of_user"), vms.c.state != "failed"))
VOLUME_DISK = (sa.select(sa.func.coalesce(sa.func.sum(volumes.c.size_gb), 0))
               .where(volumes.c.user_id == sa.bindparam("of_user"), volumes.c.state != "deleted"))
# a member's private images count in their disk quota
IMAGE_DISK = (sa.select(sa.func.coalesce(sa.func.sum(images.c.disk_gb), 0))
              .where(images.c.user_id == sa.bindparam("of_user"), sa.not_(images.c.public)))
LOCK_USER = (sa.select(users.c.role, users.c.quota).where(users.c.id == sa.bindparam("user_id"))
             .with_for_update())


def limits(role, quota, defaults):
    """{resource: limit or None} for a user, or None when nothing limits them."""
    if role == "admin" or (quota or {}).get("unlimited"):
        return None
    return {name: (quota or {}).get(name, defaults.get(name)) for name in RESOURCES}


class Quotas:
    def __init__(self, defaults):
        self.defaults = dict(defaults)

    def guard(self, conn, rows):
        """Inside the claim's transaction CONN: ROWS (new VMs, with user_id) fit their user's quota."""
        by_user = {}
        for row in rows:
            if row.get("user_id") is not None:
                asked = by_user.setdefault(row["user_id"], [0, 0, 0, 0])
                for index, name in enumerate(("cpu", "ram_mb", "disk_gb")):
                    asked[index] += row[name]
                asked[3] += 1
        for user_id, asked in by_user.items():
            found = conn.execute(LOCK_USER, {"user_id": user_id}).first()
            if found is None:
                continue
            allowed = limits(found.role, found.quota, self.defaults)
            if allowed is None:
                continue
            self._check(conn, user_id, allowed, asked)

    def guard_volume(self, conn, size_gb, user_id):
        """Inside the volume's creation: its size fits its user's disk quota."""
        self.guard_more(conn, user_id, [0, 0, size_gb, 0])

    def guard_more(self, conn, user_id, asked):
        """Inside a claim's transaction: USER_ID may hold ASKED ([cpu, ram_mb, disk_gb, vms])
        more (a volume, a resize)."""
        found = conn.execute(LOCK_USER, {"user_id": user_id}).first() if user_id else None
        allowed = limits(found.role, found.quota, self.defaults) if found else None
        if allowed is not None and any(amount > 0 for amount in asked):
            self._check(conn, user_id, allowed, [max(0, amount) for amount in asked])

    @staticmethod
    def _check(conn, user_id, allowed, asked):
        used = _used(conn, user_id)
        for index, name in enumerate(RESOURCES):
            limit = allowed[name]
            if limit is not None and used[index] + asked[index] > limit:
                raise QuotaExceeded(f"over quota: {name} limit {limit}, in use {used[index]}, "
                                    f"asked {asked[index]}")

    def usage(self, store, user):
        """{resource: {limit, used}} of USER."""
        with store.read() as conn:
            used = _used(conn, user.id)
        allowed = limits(user.role, user.quota, self.defaults) or {}
        return {name: {"limit": allowed.get(name), "used": int(used[index])}
                for index, name in enumerate(RESOURCES)}


def _used(conn, user_id):
    """[cpu, ram_mb, disk_gb, vms] USER_ID holds: their VMs, and their volumes' and private
    images' disk."""
    cpu, ram, disk, count = conn.execute(USAGE, {"of_user": user_id}).first()
    disk += conn.execute(VOLUME_DISK, {"of_user": user_id}).scalar()
    disk += conn.execute(IMAGE_DISK, {"of_user": user_id}).scalar()
    return [int(cpu), int(ram), int(disk), int(count)]
