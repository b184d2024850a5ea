"""JSON shapes of /api/v1 resources (the OpenAPI schemas describe exactly these)."""


from service import clock


# what a member is told of a VM's trouble (its hosts' addresses and causes are an admin's)
MEMBER_ERRORS = {"failed": "it could not be made on any host (unreachable, or out of room)",
                 "missing": "its domain is gone from its host",
                 "deleting": "its host does not answer; it goes when the host is back"}


def vm(record, addresses=(), now=None, for_admin=True, owner=None):
    age = record.state_age(now or clock.now())
    error = record.error if for_admin or not record.error else MEMBER_ERRORS.get(
        record.state, "unreachable")
    return {
        "id": record.id, "name": record.name, "instance_type": record.tid,
        "image_id": record.image_id, "pmid": record.pmid, "state": record.state,
        # seconds since the state was confirmed (by the request that set it, or the sync)
        "state_age": None if age is None else round(age, 1),
        "domain": record.domain_name, "resources": record.resources.as_api(),
        "addresses": [{"network": a.network, "ip": a.ip, "mac": a.mac} for a in addresses],
        "cluster_id": record.cluster_id, "error": error, "created_at": record.created_at,
        "owner": owner, "expected_use": record.expected_use,
        # where its disks are (a shared-storage backend; null: its host's pool), and whether
        # it is restarted on another host when its host fails
        "storage": record.storage, "ha": record.ha,
        "autoscale": record.autoscale or None,
        # a resize waiting for the VM's next start (resources holds the larger size until then)
        "pending_resize": ({"cpu": record.pending.get("cpu", record.cpu),
                            "ram": record.pending.get("ram_mb", record.ram_mb)}
                           if record.pending else None),
        "shutdown": _shutdown(record.power_request),
    }


def _shutdown(request):
    if request.get("action") != "shutdown":
        return None
    return {"asked_at": request["at"], "deadline": request["deadline"],
            "force": bool(request.get("force")), "overdue": bool(request.get("overdue"))}


def vms(records, store):
    """The views of RECORDS for the caller, their addresses read in one query."""
    from flask import g

    if len(records) == 1:  # one VM (a show): the prepared one-row read
        held = {records[0].id: store.addresses.of_vm(records[0].id)}
    else:
        held = store.addresses.of_vms([r.id for r in records])
    now = clock.now()
    user = g.get("user")
    for_admin = user is None or user.is_admin
    names = _owners(store, records) if for_admin else {}
    return [vm(r, held[r.id], now, for_admin, names.get(r.user_id)) for r in records]


def _owners(store, records):
    """{user id: username} of RECORDS' owners: an admin sees whose each VM is (a member's are
    all their own). One VM: its owner's row; more: every user in one read."""
    from service.errors import NotFound

    wanted = {r.user_id for r in records if r.user_id is not None}
    if len(wanted) == 1:
        (user_id,) = wanted
        try:
            return {user_id: store.users.get(user_id).username}
        except NotFound:
            return {}
    return {u.id: u.username for u in store.users.list() if u.id in wanted} if wanted else {}


def pm(record, now=None):
    from service.web.context import ctx

    grace = ctx().config["sync"]["host_grace"]
    down_for = (now or clock.now()) - record.down_since if record.down_since else 0
    return {
        "id": record.id, "address": record.address, "port": record.port, "user": record.user,
        "libvirt_uri": record.libvirt_uri, "state": record.state, "reason": record.reason,
        "domain_type": record.domain_type,
        "capacity": record.capacity.as_api(), "allocated": record.used.as_api(),
        "free": record.free.as_api(), "vms": record.vm_count,
        "discovered_at": record.discovered_at, "checked_at": record.checked_at,
        "unknown_domains": list(record.unknown_domains),
        # drained: takes no new VMs; and since when it is down (a failed host's VMs wait)
        "maintenance": record.maintenance, "down_since": record.down_since,
        # down for longer than sync.host_grace: its VMs wait for it, or for an evacuation
        "failed": record.state == "down" and down_for > grace,
        # its last fence ({state: fenced | unfenceable, at, detail}; {} when none)
        "fence": dict(record.fence or {}),
    }


def image(row):
    """An image; where it came from (a path or host of the server's) is for admins and the
    image's owner only."""
    from flask import g

    user = g.get("user")
    mine = user is None or user.is_admin or row["user_id"] == user.id
    source = row["source"].rpartition("#import-")[0] or row["source"] if mine else None
    return {"id": row["id"], "name": row["name"], "source": source, "format": row["format"],
            "virtual_size": row["virtual_size"], "size": row["size"], "sha256": row["sha256"],
            "state": row["state"], "public": row["public"],
            "owner": row["user_id"] if mine else None, "os": row["os"],
            "login": row["login"] or "root", "min_disk_gb": row["min_disk_gb"],
            "min_ram_mb": row["min_ram_mb"], "created_at": row["created_at"],
            "job": row["job_id"]}


def itype(row):
    return {"tid": row["tid"], "cpu": row["cpu"], "ram": row["ram_mb"], "disk": row["disk_gb"],
            "retired": row["retired"], "ha": row["ha"]}


def job(row):
    return {"id": row["id"], "kind": row["kind"], "state": row["state"],
            "params": row["params"], "result": row["result"], "progress": row["progress"],
            "error": row["error"],
            "created_at": row["created_at"], "finished_at": row["finished_at"]}


def cluster(row, nodes):
    return {"id": row["id"], "name": row["name"], "instance_type": row["tid"],
            "image_id": row["image_id"] or None, "placement": row["placement"],
            "size": len(nodes), "nodes": nodes, "created_at": row["created_at"],
            # its horizontal autoscaling policy (its setup program shown by its size only)
            "autoscale": _cluster_policy(row.get("autoscale"))}


def _cluster_policy(policy):
    if not policy:
        return None
    return {**{k: v for k, v in policy.items() if k != "setup"},
            "setup_bytes": len((policy.get("setup") or "").encode())}


def volume(record):
    from flask import g

    user = g.get("user")
    error = record.error if user is None or user.is_admin or not record.error else \
        "its last action failed on the host (unreachable)"
    return {"id": record.id, "name": record.name, "size": record.size_gb, "state": record.state,
            "pmid": record.pmid, "vmid": record.vmid, "target": record.target or None,
            "error": error, "created_at": record.created_at}
