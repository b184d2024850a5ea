"""Only hosts whose guests' expected use, with the request's, stays under the use ceiling.

Applies when the table carries use (a usage-aware policy asked for it: the
scheduler reads each host's expected use, service/usage/hosts.py) and the request
says what it expects to use (service/placement/request.py); otherwise it
constrains nothing.
"""


def host_mask(table, request):
    expected = getattr(request, "expected_cores", None)
    if table.use is None or expected is None:
        return None
    return table.use + expected <= table.use_cap + 1e-9
