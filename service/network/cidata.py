"""The NoCloud first-boot disk: an ISO 9660 image labelled ``cidata``.

It holds ``meta-data`` (instance id, hostname), ``user-data`` (cloud-config:
the keys that log in, the SSH host key vmfabric generated for the guest, and
the user's own cloud-config merged in, and a udev rule that brings hot-plugged
vCPUs online) and ``network-config`` (version 1: the static address and gateway
on the NIC with vmfabric's MAC; every cloud-init renderer takes version 1, while
version 2 is passed through to netplan only). Real cloud images read it with
cloud-init; the lab's guest reads the same files (vmfabric_lab/guest_init.py).
Names are written with Rock Ridge and Joliet records, so they arrive intact.
"""

import io

import pycdlib
import yaml

from service.errors import ValidationError

MAX_USER_DATA = 16384
# the parts of user-data that are vmfabric's to set
OURS = ("hostname", "ssh_keys", "ssh_deletekeys")
# a stock guest leaves a hot-plugged vCPU offline; this rule brings each online as it comes
CPU_ONLINE_RULE = {"path": "/etc/udev/rules.d/80-vmfabric-cpu-online.rules",
                   "permissions": "0644",
                   "content": 'SUBSYSTEM=="cpu", ACTION=="add", TEST=="online", '
                              'ATTR{online}=="0", ATTR{online}="1"\n'}


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key and multi-line text as literal blocks, as people write
    cloud-config (and as the lab guest's few lines of shell read it)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _text(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(data):
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False, width=1 << 16)


def check_user_data(text, field="user_data"):
    """The user's cloud-config as a mapping; ValidationError naming FIELD when it is not one."""
    if not isinstance(text, str) or len(text.encode()) > MAX_USER_DATA:
        raise ValidationError(f"{field}: a cloud-config of at most {MAX_USER_DATA} bytes",
                              field=field)
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise ValidationError(f"{field}: not YAML: {str(exc).splitlines()[0]}", field=field) from None
    if data is None:  # comments only ("#cloud-config"): an empty cloud-config
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(f"{field}: a cloud-config is a mapping (#cloud-config ...)", field=field)
    taken = [key for key in OURS if key in data]
    if taken:
        raise ValidationError(f"{field}: {taken[0]} is set by vmfabric", field=field)
    return data


def files(*, vmid, hostname, authorized_keys, host_private, host_public, address=None,
          pool=None, user_data=""):
    """{name: text} of the three NoCloud files for one guest."""
    # vmfabric (its inventories, `vm ssh`) logs in as root: cloud-init must not refuse that,
    # unless the user's own cloud-config says otherwise
    config = {"disable_root": False, **check_user_data(user_data)}
    config["hostname"] = hostname
    config["ssh_authorized_keys"] = list(config.get("ssh_authorized_keys") or []) + [
        key for key in authorized_keys if key not in (config.get("ssh_authorized_keys") or [])]
    config["ssh_keys"] = {"ed25519_private": host_private, "ed25519_public": host_public}
    config["ssh_deletekeys"] = True
    config["write_files"] = list(config.get("write_files") or []) + [CPU_ONLINE_RULE]
    out = {"meta-data": dump({"instance-id": f"vmf-{vmid}", "local-hostname": hostname}),
           "user-data": "#cloud-config\n" + dump(config)}
    if address is not None:
        out["network-config"] = network_config(address, pool)
    return out


def network_config(address, pool):
    """Version 1 network-config: the NIC with ADDRESS's MAC, named eth0, static address."""
    subnet = {"type": "static", "address": f"{address.ip}/{pool.prefixlen}"}
    if pool.gateway:
        subnet["gateway"] = pool.gateway
    if pool.dns:
        subnet["dns_nameservers"] = list(pool.dns)
    return dump({"version": 1, "config": [{"type": "physical", "name": "eth0",
                                           "mac_address": address.mac, "subnets": [subnet]}]})


def iso(contents):
    """The bytes of an ISO 9660 image labelled cidata holding CONTENTS {name: text}."""
    image = pycdlib.PyCdlib()
    image.new(interchange_level=4, joliet=3, rock_ridge="1.09", vol_ident="cidata")
    try:
        for number, (name, text) in enumerate(sorted(contents.items())):
            data = text.encode()
            image.add_fp(io.BytesIO(data), len(data), f"/F{number}.;1", rr_name=name,
                         joliet_path=f"/{name}")
        out = io.BytesIO()
        image.write_fp(out)
    finally:
        image.close()
    return out.getvalue()
