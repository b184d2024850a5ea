"""Guest addresses on libvirt's test driver: taken with the capacity claim, never twice, released
with the VM; an exhausted pool is a clean refusal; bad first-boot input names its field."""

import concurrent.futures

import pytest

from service.errors import NoCapacity, ValidationError
from service.store.schema import pms

NETWORK = {"cidr": "10.99.0.0/24", "gateway": "10.99.0.1", "dns": ["10.99.0.1"],
           "range": ["10.99.0.10", "10.99.0.14"]}
pytestmark = pytest.mark.fleet(pms=3, capacity=(64, 65536, 400), networks={"guests": NETWORK})


@pytest.fixture(autouse=True)
def on_the_network(ctx):
    """Every host puts its guests on the network."""
    with ctx.store.write() as conn:
        conn.execute(pms.update().values(settings={
            "vmfabric_first_boot_disk": False,
            "vmfabric_guest_network": {"network": "guests", "bridge": "br0"}}))


def held(ctx):
    return [a for vm in ctx.store.vms.list() for a in ctx.store.addresses.of_vm(vm.id)]


def test_concurrent_creates_never_share_an_address_and_the_last_ones_are_refused(ctx):
    def create(n):
        try:
            return ctx.compute.create(f"c{n}", 1)[0]
        except NoCapacity as exc:
            return exc

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(12)))
    made = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(made) == 5 and len(refused) == 7
    assert all("no free address" in str(r) for r in refused)
    addresses = held(ctx)
    assert sorted(a.ip for a in addresses) == [f"10.99.0.{n}" for n in range(10, 15)]
    assert len({a.mac for a in addresses}) == 5
    # the refused left nothing: no VM, no claim, no domain
    assert len(ctx.store.vms.list()) == 5
    assert sum(pm.vm_count for pm in ctx.store.pms.list()) == 5
    domains = ctx.hypervisors.domains.states(ctx.store.pms.get(1))
    assert sorted(n for n in domains if n.startswith("vmf-")) == sorted(vm.domain for vm in made)


def test_an_address_comes_back_when_its_vm_is_destroyed(ctx):
    vms = ctx.compute.create("all", 1, count=5)
    with pytest.raises(NoCapacity, match="no free address"):
        ctx.compute.create("one-more", 1)
    freed = ctx.store.addresses.of_vm(vms[2].id)[0].ip
    ctx.compute.destroy(vms[2].id)
    again = ctx.compute.create("again", 1)[0]
    assert ctx.store.addresses.of_vm(again.id)[0].ip == freed


def test_the_domain_has_a_nic_with_vmfabrics_mac(ctx):
    vm = ctx.compute.create("nic", 1)[0]
    address = ctx.store.addresses.of_vm(vm.id)[0]
    xml = ctx.hypervisors.connections.run(ctx.store.pms.get(vm.pmid), "read",
                                          lambda conn: conn.lookupByName(vm.domain).XMLDesc())
    assert f"<mac address='{address.mac}'/>" in xml and "<source bridge='br0'/>" in xml


@pytest.mark.parametrize("keys, user_data, field", [
    (["ssh-ed25519 not-base64!"], "", "ssh_keys.0"),
    (["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQ"], "", "ssh_keys.0"),
    (["not a key"], "", "ssh_keys.0"),
    ([], "", "ssh_keys"),
    (None, "x" * 20000, "user_data"),
    (None, "- just\n- a list\n", "user_data"),
    (None, "ssh_keys: {}\n", "user_data"),
    (None, "a: [unclosed", "user_data"),
])
def test_bad_first_boot_input_names_its_field(ctx, keys, user_data, field):
    with pytest.raises(ValidationError) as info:
        ctx.compute.first_boot(keys, user_data)
    assert info.value.field == field and str(info.value).startswith(field)


def test_a_cluster_beyond_the_pool_or_of_no_nodes_is_refused_naming_size(ctx):
    for size in (0, 6, 101):
        with pytest.raises(ValidationError) as info:
            ctx.clusters.create("big", 1, size)
        assert info.value.field == "size"
    assert ctx.store.clusters.list() == [] and ctx.store.vms.list() == []
