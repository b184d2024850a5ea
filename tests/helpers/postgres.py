"""A throwaway PostgreSQL cluster for the tests, from Debian's packages.

Its files are in the test run's own directory (tests/runs.py), it listens on a
free port of 127.0.0.1 only, runs as the `postgres` user (PostgreSQL refuses
root), trusts loopback connections (it holds nothing but test data) and is
stopped and removed at the end of the session; a killed run's is stopped by the
next run's sweep.
"""

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess

import sqlalchemy as sa

USER = "postgres"


def bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("no PostgreSQL server: install Debian's postgresql package "
                           "(./tests/run does)")
    return os.path.dirname(found[-1])


def _as_postgres(*command, check=True):
    done = subprocess.run(["runuser", "-u", USER, "--", *command], capture_output=True,
                          text=True, timeout=120)
    if check and done.returncode != 0:
        raise RuntimeError(f"{os.path.basename(command[0])} failed: "
                           f"{(done.stderr or done.stdout).strip()[-2000:]}")
    return done


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    def __init__(self, home):
        self.home = os.path.join(home, "postgres")
        self.data = os.path.join(self.home, "data")
        self.bin = bin_dir()
        self.port = None
        self._names = itertools.count(1)
        self._template = False

    def start(self):
        os.makedirs(os.path.join(self.home, "socket"))
        owner = pwd.getpwnam(USER)
        for path in (self.home, os.path.join(self.home, "socket")):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        _as_postgres(f"{self.bin}/initdb", "-D", self.data, "-U", "vmfabric", "-A", "trust",
                     "-N", "-E", "UTF8")
        self.port = _free_port()
        options = (f"-p {self.port} -k {self.home}/socket -c listen_addresses=127.0.0.1 "
                   f"-c fsync=off -c synchronous_commit=off -c max_connections=400")
        _as_postgres(f"{self.bin}/pg_ctl", "-D", self.data, "-o", options, "-l",
                     os.path.join(self.home, "server.log"), "-w", "-t", "60", "start")
        return self

    def url(self, database="postgres"):
        return f"postgresql+psycopg://vmfabric@127.0.0.1:{self.port}/{database}"

    def new_database(self, migrated=True):
        """The URL of a new database (one per test: no test sees another's rows): a copy of
        one brought to the newest schema once (MIGRATED), or an empty one."""
        name = f"t{os.getpid()}_{next(self._names)}"
        if migrated and not self._template:
            self._sql('CREATE DATABASE "vmfabric_template"')
            from service.store import Store

            Store(self.url("vmfabric_template")).dispose()  # opening a store migrates it
            self._template = True
        self._sql(f'CREATE DATABASE "{name}"' + (' TEMPLATE "vmfabric_template"'
                                                 if migrated else ""))
        return self.url(name)

    def _sql(self, statement):
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            _as_postgres(f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop",
                         check=False)
        shutil.rmtree(self.home, ignore_errors=True)
