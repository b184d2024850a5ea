"""Only hosts with room for the request in every resource.

Capacity already has allocation ratios applied and reservations removed (see
service/capacity.py), so free = capacity - claimed is exact.
"""


def host_mask(table, request):
    free = table.free
    return (free[0] >= request.cpu) & (free[1] >= request.ram_mb) & (free[2] >= request.disk_gb)
