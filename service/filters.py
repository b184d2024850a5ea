"""The Ansible filter plugins of filter_plugins/, loaded for the service's own use.

Each file there is plain Python with a FilterModule registry; loading them
here means the service and playbooks compute (and render) the same way.
"""

import functools
import importlib.util
import os

from service.paths import FILTER_PLUGINS


@functools.lru_cache(maxsize=None)
def module(name):
    path = os.path.join(FILTER_PLUGINS, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"vmfabric_filter_plugins.{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def all_filters():
    """Every filter of every plugin file, as plain functions (for a Jinja environment)."""
    found = {}
    for entry in sorted(os.listdir(FILTER_PLUGINS)):
        if entry.endswith(".py") and not entry.startswith("_"):
            mod = module(entry[:-3])
            if hasattr(mod, "FilterModule"):
                found.update(mod.FilterModule().filters())
    return found


def host_capacity(facts, settings=None, ratio=None, pool_path="/var/lib/libvirt/images"):
    return module("vmfabric_capacity").vmfabric_host_capacity(facts, settings, ratio, pool_path)


CapacityError = module("vmfabric_capacity").CapacityError
