"""What the autoscaling policies (vertical.py, horizontal.py) share: their checks, the cooldown,
and the CPU samples a pass reads once for all of them."""

from service.errors import ValidationError
from service.telemetry import history

CPU = 0  # where samples keep it (service/telemetry/rates.py FIELDS)
SECONDS = (1, 86400)


def checked(data, defaults, bounds, limit, unit, whose):
    """The policy DATA asks for, with DEFAULTS; ValidationError naming a bad field. BOUNDS:
    the (fewest, most) keys, whole numbers of UNIT from 1 to LIMIT; up and down: shares of
    WHOSE vCPUs; hold and cooldown: seconds."""
    policy = dict(defaults, **data)
    low, high = bounds
    for key in bounds:
        value = policy.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise ValidationError(f"{key}: a number of {unit} from 1 to {limit}, not {value!r}",
                                  field=key)
    if policy[low] > policy[high]:
        raise ValidationError(f"{low}: {policy[low]} is above {high} {policy[high]}", field=low)
    for key in ("up", "down"):
        if not _number(policy[key]) or not 0 < policy[key] < 1:
            raise ValidationError(f"{key}: a share of {whose} vCPUs between 0 and 1, not "
                                  f"{policy[key]!r}", field=key)
    if policy["down"] >= policy["up"]:
        raise ValidationError(f"down: {policy['down']} must be below up {policy['up']}",
                              field="down")
    for key in ("hold", "cooldown"):
        if not _number(policy[key]) or not SECONDS[0] <= policy[key] <= SECONDS[1]:
            raise ValidationError(f"{key}: seconds from {SECONDS[0]} to {SECONDS[1]}, not "
                                  f"{policy[key]!r}", field=key)
    unknown = sorted(set(policy) - set(defaults) - {low, high, "changed_at"})
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a setting of a policy", field=unknown[0])
    policy.setdefault("changed_at", None)
    return policy


def _number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float))


def cooling(policy, now):
    """Whether POLICY's last change is less than its cooldown ago."""
    return bool(policy.get("changed_at")) and now - policy["changed_at"] < policy["cooldown"]


def cpu_samples(store, policies, interval, now):
    """{vmid: [CPU %, oldest first]} of every VM over the longest window POLICIES look at (one
    read for a whole pass)."""
    if not policies:
        return {}
    window = max(max(p["hold"], p["cooldown"]) for p in policies) + interval
    return {vmid: [history.unpack(data)[CPU] for _, data in rows]
            for vmid, rows in store.samples.recent("v", now - window).items()}
