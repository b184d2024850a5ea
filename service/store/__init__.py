"""The one source of truth: PMs, images, types, VMs, claims and policy state."""

from service.store.db import Store  # noqa: F401
