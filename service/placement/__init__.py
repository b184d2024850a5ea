"""Placement: host constraints exclude hosts, a policy (chosen by name in the config) orders the rest.

The same classes serve the REST service (hosts read from the store, claims by
guarded UPDATE) and `vmfabric simulate` (hosts and claims in memory).
"""
