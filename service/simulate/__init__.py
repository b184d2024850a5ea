"""`vmfabric simulate`: VM arrivals and departures replayed through the service's own decisions.

One replay engine (replay.py) for placement alone and for placement with periodic
rebalancing; the workloads (workload.py) are synthetic or recorded traces.
"""
