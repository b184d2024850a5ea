"""Reading a lab guest's serial console through the API, as the tests and benchmarks do.

The lab guest prints ``vmfabric-guest: tick N`` every second (N from its boot), so a
counter that goes on tells a live migration or a revert from a reboot.
"""

import re
import time

TICK = re.compile(r"vmfabric-guest: tick (\d+)")


def lines(server, vmid, count=2000):
    return server.api("GET", f"/vms/{vmid}/console", params={"lines": count}).json()["lines"]


def ticks(found):
    """The counter values among console lines FOUND, in order."""
    return [int(m.group(1)) for m in map(TICK.search, found) if m]


def wait_for(server, vmid, predicate, what, timeout=60):
    """The console's lines once PREDICATE(lines) holds; AssertionError naming WHAT otherwise."""
    deadline = time.monotonic() + timeout
    found = []
    while time.monotonic() < deadline:
        found = lines(server, vmid)
        if predicate(found):
            return found
        time.sleep(0.5)
    raise AssertionError(f"vm {vmid}: {what} not on its console within {timeout} s; the last "
                         f"lines:\n" + "\n".join(found[-10:]))


def wait_text(server, vmid, text, timeout=60):
    return wait_for(server, vmid, lambda found: any(text in line for line in found),
                    repr(text), timeout)


def wait_ticks(server, vmid, until, timeout=60):
    """The counter's values once UNTIL(values) holds (values never empty)."""
    found = wait_for(server, vmid, lambda f: bool(ticks(f)) and until(ticks(f)),
                     "the counter getting there", timeout)
    return ticks(found)
