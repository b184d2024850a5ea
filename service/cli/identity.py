"""`vmfabric login|logout|whoami|events` and `vmfabric user|token ...`."""

import json

import click

from service.cli import credentials
from service.cli.client import LOGIN_HINT, Client, pass_client
from service.cli.output import emit, gone_command, table_command, when
from service.cli.resources import client_group, json_option
from service.errors import VmfabricError

user = client_group("user", "Accounts (admin): list, create, delete, quota.")
token = client_group("token", "API tokens: create, list, revoke.")
USER_COLUMNS = [("USERNAME", "username"), ("ROLE", "role")] + [
    (title, lambda u, key=key: f"{u['quota'][key]['used']}/{u['quota'][key]['limit'] or '-'}")
    for title, key in (("CPU USED/LIMIT", "cpu"), ("RAM MB USED/LIMIT", "ram_mb"),
                       ("DISK GB USED/LIMIT", "disk_gb"), ("VMS USED/LIMIT", "vms"))]


@click.command()
@click.option("--username", prompt=True)
@click.option("--password", prompt=True, hide_input=True)
@json_option
@click.pass_context
def login(ctx, username, password, as_json):
    """Log in; the token is kept (mode 0600) for the commands that follow."""
    url = ctx.obj["url"]
    try:
        issued = Client(url).call("POST", "/tokens", {"username": username, "password": password,
                                                       "name": "vmfabric login"})
    except VmfabricError as exc:
        raise VmfabricError(str(exc).replace(LOGIN_HINT, "")) from None
    credentials.store(url, issued["token"], issued["id"])
    if as_json:
        click.echo(json.dumps({"url": url, "username": username, "kept_in": credentials.path()}))
    else:
        click.echo(f"logged in to {url} as {username} (token kept in {credentials.path()})")


@click.command()
@json_option
@click.pass_context
def logout(ctx, as_json):
    """Forget the stored login of this server (and revoke it)."""
    url = ctx.obj["url"]
    kept = credentials.forget(url)
    if kept:
        try:
            Client(url, kept["token"]).call("DELETE", f"/tokens/{kept['id']}")
        except VmfabricError:  # the server may be gone; the token is forgotten all the same
            pass
    click.echo(json.dumps({"url": url, "logged_out": True}) if as_json else f"logged out of {url}")


@click.command()
@json_option
@click.pass_context
def whoami(ctx, as_json):
    """The account the token belongs to, its role and quota."""
    client = Client(ctx.obj["url"], credentials.token_for(ctx.obj["url"], ctx.obj["token"]))
    data = client.call("GET", "/whoami")
    emit(ctx, data, [data["user"]], USER_COLUMNS)


@click.command()
@click.option("--user", "username", help="Only this user's events (admin).")
@click.option("--action", help="Only this action (vm.create, vm.start, image.delete, "
                                "rebalance.auto ...; the server lists them if one is wrong).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@json_option
@click.pass_context
def events(ctx, username, action, limit, as_json):
    """The audit trail, newest first: every state-changing call, who, what, how it ended."""
    client = Client(ctx.obj["url"], credentials.token_for(ctx.obj["url"], ctx.obj["token"]))
    params = {k: v for k, v in (("user", username), ("action", action), ("limit", limit)) if v}
    data = client.call("GET", "/events", params=params)
    emit(ctx, data, data["events"], [("WHEN", lambda e: when(e["at"])), ("USER", "username"),
                                     ("ACTION", "action"), ("TARGET", "target"),
                                     ("STATUS", "status"), ("OUTCOME", lambda e: e["outcome"][:60])])


table_command(user, "list", "/users", "users", USER_COLUMNS,
              "Every account with its usage against its quota.")


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["member", "admin"]), default="member", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@json_option
@pass_client
def user_create(client, username, role, password, as_json):
    """Add an account."""
    data = client.call("POST", "/users", {"username": username, "password": password, "role": role})
    emit(click.get_current_context(), data, [data["user"]], USER_COLUMNS)


gone_command(user, "delete", "/users/{username}", [("username", str)],
             "user {username} deleted", "Remove an account that owns nothing.")


@user.command("quota")
@click.argument("username")
@click.option("--cpu", type=int)
@click.option("--ram", "ram_mb", type=int, help="MB")
@click.option("--disk", "disk_gb", type=int, help="GB")
@click.option("--vms", type=int)
@json_option
@pass_client
def user_quota(client, username, cpu, ram_mb, disk_gb, vms, as_json):
    """Set an account's limits (the others stay)."""
    body = {k: v for k, v in (("cpu", cpu), ("ram_mb", ram_mb), ("disk_gb", disk_gb),
                              ("vms", vms)) if v is not None}
    data = client.call("PUT", f"/users/{username}/quota", body)
    emit(click.get_current_context(), data, [data["user"]], USER_COLUMNS)


@token.command("create")
@click.option("--name", default="token", show_default=True)
@click.option("--ttl", type=click.IntRange(60), help="Seconds it lives (at most the server's limit).")
@json_option
@pass_client
def token_create(client, name, ttl, as_json):
    """A new token for your account (printed once, on stdout)."""
    body = {"name": name, **({"ttl": ttl} if ttl else {})}
    issued = client.call("POST", "/tokens", body)
    if as_json:
        emit(click.get_current_context(), issued)
    else:
        click.echo(issued["token"])


table_command(token, "list", "/tokens", "tokens",
              [("ID", "id"), ("NAME", "name"), ("CREATED", lambda t: when(t["created_at"])),
               ("EXPIRES", lambda t: when(t["expires_at"])),
               ("REVOKED", lambda t: when(t["revoked_at"]))],
              "Your tokens (never the tokens themselves).")


gone_command(token, "revoke", "/tokens/{token_id}", [("token_id", int)],
             "token {token_id} revoked", "Revoke a token.")


GROUPS = (user, token)
COMMANDS = (login, logout, whoami, events)
