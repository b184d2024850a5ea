"""Where the CLI's API token comes from: --token, then $VMFABRIC_TOKEN, then the stored login.

`vmfabric login` stores a token per server URL in the user's config directory
($XDG_CONFIG_HOME/vmfabric/tokens.json, else ~/.config/...), mode 0600.
"""

import json
import os

from service.util import write_atomically


def path():
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "vmfabric", "tokens.json")


def _read():
    try:
        with open(path()) as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def token_for(url, given=None):
    """The token to send to URL: GIVEN (--token), $VMFABRIC_TOKEN, or the stored login."""
    kept = _read().get(url.rstrip("/")) or {}
    return given or os.environ.get("VMFABRIC_TOKEN") or kept.get("token")


def store(url, token, token_id):
    data = _read()
    data[url.rstrip("/")] = {"token": token, "id": token_id}
    _write(data)


def forget(url):
    """Forget URL's login; returns what was kept ({token, id}) or None."""
    data = _read()
    removed = data.pop(url.rstrip("/"), None)
    _write(data)
    return removed


def _write(data):
    target = path()
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    write_atomically(target, json.dumps(data, indent=2) + "\n", mode=0o600)
