"""Only hosts of the domain type the request asks for (kvm or qemu), if it asks."""

from service.placement.hosts import DOMAIN_TYPES


def host_mask(table, request):
    if request.domain_type is None:
        return None
    return table.domain_type == DOMAIN_TYPES.index(request.domain_type)
