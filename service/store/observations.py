"""What the sync reads and writes for a round of hosts that answered (or did not): the VMs
those hosts hold, read at once, and what changed, written in one transaction.

A pass over a thousand hosts must not cost a thousand transactions, nor a write for every
VM whose state did not change: a VM's state is confirmed by its host's ``checked_at``
(see records.Vm.state_age), so only a change is written to the VM's row.
"""

import sqlalchemy as sa

from service import clock
from service.store.pms import down_since
from service.store.records import TRANSITIONAL, Vm
from service.store.schema import pms, vms, volumes

# a host that answered and stays up: only the time of the look changes
CHECKED = (pms.update().where(pms.c.id.in_(sa.bindparam("ids", expanding=True)),
                              pms.c.state == "up")
           .values(checked_at=sa.bindparam("at")))
# what the sync saw on a host; a VM some request is working on, or whose state a
# request set after the host was read, is left as it is
OBSERVED = (vms.update()
            .where(vms.c.id == sa.bindparam("by_id"), vms.c.pmid == sa.bindparam("on_pmid"),
                   # (inequalities, not NOT IN: an IN list cannot be part of an executemany)
                   *[vms.c.state != state for state in sorted(TRANSITIONAL | {"failed"})],
                   sa.or_(vms.c.state_at.is_(None), vms.c.state_at <= sa.bindparam("read_at")))
            .values(state=sa.bindparam("seen"), error=sa.bindparam("why"),
                    state_at=sa.bindparam("at")))


class ObservationRepo:
    def __init__(self, store):
        self.store = store

    def vms_on(self, pmids):
        """{pmid: [Vm]} of the VMs on PMIDS, and of those moving to one of them (by target)."""
        held = {pmid: [] for pmid in pmids}
        if not pmids:
            return held
        query = sa.select(vms).where(sa.or_(vms.c.pmid.in_(pmids), vms.c.target_pmid.in_(pmids)))
        with self.store.read() as conn:
            for row in conn.execute(query):
                vm = Vm.from_row(row._mapping)
                for pmid in {vm.pmid, vm.target_pmid} & held.keys():
                    held[pmid].append(vm)
        return held

    def hosts_with_volumes(self):
        """The PMs holding (or about to hold) a volume's disk."""
        query = sa.select(volumes.c.pmid, volumes.c.pending_pmid).where(volumes.c.state != "deleted")
        with self.store.read() as conn:
            return {pmid for row in conn.execute(query) for pmid in row if pmid is not None}

    def record(self, still_up=(), changed_hosts=(), changed_vms=None):
        """One round of the sync, in one transaction.

        STILL_UP: ids of hosts up before and now, with nothing else changed; CHANGED_HOSTS:
        [{pmid, state, reason[, unknown_domains]}] for the others (only a host up or down
        changes: one never discovered stays new); CHANGED_VMS: {(pmid, vmid): (state,
        reason, read_at)}, READ_AT when the host's domains were read (a VM a request is
        working on, or whose state was set after that, is left alone).
        """
        now = clock.now()
        with self.store.write() as conn:
            if still_up:
                conn.execute(CHECKED, {"ids": sorted(still_up), "at": now})
            for host in changed_hosts:
                values = {"state": host["state"], "reason": host["reason"], "checked_at": now,
                          "down_since": down_since(host["state"])}
                if host.get("unknown_domains") is not None:
                    values["unknown_domains"] = sorted(host["unknown_domains"])
                conn.execute(pms.update().where(pms.c.id == host["pmid"],
                                                pms.c.state.in_(("up", "down"))).values(**values))
            if changed_vms:
                conn.execute(OBSERVED, [{"by_id": vmid, "on_pmid": pmid, "seen": state,
                                         "why": why, "at": now, "read_at": read_at}
                                        for (pmid, vmid), (state, why, read_at)
                                        in changed_vms.items()])
