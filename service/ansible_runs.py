"""The one place that runs Ansible: playbooks through ansible-runner.

Callers get back plain per-host results read from the runner's events; no
other module imports ansible_runner.
"""

import dataclasses
import os
import shutil
import sys
import tempfile

import ansible_runner

from service.errors import DiscoveryError
from service.paths import ANSIBLE_CFG, FILTER_PLUGINS, PLAYBOOKS


@dataclasses.dataclass
class HostResult:
    host: str
    ok: bool = True
    reason: str = ""
    # what the host's tasks reported: set_fact results and debug messages that are mappings
    reported: dict = dataclasses.field(default_factory=dict)
    changed: int = 0


@dataclasses.dataclass
class PlaybookRun:
    status: str
    rc: int
    hosts: dict  # inventory hostname -> HostResult
    stdout: str


def run_playbook(name, inventory, *, work_dir, fact_cache, forks, extravars=None, limit=None,
                 timeout=600, on_host=None):
    """Run playbooks/NAME against INVENTORY (only the hosts LIMIT names, if given) and
    collect what each host reported.

    ON_HOST(HostResult), if given, is called as each of a host's events arrives, so a
    caller can record a host the moment it is done. A run past TIMEOUT returns what
    arrived (status 'timeout'); only a run that failed with nothing from any host raises.
    """
    os.makedirs(work_dir, exist_ok=True)
    private = tempfile.mkdtemp(prefix="run-", dir=work_dir)
    envvars = {
        "ANSIBLE_CONFIG": ANSIBLE_CFG,
        "ANSIBLE_FILTER_PLUGINS": FILTER_PLUGINS,
        "ANSIBLE_LOCAL_TEMP": os.path.join(work_dir, "tmp"),
        "ANSIBLE_NOCOLOR": "1",
        # the service's inventory is always the generated YAML: skip loading the other parsers
        "ANSIBLE_INVENTORY_ENABLED": "yaml",
        # ansible-runner turns host key checking off unless told otherwise; we never do
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        # the ansible-playbook beside this interpreter (a .venv need not be active)
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    }
    hosts = {}
    try:
        result = ansible_runner.run(
            private_data_dir=private,
            playbook=os.path.join(PLAYBOOKS, name),
            inventory=os.path.abspath(inventory),
            envvars=envvars,
            extravars=extravars or {},
            forks=max(1, forks),
            limit=",".join(limit) if limit else None,
            # an absolute path: the runner keeps its cache there, not in the artifacts
            fact_cache=os.path.abspath(fact_cache),
            fact_cache_type="jsonfile",
            quiet=True,
            timeout=timeout,
            event_handler=lambda event: _arrived(hosts, event, on_host),
        )
        stdout = result.stdout.read() if result.stdout else ""
        if result.rc not in (0, 2, 4) and result.status != "timeout" and not hosts:
            raise DiscoveryError(f"ansible-playbook {name} {result.status} (rc {result.rc}): "
                                 f"{stdout[-1500:]}")
        return PlaybookRun(status=result.status, rc=result.rc, hosts=hosts, stdout=stdout)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _arrived(hosts, event, on_host):
    """The runner's event handler: absorb EVENT, tell ON_HOST of its host; keep the event."""
    entry = _absorb(hosts, event)
    if entry is not None and on_host is not None:
        on_host(entry)
    return True


def _absorb(hosts, event):
    kind = event.get("event", "")
    data = event.get("event_data", {})
    host = data.get("host")
    if not host or not kind.startswith("runner_on_"):
        return None
    entry = hosts.setdefault(host, HostResult(host=host))
    res = data.get("res") or {}
    if kind == "runner_on_ok":
        entry.reported.update(res.get("ansible_facts") or {})
        if isinstance(res.get("msg"), dict):
            entry.reported.update(res["msg"])
        entry.changed += bool(res.get("changed"))
    elif kind in ("runner_on_unreachable", "runner_on_failed") and not data.get("ignore_errors"):
        entry.ok = False
        detail = res.get("stderr") or res.get("msg") or ""
        what = "unreachable" if kind == "runner_on_unreachable" else f"task {data.get('task')!r} failed"
        entry.reason = f"{what}: {str(detail).strip()[-4000:]}"
    return entry
