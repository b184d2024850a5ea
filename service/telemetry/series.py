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
    """The last sample of each of OBJECTS (records with .id and .name) of KIND, newest first
    read within a few intervals; [{id, name, at, <fields>}], one per object that has one."""
    now = now or clock.now()
    found = store.samples.latest(KINDS[kind], now - 3 * settings["interval"])
    rows = []
    for record in objects:
        if record.id in found:
            at, data = found[record.id]
            values = history.unpack(data)
            rows.append({"id": record.id, "name": getattr(record, "name", None) or
                         getattr(record, "address", ""), "pmid": getattr(record, "pmid", record.id),
                         "at": round(at, 3),
                         **{name: _plain(values[i]) for i, name in enumerate(FIELDS)}})
    return rows
