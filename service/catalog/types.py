"""Instance types at runtime: created, resized while unused, retired, deleted once unused.

A type is what /vm/types lists (cpu, ram in MiB, disk in GiB). One that VMs or clusters use
keeps its sizes (their claims were made by them) and cannot be deleted; it can be retired:
no new VM of it, and the ones it has keep it.
"""

from service.errors import ValidationError

# API name -> column, with the largest value taken
SIZES = {"cpu": ("cpu", 1024), "ram": ("ram_mb", 1 << 24), "disk": ("disk_gb", 1 << 20)}


def new_type(data):
    """The row of a type to create from DATA ({tid?, cpu, ram, disk, ha?})."""
    _known(data, set(SIZES) | {"tid", "ha"})
    row = {column: _positive(name, data.get(name), most) for name, (column, most) in SIZES.items()}
    if data.get("tid") is not None:
        row["tid"] = _positive("tid", data["tid"], 1 << 30)
    row["ha"] = _flag(data, "ha") if "ha" in data else False
    return row


def type_change(data):
    """The columns to change from DATA ({cpu?, ram?, disk?, retired?, ha?}); ``ha`` is only
    a default for new VMs, so it may change while VMs use the type."""
    _known(data, set(SIZES) | {"retired", "ha"})
    values = {SIZES[name][0]: _positive(name, data[name], SIZES[name][1])
              for name in SIZES if name in data}
    values.update({flag: _flag(data, flag) for flag in ("retired", "ha") if flag in data})
    if not values:
        raise ValidationError("nothing to change: give cpu, ram, disk, retired or ha",
                              field="body")
    return values


def _flag(data, field):
    if not isinstance(data[field], bool):
        raise ValidationError(f"{field}: true or false, not {data[field]!r}", field=field)
    return data[field]


def check_launchable(itype):
    """A new VM may be made of ITYPE (a retired type makes none)."""
    if itype["retired"]:
        raise ValidationError(f"instance_type: type {itype['tid']} is retired (no new VMs of "
                              "it; see /api/v1/types for the active ones)", field="instance_type")


def _known(data, allowed):
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(allowed))})",
                              field=unknown[0])


def _positive(field, value, most):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValidationError(f"{field}: a whole number from 1 to {most}, not {value!r}",
                              field=field)
    return value
