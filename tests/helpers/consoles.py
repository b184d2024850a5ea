"""Reading a lab guest's serial console through the API, as the tests and benchmarks do.

The lab guest prints ``vmfabric-guest: tick N`` every second (N from its boot), so a
counter that goes on tells a live migration or a revert from a reboot.
"""

import re

from tests.helpers.waiting import wait_until

TICK = re.compile(r"vmfabric-guest: tick (\d+)")


def lines(server, vmid, count=2000):
    return server.api("GET", f"/vms/{vmid}/console", params={"lines": count}).json()["lines"]


def ticks(found):
    """The counter values among console lines FOUND, in order."""
    return [int(m.group(1)) for m in map(TICK.search, found) if m]


def wait_for(server, vmid, predicate, what, timeout=60):
    """The console's lines once PREDICATE(lines) holds; AssertionError naming WHAT otherwise."""
    def check():
        found = lines(server, vmid)
        return found if predicate(found) else None
    return wait_until(check, f"vm {vmid}: {what} on its console", timeout)


def wait_text(server, vmid, text, timeout=60):
    return wait_for(server, vmid, lambda found: any(text in line for line in found),
                    repr(text), timeout)


def wait_ticks(server, vmid, until, timeout=60):
    """The counter's values once UNTIL(values) holds (values never empty)."""
    found = wait_for(server, vmid, lambda f: bool(ticks(f)) and until(ticks(f)),
                     "the counter getting there", timeout)
    return ticks(found)
