"""JSON shapes of /api/v1 resources (the OpenAPI schemas describe exactly these)."""


def vm(row, state=None):
    return {
        "id": row["id"], "name": row["name"], "instance_type": row["tid"],
        "image_id": row["image_id"], "pmid": row["pmid"], "state": state or row["state"],
        "domain": row["domain_name"],
        "resources": {"cpu": row["cpu"], "ram": row["ram_mb"], "disk": row["disk_gb"]},
        "error": row["error"], "created_at": row["created_at"],
    }


def pm(row):
    return {
        "id": row["id"], "address": row["address"], "port": row["port"], "user": row["user"],
        "libvirt_uri": row["libvirt_uri"], "state": row["state"], "reason": row["reason"],
        "domain_type": row["domain_type"],
        "capacity": {"cpu": row["cpu"], "ram": row["ram_mb"], "disk": row["disk_gb"]},
        "allocated": {"cpu": row["used_cpu"], "ram": row["used_ram_mb"], "disk": row["used_disk_gb"]},
        "free": {"cpu": row["cpu"] - row["used_cpu"], "ram": row["ram_mb"] - row["used_ram_mb"],
                 "disk": row["disk_gb"] - row["used_disk_gb"]},
        "vms": row["vm_count"], "discovered_at": row["discovered_at"],
    }


def image(row):
    return {"id": row["id"], "name": row["name"], "source": row["source"], "format": row["format"],
            "virtual_size": row["virtual_size"], "size": row["size"], "sha256": row["sha256"]}


def itype(row):
    return {"tid": row["tid"], "cpu": row["cpu"], "ram": row["ram_mb"], "disk": row["disk_gb"]}


def job(row):
    return {"id": row["id"], "kind": row["kind"], "state": row["state"],
            "params": row["params"], "result": row["result"], "error": row["error"],
            "created_at": row["created_at"], "finished_at": row["finished_at"]}
