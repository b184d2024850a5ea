"""What guests use, as the decisions see it: estimates of each VM's CPU demand, and the fleet
with that demand beside what is allocated (for usage-aware placement and rebalancing)."""
