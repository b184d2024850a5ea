"""The one way a test waits for something outside it: poll until it holds, or fail naming it."""

import time


def wait_until(check, what, timeout=60, every=0.5):
    """CHECK()'s first true value, asked every EVERY seconds for at most TIMEOUT seconds;
    AssertionError naming WHAT (and the last value seen) otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        seen = check()
        if seen:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not so within {timeout:g} s (last seen: {seen!r})")
        time.sleep(every)
