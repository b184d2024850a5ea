"""Each test run's own directory under the test home, and what runs that were killed left.

A run (one pytest process) keeps its labs and its PostgreSQL cluster in
TEST_HOME/run-PID, so two runs on one machine at the same time never share one.
A run directory whose process is gone (its pid no longer running, or running
something started later) is a killed run's: its labs are taken down and its
cluster stopped before the directory is removed. Nothing else is touched.
"""

import glob
import os
import shutil

# where test runs keep their labs, clusters and cached images (a run: run-PID below it)
TEST_HOME = os.environ.get("VMFABRIC_TEST_HOME", "/var/tmp/vmfabric-test")


def _started(pid):
    """When process PID started (clock ticks since boot), or None if there is no such process."""
    from vmfabric_lab.daemons import stat_field

    return stat_field(pid, 19)


def _kill(pid_file):
    import signal

    try:
        with open(pid_file) as fh:
            os.kill(int(fh.read().strip()), signal.SIGTERM)
    except (OSError, ValueError):
        pass


def this_run(test_home):
    """This run's directory (made, with its owner recorded)."""
    path = os.path.join(test_home, f"run-{os.getpid()}")
    os.makedirs(path, exist_ok=True)
    os.chmod(test_home, 0o755)  # the PostgreSQL cluster below belongs to the postgres user
    os.chmod(path, 0o755)
    with open(os.path.join(path, "owner"), "w") as fh:
        fh.write(f"{os.getpid()} {_started(os.getpid())}\n")
    return path


def sweep(test_home):
    """Take down and remove the run directories of runs that are gone; their paths."""
    from tests.helpers.postgres import Postgres
    from vmfabric_lab.lab import Lab

    removed = []
    for path in glob.glob(os.path.join(test_home, "run-*")):
        try:
            with open(os.path.join(path, "owner")) as fh:
                pid, started = fh.read().split()
        except (OSError, ValueError):
            pid, started = "0", "None"
        if int(pid) == os.getpid() or (started != "None" and str(_started(pid)) == started):
            continue  # a run that is still going
        for pid_file in glob.glob(os.path.join(path, "*", "vmfabric.pid")):
            _kill(pid_file)  # a demo's server (tests/e2e)
        for lab_dir in glob.glob(os.path.join(path, "lab*")) + glob.glob(os.path.join(path, "*",
                                                                                     "lab")):
            Lab(lab_dir).down(purge=True)
        Postgres(path).stop()
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
