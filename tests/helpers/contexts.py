"""Service contexts whose hosts are libvirt's in-memory test driver (test:///default), for
tests below the lab: one factory, make_ctx, and a world of two members."""

from service import config as config_mod
from service import context as context_mod
from service.app import create_app
from tests.helpers.records import pm_record

TEST_PM = pm_record(0)
GIB = 1024 ** 3


def clear_test_driver():
    """test:///default lives as long as the process: remove what earlier tests left."""
    import libvirt

    conn = libvirt.open("test:///default")
    for dom in conn.listAllDomains(0):
        if dom.name().startswith("vmf-"):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    pool = conn.storagePoolLookupByName("default-pool")
    for vol in pool.listAllVolumes(0):
        if vol.name().startswith("vmf"):
            vol.delete(0)


def make_ctx(tmp_path, pms=3, capacity=(8, 8192, 40), policy="first_fit", networks=None,
             database=None):
    """DATABASE: the store's URL (default: SQLite in TMP_PATH)."""
    clear_test_driver()
    cfg = config_mod.load(home=str(tmp_path), overrides={
        "placement": {"policy": policy}, "libvirt": {"pool": "default-pool"},
        "inventory": {"path": str(tmp_path / "inventory" / "hosts.yml")},
        "networks": networks or {}, **({"database": database} if database else {})})
    ctx = context_mod.build(cfg)
    for n in range(pms):
        # libvirt's test driver cannot receive uploads: no first-boot disks on these hosts
        pmid = ctx.store.pms.add({"address": f"127.0.0.{n + 50}", "port": 22, "user": "root",
                                  "libvirt_uri": "test:///default",
                                  "settings": {"vmfabric_first_boot_disk": False},
                                  "state": "up", "reason": "", "domain_type": "qemu"})
        ctx.store.pms.record_discovery(pmid, state="up", capacity=dict(
            zip(("cpu", "ram_mb", "disk_gb"), capacity)))
    image = tmp_path / "guest.img"
    image.write_bytes(b"\0" * 1024 * 1024)
    image_id = ctx.store.catalog.put_image({
        "name": "guest", "source": str(image), "path": str(image), "format": "raw",
        "virtual_size": 1024 * 1024, "size": 1024 * 1024, "sha256": "ab" * 32})
    ctx.store.catalog.put_types([{"tid": 1, "cpu": 1, "ram_mb": 512, "disk_gb": 1},
                                 {"tid": 2, "cpu": 2, "ram_mb": 1024, "disk_gb": 2},
                                 {"tid": 3, "cpu": 4, "ram_mb": 2048, "disk_gb": 3}])
    # the test driver cannot receive uploads: the base image is "already on the host".
    # (test:///default keeps its state only while a connection is open: use ctx's own)
    from service import naming

    base = naming.base_image(image_id, "ab" * 32)
    ctx.hypervisors.storage.create_volume(TEST_PM, base, 1024 * 1024)
    for pm in ctx.store.pms.list():  # and recorded as whole there, as an upload leaves it
        ctx.store.catalog.record_host_image(pm.id, image_id, base, "ab" * 32)
    return ctx


def two_members(ctx):
    """(app, tokens, owned) on CTX: an admin, and two members (alice, bob) each with a VM, a
    cluster, a job, a volume and a private image; OWNED[name] holds their ids, as URL values."""
    from tests.helpers.servers import admin_token

    app = create_app(ctx=ctx)
    tokens = {"admin": admin_token(ctx)}
    owned = {}
    for name in ("alice", "bob"):
        user = ctx.accounts.create(name, None, "member", with_password=False)
        tokens[name], token_id = ctx.tokens.issue(user.id, "t", 3600)
        vm = ctx.compute.create(f"{name}-vm", 1, user_id=user.id)[0]
        cluster, _ = ctx.clusters.create(f"{name}-c", 1, 1, user_id=user.id)
        job = ctx.jobs.run("cluster_run", {}, lambda: {}, user_id=user.id)
        volume = ctx.volumes.create(f"{name}-disk", 1, user_id=user.id)
        image = private_image(ctx, user, f"{name}-image")
        owned[name] = {"vmid": vm.id, "cluster_id": cluster["id"], "job_id": job["id"],
                       "token_id": token_id, "volume_id": volume.id, "pmid": 1,
                       "image_id": image["id"], "tid": 1,
                       "username": name, "name": "snap", "in_path": "1", "action": "start",
                       "filename": "dashboard.css"}
    return app, tokens, owned


def private_image(ctx, user, name, size=1 << 20):
    """An image USER uploads (SIZE zero bytes, raw): private to them, unless they are an admin."""
    import io

    from service.catalog.fields import image_fields

    data = io.BytesIO(b"\0" * size)
    return ctx.images.upload(user, image_fields({"name": name}), data.read, size)
