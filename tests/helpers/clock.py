"""A clock the tests drive (service/clock.py reads the time from it): a token expires, a
process falls silent, a deadline passes the moment the test says so, with no sleep."""

import time


class DrivenClock:
    """The real time, plus what the test has advanced it by."""

    def __init__(self):
        self.ahead = 0.0

    def time(self):
        return time.time() + self.ahead

    def monotonic(self):
        return time.monotonic() + self.ahead

    def advance(self, seconds):
        self.ahead += seconds
