"""One host's look: its connection opened, then its domains (and its pool's volumes) read,
each step bounded on its own, and the clock started only when the host is asked.

A host queued behind others in the pass's pool has not been asked yet, so it cannot
be late; a cold connection (an ssh handshake, 1 s or so) is opened within the libvirt
connect limit before the look's own ``sync.host_timeout`` starts.
"""

from service import clock
from service.errors import VmfabricError

# past its steps' own limits by this much, a look is given up as a backstop
SLACK = 5.0


class Look:
    def __init__(self, pm, timeout, connect_timeout, with_volumes):
        self.pm = pm
        self.timeout = timeout
        self.with_volumes = with_volumes
        # every step is bounded below (Connections): this is only the backstop
        self.limit = connect_timeout + timeout * (2 if with_volumes else 1) + SLACK
        self.asked_at = None  # monotonic, when a pool thread took the look up
        self.read_at = None  # wall clock, just before the domains were read
        self.future = None

    @classmethod
    def ask(cls, pool, hypervisors, pm, timeout, connect_timeout, with_volumes):
        look = cls(pm, timeout, connect_timeout, with_volumes)
        look.future = pool.submit(look.run, hypervisors)
        return look

    def run(self, hypervisors):
        self.asked_at = clock.monotonic()
        hypervisors.connect(self.pm)
        self.read_at = clock.now()
        states = hypervisors.domains.states(self.pm, self.timeout)
        names = hypervisors.storage.volume_names(self.pm) if self.with_volumes else None
        return states, names

    def overdue(self):
        """Asked, and still not done past every step's limit."""
        return (self.asked_at is not None and not self.future.done()
                and clock.monotonic() - self.asked_at > self.limit)

    def outcome(self):
        """(states, pool volume names or None), or the reason the host is down as a str."""
        if not self.future.done():
            return f"no answer within {self.limit - SLACK:g} s"
        try:
            return self.future.result()
        except VmfabricError as exc:
            return _cause(self.pm, exc)


def _cause(pm, exc):
    """The reason without the 'pm N (addr): ' the message starts with."""
    text = str(exc)
    return text[len(pm.label) + 2:] if text.startswith(pm.label + ": ") else text
