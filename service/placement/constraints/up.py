"""Only hosts whose last discovery found them up (SSH and libvirtd answering)."""


def host_mask(table, request):
    return table.up
