"""What a VM's or host's history looks like to a reader: one range of the tier that keeps it,
column by column (as charts draw it), with the last sample and the percentiles the next
decisions use."""

import math

from service import clock
from service.telemetry import history
from service.telemetry.rates import FIELDS, UNITS

KINDS = {"vm": "v", "pm": "h"}


def _plain(value):
    """A stored value for JSON: rounded, and None where nothing was known (NaN)."""
    return None if math.isnan(value) else round(value, 2)


def of(store, settings, kind, oid, range_name, now=None):
    """The history of KIND ('vm' or 'pm') OID over RANGE_NAME (1h, 24h, 30d)."""
    now = now or clock.now()
    tiers = history.tiers_of(settings)
    index = history.tier_for(tiers, range_name)
    since = now - history.RANGES[range_name]
    points = history.points(store.samples.series(KINDS[kind], oid, index, since), index, since)
    fine = points if index == 0 else history.points(
        store.samples.series(KINDS[kind], oid, 0, now - 3600), 0, now - 3600)
    names = FIELDS + (("cpu_max",) if index else ())
    last = fine[-1] if fine else None
    return {
        "range": range_name, "step": tiers[index].step, "units": dict(UNITS),
        "at": [round(at, 3) for at, _ in points],
        "series": {name: [_plain(values[i]) for _, values in points]
                   for i, name in enumerate(names)},
        "last": ({"at": round(last[0], 3), **{name: _plain(last[1][i])
                                             for i, name in enumerate(FIELDS)}}
                 if last else None),
        "summary": history.summary(fine, now),
    }


def latest(store, settings, kind, objects, now=None):
    """The last sample, read within a few intervals, of each of OBJECTS of KIND (VmBriefs, or
    Pms): [{id, name, pmid, at, <fields>}], one per object that has one."""
    now = now or clock.now()
    found = store.samples.latest(KINDS[kind], now - 3 * settings["interval"])
    rows = []
    for record in objects:
        if record.id in found:
            at, data = found[record.id]
            values = history.unpack(data)
            # a VM: its name and host; a host: its address and itself
            name, pmid = (record.name, record.pmid) if kind == "vm" else (record.address,
                                                                           record.id)
            rows.append({"id": record.id, "name": name, "pmid": pmid, "at": round(at, 3),
                         **{field: _plain(values[i]) for i, field in enumerate(FIELDS)}})
    return rows
