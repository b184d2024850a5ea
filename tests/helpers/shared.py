"""A context whose lab hosts keep their guests' disks on the lab's storage host (a storage
group), for the tests and benchmarks of shared storage and high availability."""

import yaml

from tests.helpers.servers import lab_context

GROUP = "shared"


def storage_group_context(lab, guest_image, home, members=None, **overrides):
    """A context on LAB whose hosts MEMBERS (addresses; default: all) are in storage group
    GROUP on the lab's storage host; OVERRIDES: more configuration. HOME: a pathlib.Path."""
    settings = yaml.safe_load(open(lab.state.settings_file))
    for address, entry in settings.items():
        if members is None or address in members:
            entry["vmfabric_storage"] = GROUP
    settings_file = home / "host_settings.yml"
    settings_file.write_text(yaml.safe_dump(settings))
    return lab_context(lab, guest_image, str(home), policy="first_fit",
                       inventory={"host_settings": str(settings_file)},
                       storage={GROUP: {"kind": "iscsi_tgt", "host": lab.state.storage.address,
                                        "path": "/srv/vmfabric"}}, **overrides)
