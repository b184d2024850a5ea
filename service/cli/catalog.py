"""`vmfabric image add|show|delete` and `vmfabric type create|retire|delete`: the catalog at
runtime. An image is uploaded from a file or imported from an http(s) URL, with a progress
bar either way; it is usable once the server has inspected it."""

import os
import sys

import click

from service.cli.refs import IMAGE
from service.cli.client import pass_client
from service.cli.output import bar, emit, table_command
from service.cli.resources import image, itype, json_option
from service.errors import VmfabricError

IMAGE_COLUMNS = [("ID", "id"), ("NAME", "name"), ("STATE", "state"), ("FORMAT", "format"),
                 ("VIRTUAL MB", lambda i: i["virtual_size"] // 2 ** 20), ("OS", "os"),
                 ("LOGIN", "login"), ("VISIBILITY", lambda i: "public" if i["public"]
                                      else f"private (user {i['owner']})")]
TYPE_COLUMNS = [("TID", "tid"), ("CPU", "cpu"), ("RAM MB", "ram"), ("DISK GB", "disk"),
                ("RETIRED", lambda t: "yes" if t["retired"] else ""),
                ("HA", lambda t: "yes" if t.get("ha") else "")]


table_command(image, "list", "/images", "images", IMAGE_COLUMNS, "List the images you may use.")
table_command(itype, "list", "/types", "types", TYPE_COLUMNS, "List instance types.")


class Progress:
    """A file read by the upload, drawing a bar on stderr as its bytes leave."""

    def __init__(self, path, show):
        self.fh = open(path, "rb")
        self.size = os.fstat(self.fh.fileno()).st_size
        self.done = 0
        self.show = show

    def __len__(self):
        return self.size

    def read(self, n=-1):
        # whole MiBs, whatever the HTTP library asks for (it sends what it is given): 16 KiB
        # blocks would cost a Python round per block of a many-GB file
        block = self.fh.read(max(n or 0, 1 << 20))
        self.done += len(block)
        self.show(self.done, self.size)
        return block

    def __iter__(self):
        return iter(lambda: self.read(1 << 20), b"")

    def close(self):
        self.fh.close()


@image.command("add")
@click.argument("source")
@click.option("--name", help="The image's name (default: the file's, without its extension).")
@click.option("--sha256", help="Its SHA-256: the server refuses an image whose digest differs.")
@click.option("--os", "os_name", help="Its OS (debian, ubuntu, fedora ...): sets --login.")
@click.option("--login", help="The user its cloud image logs in as (`vm ssh` uses it).")
@click.option("--min-disk", type=click.IntRange(0), default=0, help="GB of disk a VM needs.")
@click.option("--min-ram", type=click.IntRange(0), default=0, help="MB of memory a VM needs.")
@json_option
@pass_client
def image_add(client, source, name, sha256, os_name, login, min_disk, min_ram, as_json):
    """Upload an image FILE, or import one from an http(s) URL; waits until it is active.

    \b
    Example: vmfabric image add debian-12.qcow2 --os debian --sha256 $(sha256sum ...)
             vmfabric image add https://example.org/debian-12.qcow2 --name debian-12
    """
    fields = {"name": name or _default_name(source), "sha256": sha256, "os": os_name,
              "login": login, "min_disk_gb": min_disk, "min_ram_mb": min_ram}
    fields = {key: value for key, value in fields.items() if value not in (None, "")}
    live = not as_json and sys.stderr.isatty()
    show = _drawer(live, fields["name"])
    try:
        if source.startswith(("http://", "https://")):
            answer = client.call("POST", "/images", dict(fields, url=source))
            client.wait_job(answer["job"], on_progress=lambda job: show(
                (job.get("progress") or {}).get("done", 0), (job.get("progress") or {}).get("total")))
            found = client.call("GET", f"/images/{answer['image']['id']}")["image"]
        else:
            if not os.path.isfile(source):
                raise VmfabricError(f"{source}: no such file (give a file or an http(s) URL)")
            stream = Progress(source, show)
            try:
                found = client.upload("/images", fields, stream)["image"]
            finally:
                stream.close()
    finally:
        if live:
            click.echo(err=True)
    emit(click.get_current_context(), {"image": found}, [found], IMAGE_COLUMNS)


@image.command("show")
@click.argument("image_id", type=IMAGE)
@json_option
@pass_client
def image_show(client, image_id, as_json):
    """Show one image (its checksum, minimums and who may use it)."""
    found = client.call("GET", f"/images/{image_id}")["image"]
    emit(click.get_current_context(), {"image": found}, [found],
         IMAGE_COLUMNS + [("MIN DISK GB", "min_disk_gb"), ("MIN RAM MB", "min_ram_mb"),
                          ("SHA256", "sha256")])


@image.command("delete")
@click.argument("image_id", type=IMAGE)
@json_option
@pass_client
def image_delete(client, image_id, as_json):
    """Delete an image no VM or cluster uses, and its copies on the hosts."""
    answer = client.call("DELETE", f"/images/{image_id}")
    emit(click.get_current_context(), answer or {"deleted": image_id})
    if not as_json:
        click.echo(f"image {image_id} deleted" if not answer else
                   f"image {image_id} is deleting: a host that did not answer still has a copy")


@itype.command("create")
@click.option("--cpu", type=click.IntRange(1), required=True)
@click.option("--ram", type=click.IntRange(1), required=True, help="MB of memory.")
@click.option("--disk", type=click.IntRange(1), required=True, help="GB of disk.")
@click.option("--tid", type=click.IntRange(1), help="Its id (default: the next free one).")
@click.option("--ha", is_flag=True, help="Its VMs are restarted on another host when theirs "
                                         "fails (docs/ha.md).")
@json_option
@pass_client
def type_create(client, cpu, ram, disk, tid, ha, as_json):
    """Create an instance type (admins).  Example: vmfabric type create --cpu 2 --ram 2048 --disk 20"""
    body = {"cpu": cpu, "ram": ram, "disk": disk, **({"tid": tid} if tid else {}),
            **({"ha": True} if ha else {})}
    found = client.call("POST", "/types", body)["type"]
    emit(click.get_current_context(), {"type": found}, [found], TYPE_COLUMNS)


@itype.command("retire")
@click.argument("tid", type=int)
@click.option("--undo", is_flag=True, help="Offer it again.")
@json_option
@pass_client
def type_retire(client, tid, undo, as_json):
    """No new VMs of type TID (the ones it has keep it); --undo offers it again."""
    _change_type(client, tid, {"retired": not undo})


@itype.command("ha")
@click.argument("tid", type=int)
@click.option("--undo", is_flag=True, help="Its new VMs are not ha.")
@json_option
@pass_client
def type_ha(client, tid, undo, as_json):
    """New VMs of type TID are `ha` (restarted elsewhere when their host fails)."""
    _change_type(client, tid, {"ha": not undo})


def _change_type(client, tid, change):
    found = client.call("PATCH", f"/types/{tid}", change)["type"]
    emit(click.get_current_context(), {"type": found}, [found], TYPE_COLUMNS)


@itype.command("delete")
@click.argument("tid", type=int)
@json_option
@pass_client
def type_delete(client, tid, as_json):
    """Delete type TID (only when no VM or cluster uses it)."""
    client.call("DELETE", f"/types/{tid}")
    emit(click.get_current_context(), {"deleted": tid})
    if not as_json:
        click.echo(f"type {tid} deleted")


def _default_name(source):
    base = os.path.basename(source.split("?")[0].rstrip("/")) or "image"
    for ext in (".qcow2", ".img", ".raw", ".qcow"):
        if base.endswith(ext):
            return base[:-len(ext)]
    return base


def _drawer(live, label):
    def show(done, total):
        if live:
            click.echo("\r" + bar(done, total, label).ljust(90), nl=False, err=True)
    return show
