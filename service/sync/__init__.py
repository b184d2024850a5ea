"""Keeping the store true to the hosts, like Nova's power-state sync.

One process at a time (of every server on the store, held by a lease) runs
the loop: it reads each host's domains and records what it sees (loop.py,
hosts.py), and finishes or rolls back work whose owner died (work.py).
start-up reconciliation (startup.py) does one full pass before a server
takes requests, and also removes objects on the hosts that no VM owns.
"""
