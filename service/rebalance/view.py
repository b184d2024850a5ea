"""The store's fleet as a rebalance model (service/rebalance/model.py).

A VM may move if it is running, paused or shut off, on a host that is up, and
has no snapshots (service/compute/snapshots.py); what it needs counts its
attached volumes. It stays within its host's kind (the same domain type and
guest network: it keeps its address) and off hosts that hold another VM of its
spread group (service/placement/rules.py). Every other VM pins its host, and
pins it for its spread group too.
"""

import numpy as np

from service.rebalance.model import Fleet, Vm
from service.store.moves import MOVABLE


def fleet_from_store(store, rules):
    pms = store.pms.list()
    kinds = {}
    groups = [kinds.setdefault(rules.kind(pm), len(kinds)) for pm in pms]
    cap = [[pm.cpu for pm in pms], [pm.ram_mb for pm in pms], [pm.disk_gb for pm in pms]]
    used = [[pm.used_cpu for pm in pms], [pm.used_ram_mb for pm in pms],
            [pm.used_disk_gb for pm in pms]]
    row_of = {pm.id: i for i, pm in enumerate(pms)}
    volume_gb = {}
    for volume in store.volumes.list():
        if volume.state == "attached" and volume.vmid is not None:
            volume_gb[volume.vmid] = volume_gb.get(volume.vmid, 0) + volume.size_gb
    with_snapshots = store.snapshots.vms_with_any()
    spread_ids = {}
    movable, pinned, spread_held = [], np.zeros(len(pms), dtype=np.int64), {}
    for vm in store.vms.list():
        if vm.pmid is None or vm.pmid not in row_of or vm.state == "failed":
            continue
        row = row_of[vm.pmid]
        spread = spread_ids.setdefault(vm.spread_group, len(spread_ids)) \
            if vm.spread_group else -1
        if vm.state in MOVABLE and pms[row].state == "up" and vm.id not in with_snapshots:
            movable.append(Vm(id=vm.id, host=row, group=groups[row], spread=spread, need=np.array(
                [vm.cpu, vm.ram_mb, vm.disk_gb + volume_gb.get(vm.id, 0)], dtype=np.int64)))
            continue
        pinned[row] += 1
        if spread >= 0:
            held = spread_held.setdefault(spread, [])
            held += [row_of[p] for p in (vm.pmid, vm.target_pmid) if p in row_of]
    fleet = Fleet(pmids=[pm.id for pm in pms], cap=cap, used=used,
                  open_=[pm.takes_vms for pm in pms], groups=groups, vms=movable,
                  spread_held=spread_held)
    fleet.pinned = pinned
    return fleet
