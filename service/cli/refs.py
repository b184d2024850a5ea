"""Names or ids, wherever the command line takes a VM, a volume, a cluster or an image.

A number is an id; anything else is looked up by name among the objects the user may see:
no match says so, several list their ids (give one of them). Shell completion offers the
names and ids the server knows.
"""

import click

from service.errors import VmfabricError


class Ref(click.ParamType):
    def __init__(self, kind, plural, path, key):
        self.kind, self.plural, self.path, self.key = kind, plural, path, key
        self.name = f"{kind.upper()}"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.isascii() and text.isdigit():
            return int(text)
        found = [o for o in self._objects(ctx, text) if o["name"] == text]
        if not found:
            self.fail(f"no {self.kind} named {text!r} (give its name or id; "
                      f"`vmfabric {self.kind} list` shows them)", param, ctx)
        if len(found) > 1:
            ids = ", ".join(str(o["id"]) for o in found)
            self.fail(f"{text!r} names {len(found)} {self.plural}: {ids} (give one's id)",
                      param, ctx)
        return found[0]["id"]

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        try:
            objects = self._objects(ctx, None)
        except (VmfabricError, click.ClickException):
            return []
        offered = []
        for o in objects:
            for text in (str(o["id"]), o["name"]):
                if text.startswith(incomplete):
                    offered.append(CompletionItem(text, help=f"{self.kind} {o['id']} {o['name']}"))
        return offered

    def _objects(self, ctx, name):
        client = client_of(ctx)
        params = {"name": name} if name is not None and self.kind == "vm" else None
        return client.call("GET", self.path, params=params)[self.key]


def client_of(ctx):
    """The command's API client: the one its group made, or (while completing, when no group
    ran) one from the top command's --url and --token."""
    from service.cli import credentials
    from service.cli.client import Client

    found = ctx.find_object(Client)
    if found is not None:
        return found
    root = ctx.find_root()
    url = root.params.get("url") or (root.obj or {}).get("url")
    token = root.params.get("token") or (root.obj or {}).get("token")
    from service import defaults

    url = url or defaults.url()
    return Client(url, credentials.token_for(url, token))


VM = Ref("vm", "VMs", "/vms", "vms")
VOLUME = Ref("volume", "volumes", "/volumes", "volumes")
CLUSTER = Ref("cluster", "clusters", "/clusters", "clusters")
IMAGE = Ref("image", "images", "/images", "images")
