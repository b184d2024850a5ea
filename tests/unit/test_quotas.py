"""Quotas on libvirt's test driver: checked in the claim's transaction, so concurrent creates
by one user never end above them; the refusal names the resource, the limit and the usage."""

import concurrent.futures

import pytest

from service.errors import QuotaExceeded

pytestmark = pytest.mark.fleet(capacity=(64, 65536, 400))


def test_concurrent_creates_by_one_user_stop_at_the_quota(ctx):
    user = ctx.accounts.create("carol", None, "member", with_password=False)
    ctx.accounts.set_quota("carol", {"cpu": 5})

    def create(n):
        try:
            return ctx.compute.create(f"q{n}", 1, user_id=user.id)[0]
        except QuotaExceeded as exc:
            return exc

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(12)))
    refused = [r for r in results if isinstance(r, QuotaExceeded)]
    assert len(refused) == 7
    assert "over quota: cpu limit 5, in use 5, asked 1" in str(refused[0])
    usage = ctx.quotas.usage(ctx.store, ctx.store.users.get(user.id))
    assert usage["cpu"] == {"limit": 5, "used": 5} and usage["vms"]["used"] == 5
    assert len(ctx.store.vms.list(user_id=user.id)) == 5


def test_a_batch_over_the_quota_makes_nothing_and_admins_have_none(ctx):
    member = ctx.accounts.create("dave", None, "member", with_password=False)
    ctx.accounts.set_quota("dave", {"vms": 2})
    with pytest.raises(QuotaExceeded, match="vms limit 2, in use 0, asked 3"):
        ctx.compute.create("trio", 1, count=3, user_id=member.id)
    assert ctx.store.vms.list() == []
    admin = ctx.accounts.create("erin", None, "admin", with_password=False)
    assert len(ctx.compute.create("many", 1, count=4, user_id=admin.id)) == 4
