"""`vmfabric lab ...`: the local multi-host hypervisor lab."""

import json

import click

from vmfabric_lab import load as load_mod
from vmfabric_lab.lab import DEFAULT_CAPACITY, FAIL_MODES, Lab
from service.errors import LabError

dir_option = click.option("--dir", "lab_dir", type=click.Path(file_okay=False),
                          help="Lab directory (default $VMFABRIC_HOME/lab).")


def _capacity(value):
    if value in ("", "none"):
        return {}
    try:
        cpu, ram, disk = (int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected CPU,RAM_MB,DISK_GB such as 8,8192,40")
    if min(cpu, ram, disk) <= 0:
        raise click.BadParameter(f"{value!r}: every figure must be positive")
    return {"cpu": cpu, "ram_mb": ram, "disk_gb": disk}


@click.group()
def lab():
    """Several real hypervisor hosts (sshd + libvirtd in namespaces) on this machine."""


@lab.command()
@click.option("--hosts", default=3, show_default=True, type=int, help="Number of hosts.")
@dir_option
@click.option("--name", "tag", help="Short lab name (1-4 chars) prefixing every namespace and "
              "link (default 'lab', or a free variant when another lab holds it).")
@click.option("--subnet", help="IPv4 /24 for the lab bridge (default: derived from the name, "
              "or the next free one).")
@click.option("--capacity", default="{cpu},{ram_mb},{disk_gb}".format(**DEFAULT_CAPACITY),
              show_default=True, help="Advertised capacity per host: CPU,RAM_MB,DISK_GB "
              "('none' to use the discovered facts).")
def up(hosts, lab_dir, tag, subnet, capacity):
    """Create or repair the lab; the last line printed is the pm_file path."""
    the_lab = Lab(lab_dir, tag=tag, subnet=subnet, report=lambda m: click.echo(m, err=True))
    state = the_lab.up(hosts=hosts, capacity=_capacity(capacity))
    click.echo(f"ssh:   ssh -F {state.ssh_config} root@{state.hosts[0].address}", err=True)
    click.echo(f"virsh: virsh -c 'qemu+ssh://root@{state.hosts[0].address}/system"
               f"?command={state.dir}/ssh'", err=True)
    click.echo(state.pm_file)


@lab.command()
@dir_option
@click.option("--purge", is_flag=True,
              help="Also delete the hosts' state (libvirt definitions, guest disks).")
def down(lab_dir, purge):
    """Stop every lab process and remove its namespaces, links and mounts."""
    Lab(lab_dir).down(purge=purge)
    click.echo("lab down", err=True)


@lab.command()
@dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(lab_dir, as_json):
    """Show each host: address, link, daemons, running domains, power and its BMC."""
    the_lab = Lab(lab_dir)
    rows, storage = the_lab.status(), the_lab.storage_status()
    if as_json:
        click.echo(json.dumps({"hosts": rows, "storage": storage}, indent=2))
        return
    if not rows:
        raise LabError("no lab running in that directory")
    click.echo(f"{'HOST':5} {'ADDRESS':15} {'LINK':5} {'SSHD':5} {'LIBVIRTD':8} {'DOMAINS':7} "
               f"{'POWER':5} {'BMC':5} FAILED")
    for r in rows:
        click.echo(f"{r['host']:5} {r['address']:15} {_ud(r['link']):5} {_ud(r['sshd']):5} "
                   f"{_ud(r['libvirtd']):8} {r['domains']:<7} {r['power']:5} {_ud(r['bmc']):5} "
                   f"{r['failed'] or '-'}")
    if storage:
        click.echo(f"storage {storage['address']}: link {_ud(storage['link'])}, sshd "
                   f"{_ud(storage['sshd'])}, iSCSI target (tgtd) {_ud(storage['tgtd'])}")


def _ud(flag):
    return "up" if flag else "down"


@lab.command()
@click.argument("host")
@click.option("--mode", type=click.Choice(FAIL_MODES), default="link", show_default=True)
@dir_option
def fail(host, mode, lab_dir):
    """Inject a fault into HOST (h1, 1 or its address)."""
    h = Lab(lab_dir).fail(host, mode)
    click.echo(f"h{h.index} {h.address}: {mode} failed")


@lab.command()
@click.argument("host")
@dir_option
def heal(host, lab_dir):
    """Undo every injected fault on HOST."""
    h = Lab(lab_dir).heal(host)
    click.echo(f"h{h.index} {h.address}: healed")


@lab.command()
@click.option("--out", type=click.Path(dir_okay=False),
              help="Where to write the qcow2 (default $VMFABRIC_HOME/images/vmfabric-guest.qcow2).")
def image(out):
    """Build (once) a tiny bootable guest that prints VMFABRIC-GUEST-READY on its console."""
    from vmfabric_lab import image as guest_image

    click.echo(guest_image.build(out, report=lambda m: click.echo(m, err=True)))


@lab.command()
@click.argument("host")
@click.option("--cores", type=float, default=0.5, show_default=True,
              help="CPUs' worth of time the host's processes may use together.")
@dir_option
def cap(host, cores, lab_dir):
    """Cap HOST's CPU (its libvirtd and guests): contention and steal on purpose."""
    path = Lab(lab_dir).cap(host, cores)
    click.echo(f"{host}: capped at {cores:g} CPU ({path}); undo with `vmfabric lab uncap {host}`")


@lab.command()
@click.argument("host")
@dir_option
def uncap(host, lab_dir):
    """Lift HOST's CPU cap."""
    Lab(lab_dir).uncap(host)
    click.echo(f"{host}: uncapped")


@lab.command()
@click.argument("address")
@click.argument("kind", type=click.Choice(load_mod.KINDS + ("stop",)))
@click.option("--seconds", type=int, default=60, show_default=True)
@click.option("--megabytes", type=int, default=64, show_default=True, help="Memory load's size.")
@click.option("--peer", help="Network load: the sibling guest to send to (it is made to listen).")
@click.option("--ssh-config", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The ssh config that knows the guests' host keys (a server's "
                   "$VMFABRIC_HOME/state/ssh/guests_config).")
def load(address, kind, seconds, megabytes, peer, ssh_config):
    """Make the lab guest at ADDRESS busy (cpu, memory, disk, network) for SECONDS, or stop."""
    if kind == "stop":
        load_mod.stop(ssh_config, address)
    else:
        if kind == "network" and peer:
            load_mod.listen(ssh_config, peer)
        load_mod.start(ssh_config, address, kind, seconds, megabytes, peer)
    click.echo(f"{address}: {kind}")
