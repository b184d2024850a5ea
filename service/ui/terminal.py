"""The console a person types into: a page with a terminal (xterm.js, served from here) and
the websocket it talks through to the guest's serial console, as `virsh console` does.

Who may read a VM's console log may type into its console: its owner or an admin, signed in
to the dashboard, from the dashboard's own page (access.py checks the websocket's Origin).
Opening it is an event (`vm.console`). A session ends when the guest's console ends (the VM
stops or moves), when the browser goes, or within ten seconds of its user's session ending (a
log out closes their consoles). Each server process keeps at most half its threads for
consoles, so consoles never starve the API.
"""

import threading
import time

from flask import g, make_response, redirect, render_template, request

from service.errors import Conflict, VmfabricError
from service.ui.door import CSP, blueprint, signed_in
from service.web import access, audit, websocket
from service.web.access import DASHBOARD, UI_COOKIE
from service.web.context import ctx

RECHECK = 10.0  # seconds between checks that the user's session is still good
# xterm.js sets its own dimensions and colours in <style> elements it makes: this page allows
# those (styles only; scripts stay 'self')
TERMINAL_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
_open = {"slots": None}
_open_lock = threading.Lock()


def _slots():
    with _open_lock:
        if _open["slots"] is None:
            threads = ctx().config["server"]["threads"]
            _open["slots"] = threading.BoundedSemaphore(max(1, threads // 2))
        return _open["slots"]


@blueprint.get("/vms/<id:vmid>/terminal")
@access.rule(DASHBOARD)
def terminal_page(vmid):
    if g.get("user") is None:
        return redirect("/ui/login", code=303)
    vm = access.visible_vm(ctx().store, vmid)
    response = make_response(render_template("ui/terminal.html", vm=vm, user=g.user))
    response.headers["Content-Security-Policy"] = TERMINAL_CSP
    return response


@blueprint.get("/vms/<id:vmid>/console/ws", websocket=True)
@access.rule(DASHBOARD)
def console_socket(vmid):
    user = signed_in()
    access.visible_vm(ctx().store, vmid)
    slots = _slots()
    if not slots.acquire(blocking=False):
        raise Conflict("every console this server process keeps is in use; try again shortly")
    try:
        console = ctx().compute.attach_console(vmid)
        earlier = _earlier_lines(vmid)
        audit.record_opening()
        token = request.cookies.get(UI_COOKIE)
        tokens = ctx().tokens
        return websocket.serve(lambda ws: _relay(ws, earlier, console,
                                                 lambda: _still(tokens, token, user.id)))
    finally:
        slots.release()


def _still(tokens, token, user_id):
    """True while TOKEN is still USER_ID's good session."""
    try:
        return tokens.user(token).id == user_id
    except Exception:  # noqa: BLE001 (revoked, expired, or the store is away: end it)
        return False


def _earlier_lines(vmid):
    """What the console showed before it was opened (its log's last lines), so the screen
    does not start blank; a log that cannot be read is not a reason to refuse the console."""
    try:
        lines = ctx().compute.console(vmid, 20)
    except VmfabricError:
        return b""
    shown = "\r\n".join(lines) + "\r\n" if lines else ""
    return (shown + "\x1b[2m(the log up to now; the console is live from here)\x1b[0m\r\n").encode()


def _relay(ws, earlier, console, still_signed_in):
    """Guest output to the browser in this thread, typing to the guest in another, until
    either side ends."""
    ws.send(earlier)
    typing = threading.Thread(target=_type, args=(ws, console), daemon=True,
                              name="vmfabric-console-input")
    typing.start()
    try:
        checked = time.monotonic()
        while ws.connected:
            chunk = console.read(timeout=1.0)
            if chunk is None:
                ws.close(message="the console ended (the VM stopped or moved)")
                return
            if chunk:
                ws.send(chunk)
            if time.monotonic() - checked >= RECHECK:
                checked = time.monotonic()
                if not still_signed_in():
                    ws.close(message="your session has ended: log in again")
                    return
    finally:
        console.close()


def _type(ws, console):
    try:
        while True:
            data = ws.receive()
            if data is None:
                return
            console.write(data.encode("utf-8") if isinstance(data, str) else data)
    except Exception:  # noqa: BLE001 (the browser or the console went: the relay ends it)
        console.close()
