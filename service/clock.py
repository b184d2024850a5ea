"""The time, read in one place: wall-clock time for what the store records (timestamps,
expiries, heartbeats, deadlines) and the monotonic clock for intervals. Tests drive it
(tests/helpers/clock.py) instead of sleeping until a token expires or a process falls
silent. Waits on real operations (a libvirt call, a guest letting go of a disk) keep the
real clocks: they wait on something outside the process."""

import time

_source = time


def now():
    """Seconds since the epoch, as the store records them."""
    return _source.time()


def monotonic():
    """Seconds on a clock that never goes back, for intervals."""
    return _source.monotonic()


def use(source):
    """Read the time from SOURCE (anything with time() and monotonic()) from now on; returns
    the source used before, to put back."""
    global _source
    previous, _source = _source, source
    return previous
