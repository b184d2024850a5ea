"""Tables of the store (SQLAlchemy Core, so a PostgreSQL URL works as well as SQLite).

This is the schema at the newest revision (service/store/revisions): a change
here comes with a migration that makes it on an existing store.
"""

import sqlalchemy as sa

from service.store.metadata import metadata

pms = sa.Table(
    "pms", metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # the pmid
    sa.Column("address", sa.String(255), nullable=False),
    sa.Column("port", sa.Integer, nullable=False, default=22),
    # the IP addresses ``address`` resolved to when the host was added: one host, one pmid
    sa.Column("resolved", sa.JSON, nullable=False, default=list),
    sa.Column("user", sa.String(64), nullable=False, default="root"),
    sa.Column("libvirt_uri", sa.String(1024), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False, default=dict),
    # new: never discovered; up: facts and libvirtd fine; down: see reason
    sa.Column("state", sa.String(16), nullable=False, default="new"),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("domain_type", sa.String(16), nullable=False, default="qemu"),
    # schedulable capacity (after overrides, caps, reservations and allocation ratios)
    sa.Column("cpu", sa.Integer, nullable=False, default=0),
    sa.Column("ram_mb", sa.Integer, nullable=False, default=0),
    sa.Column("disk_gb", sa.Integer, nullable=False, default=0),
    # claimed by VMs; only ever changed by guarded updates
    sa.Column("used_cpu", sa.Integer, nullable=False, default=0),
    sa.Column("used_ram_mb", sa.Integer, nullable=False, default=0),
    sa.Column("used_disk_gb", sa.Integer, nullable=False, default=0),
    sa.Column("vm_count", sa.Integer, nullable=False, default=0),
    sa.Column("facts", sa.JSON, nullable=False, default=dict),
    sa.Column("discovered_at", sa.Float),
    # the periodic sync's last look at the host, and vmf-* domains no VM owns
    sa.Column("checked_at", sa.Float),
    sa.Column("unknown_domains", sa.JSON, nullable=False, default=list),
    # an operator's: the host takes no new VMs (drained; until `pm enable`)
    sa.Column("maintenance", sa.Boolean, nullable=False, default=False),
    # when the host was last seen going down (None while it is up)
    sa.Column("down_since", sa.Float),
    # its last fence: {state: fenced | unfenceable, at, detail}; {} when none
    sa.Column("fence", sa.JSON, nullable=False, default=dict),
    sa.UniqueConstraint("address", "port", name="uq_pm_address_port"),
    sa.CheckConstraint("used_cpu >= 0 AND used_ram_mb >= 0 AND used_disk_gb >= 0",
                       name="ck_pm_used_nonnegative"),
    sqlite_autoincrement=True,
)

# people and programs that use the API: admins run the fleet, members their own resources
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    # argon2id; "!" for an account no password opens (the seed API's built-in account)
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # {cpu, ram_mb, disk_gb, vms}: a limit each, null for the configured default; an
    # account with "unlimited": true has none
    sa.Column("quota", sa.JSON, nullable=False, default=dict),
    sa.Column("created_at", sa.Float, nullable=False),
    sqlite_autoincrement=True,
)

# API tokens: only a hash is kept (the token is shown once), with an expiry and a revocation
tokens = sa.Table(
    "tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(128), nullable=False, default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float),
    sqlite_autoincrement=True,
)

# the audit trail: every state-changing call, who made it, and how it ended
events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("user_id", sa.Integer),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(128), nullable=False, default=""),
    sa.Column("request_id", sa.String(128), nullable=False, default=""),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False, default=""),
    sqlite_autoincrement=True,
)
sa.Index("ix_events_user", events.c.user_id, events.c.id)

# a virtual cluster: nodes made together (placed all or nothing), driven as one by Ansible
clusters = sa.Table(
    "clusters", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # unique per owner (uq_clusters_owner_name)
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("tid", sa.Integer, nullable=False),
    sa.Column("image_id", sa.Integer, nullable=False),
    # spread: every node on a different host; pack: as few hosts as possible
    sa.Column("placement", sa.String(16), nullable=False),
    sa.Column("ssh_keys", sa.JSON, nullable=False, default=list),
    sa.Column("user_data", sa.Text, nullable=False, default=""),
    # the number the next node's name gets (NAME-1, NAME-2 ...): never reused
    sa.Column("next_node", sa.Integer, nullable=False, default=1),
    sa.Column("autoscale", sa.JSON, nullable=False, default=dict),  # service/usage/horizontal.py
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.UniqueConstraint("user_id", "name", name="uq_clusters_owner_name"),
    sqlite_autoincrement=True,
)

vms = sa.Table(
    "vms", metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # the vmid
    sa.Column("name", sa.String(4096), nullable=False),
    sa.Column("tid", sa.Integer, nullable=False),
    sa.Column("image_id", sa.Integer, nullable=False),
    sa.Column("pmid", sa.Integer, sa.ForeignKey("pms.id"), nullable=True),
    # creating -> running | shutoff | paused | crashed | missing ; failed ; deleting ;
    # migrating (back to running, paused or shutoff, on pmid or target_pmid)
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("domain_name", sa.String(64), nullable=False, default=""),
    # the claim: what this VM holds on pmid
    sa.Column("cpu", sa.Integer, nullable=False),
    sa.Column("ram_mb", sa.Integer, nullable=False),
    sa.Column("disk_gb", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    # when the state was set, by a request or by the sync seeing it change (the sync confirms
    # it without a write: its host's checked_at, read with the VM)
    sa.Column("state_at", sa.Float),
    # the server process working on the VM while it is creating or deleting
    sa.Column("owner", sa.String(32)),
    # first boot: the public keys that log in, the guest's own SSH host key (public half;
    # vmfabric generated it, so connections are verified from the first), the user's
    # cloud-config; and the cluster the VM is a node of
    sa.Column("ssh_keys", sa.JSON, nullable=False, default=list),
    sa.Column("host_key", sa.Text, nullable=False, default=""),
    sa.Column("user_data", sa.Text, nullable=False, default=""),
    sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=True),
    # the user the VM belongs to
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    # while it migrates: the host it is moving to, which holds a claim for it until the
    # move ends (then pmid becomes it, or the claim is given back)
    sa.Column("target_pmid", sa.Integer, nullable=True),
    # the headroom its domain was defined with: it grows live up to these (0: none)
    sa.Column("max_cpu", sa.Integer, nullable=False, default=0),
    sa.Column("max_ram_mb", sa.Integer, nullable=False, default=0),
    # a resize applied at its next start ({cpu, ram_mb}); until then it holds the larger of
    # the two sizes
    sa.Column("pending", sa.JSON, nullable=False, default=dict),
    # the shared-storage backend holding its disk (null: a volume in its host's pool), and
    # whether it is restarted elsewhere when its host fails (after a fence)
    sa.Column("storage", sa.String(64), nullable=True),
    sa.Column("ha", sa.Boolean, nullable=False, default=False),
    # the placement rule it was made under, held for every later move: VMs of one group
    # are on different hosts ("cluster-ID" for a spread cluster's nodes, "batch-KEY" for a
    # spread batch); None: no rule
    sa.Column("spread_group", sa.String(64), nullable=True),
    # the create request that made it: a batch is finished or undone as one
    sa.Column("batch", sa.String(32), nullable=True),
    # declared use (share of its vCPUs), last migration's end, autoscaling: service/usage/
    sa.Column("expected_use", sa.Float, nullable=True),
    sa.Column("moved_at", sa.Float, nullable=True),
    sa.Column("autoscale", sa.JSON, nullable=False, default=dict),
    # a shutdown asked of the guest: {action, at, deadline, force}; {} when none
    sa.Column("power_request", sa.JSON, nullable=False, default=dict),
    sqlite_autoincrement=True,
)
sa.Index("ix_vms_user", vms.c.user_id)
sa.Index("ix_vms_spread_group", vms.c.spread_group)
sa.Index("ix_vms_batch", vms.c.batch)
sa.Index("ix_vms_pmid", vms.c.pmid)
sa.Index("ix_vms_cluster", vms.c.cluster_id)
sa.Index("ix_vms_state", vms.c.state)

# checkpoints of a VM (internal snapshots in its disk, with its memory when it ran)
snapshots = sa.Table(
    "snapshots", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("vmid", sa.Integer, sa.ForeignKey("vms.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    # its name in libvirt (vmfabric's, never the user's text)
    sa.Column("libvirt_name", sa.String(64), nullable=False),
    # the VM's state when it was taken (a revert brings that back)
    sa.Column("vm_state", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("vmid", "name"),
    sqlite_autoincrement=True,
)

# block storage: raw virtual disks of any size, on the host of the VM they serve
volumes = sa.Table(
    "volumes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # the volumeid: never reused
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("size_gb", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    # available -> attaching -> attached -> detaching -> available; deleting -> deleted;
    # missing (its disk was removed behind vmfabric's back)
    sa.Column("state", sa.String(16), nullable=False),
    # the host holding the disk and its claim (none until the first attach)
    sa.Column("pmid", sa.Integer, sa.ForeignKey("pms.id"), nullable=True),
    # a host claimed for it while the disk is being made or moved there
    sa.Column("pending_pmid", sa.Integer, sa.ForeignKey("pms.id"), nullable=True),
    sa.Column("vmid", sa.Integer, sa.ForeignKey("vms.id"), nullable=True),
    sa.Column("target", sa.String(16), nullable=False, default=""),
    sa.Column("owner", sa.String(32)),
    sa.Column("error", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sqlite_autoincrement=True,
)
sa.Index("ix_volumes_vmid", volumes.c.vmid)

# guest addresses: one per VM NIC, taken in the transaction of its capacity claim
addresses = sa.Table(
    "addresses", metadata,
    sa.Column("network", sa.String(64), primary_key=True),
    sa.Column("ip", sa.String(45), primary_key=True),
    sa.Column("mac", sa.String(17), nullable=False, unique=True),
    sa.Column("vmid", sa.Integer, sa.ForeignKey("vms.id"), nullable=False),
)
sa.Index("ix_addresses_vmid", addresses.c.vmid)

# small shared key/value state: round-robin cursor, active policy, ...
kv = sa.Table(
    "kv", metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# work that outlives the request that started it (rediscovery); polled at /api/v1/jobs/{id}
jobs = sa.Table(
    "jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    # queued -> running -> succeeded | failed
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("params", sa.JSON, nullable=False, default=dict),
    sa.Column("result", sa.JSON, nullable=False, default=dict),
    sa.Column("error", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float),
    # the server process running the job; another fails it when that process is gone
    sa.Column("owner", sa.String(32)),
    # the user who asked for it
    sa.Column("user_id", sa.Integer),
    # how far a running job has come ({"phase", "done", "total"}: a migration's bytes)
    sa.Column("progress", sa.JSON, nullable=False, default=dict),
    sqlite_autoincrement=True,
)
sa.Index("ix_jobs_kind_state", jobs.c.kind, jobs.c.state)

# every server process, with a heartbeat: work it owns is taken over when it stops beating
processes = sa.Table(
    "processes", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("hostname", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("heartbeat_at", sa.Float, nullable=False),
)

# named leases (the sync loop, discovery): held by one live process at a time
leases = sa.Table(
    "leases", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(32)),
    sa.Column("acquired_at", sa.Float),
)

# the catalog (images, instance types, bases on hosts) is in its own module, on the same metadata
from service.store.schema_catalog import host_images, images, types  # noqa: E402,F401
