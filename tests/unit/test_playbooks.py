"""The playbooks operators run by hand are held to ansible-lint's production profile (no
command that reports a change it did not make, pipefail where shells pipe, read-only
lookups that run under --check)."""

import os
import subprocess
import sys

from service.paths import REPO_ROOT


def test_the_playbooks_pass_ansible_lint_production():
    lint = os.path.join(os.path.dirname(sys.executable), "ansible-lint")
    done = subprocess.run([lint, "--profile", "production", "--nocolor", "playbooks/"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, ANSIBLE_LINT_SKIP_SCHEMA_UPDATE="1"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Profile 'production' was required, and it passed" in done.stdout + done.stderr


def test_every_read_only_lookup_runs_under_check():
    """A command task that changes nothing (changed_when: false) runs under --check too
    (check_mode: false): the tasks after it judge from its answer."""
    import yaml

    reads = []
    for name in sorted(os.listdir(os.path.join(REPO_ROOT, "playbooks"))):
        with open(os.path.join(REPO_ROOT, "playbooks", name)) as fh:
            for play in yaml.safe_load(fh) or []:
                for task in play.get("tasks", []):
                    runs = {"ansible.builtin.command", "ansible.builtin.shell",
                            "ansible.builtin.raw"} & set(task)
                    if runs and task.get("changed_when") is False:
                        reads.append((name, task["name"], task.get("check_mode")))
    assert reads and all(check is False for _, _, check in reads), reads
