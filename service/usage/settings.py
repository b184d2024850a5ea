"""The settings of usage-aware decisions (``usage``) and automatic rebalancing
(``rebalance``), with their checks: each bad value is named with what it must be.

The defaults are the ones the simulator found on real workloads (the table in docs/fleet.md):
estimates at the p80 of the last hour, hosts packed to 0.85 of their cores by those
estimates and relieved when their measured use stays over 0.9 (or their steal over 5 %)
for 15 minutes, a VM left where it is for 2 hours after an automatic move.
"""

from service.errors import ConfigError

DEFAULTS = {
    "usage": {"percentile": 80, "window": 3600, "target": 0.9, "fill": 0.85,
              "steal_target": 0.05, "hold": 900, "residence": 7200,
              # the share of its cores placement may fill with estimates (usage_fit)
              "place_target": 1.0},
    # rebalance.auto: the server runs GOALS in order every EVERY seconds (with the sync's
    # lease), at most MAX_MOVES migrations a round, one at a time
    "rebalance": {"auto": False, "every": 60, "max_moves": 4,
                  "goals": ["balance_by_use", "consolidate_by_use"]},
}
FRACTIONS = {"target": (0.05, 2.0), "fill": (0.05, 2.0), "steal_target": (0.0, 1.0),
             "place_target": (0.05, 4.0)}
SECONDS = ("window", "hold", "residence")


def check(data):
    usage, rebalance = data["usage"], data["rebalance"]
    for key, (low, high) in FRACTIONS.items():
        _number(f"usage.{key}", usage[key], low, high, "a fraction of a host's cores"
                if key != "steal_target" else "a fraction of its guests' time")
    _number("usage.percentile", usage["percentile"], 1, 100, "a percentile")
    for key in SECONDS:
        _number(f"usage.{key}", usage[key], 0 if key == "residence" else 1, 30 * 86400,
                "seconds")
    if not isinstance(rebalance["auto"], bool):
        raise ConfigError(f"rebalance.auto: true or false, not {rebalance['auto']!r}")
    if rebalance["auto"] and not data["telemetry"]["enabled"]:
        raise ConfigError("rebalance.auto: needs telemetry.enabled (it acts on what guests use)")
    _number("rebalance.every", rebalance["every"], 5, 86400, "seconds")
    _number("rebalance.max_moves", rebalance["max_moves"], 1, 1000, "migrations a round")
    from service.rebalance import USAGE_GOALS

    goals = rebalance["goals"]
    if not isinstance(goals, list) or not goals or any(g not in USAGE_GOALS for g in goals):
        raise ConfigError(f"rebalance.goals: a list of {', '.join(USAGE_GOALS)}, not {goals!r}")


def _number(name, value, low, high, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f"{name}: {what} from {low} to {high}, not {value!r}")
