"""Only hosts that are up (SSH and libvirtd answering) and not in maintenance."""


def host_mask(table, request):
    return table.up
