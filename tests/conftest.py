"""Shared fixtures: the session's lab of real hypervisor hosts and the guest image."""

import os

import pytest

from tests.helpers.servers import lab_config, lab_context

from tests.helpers.runs import TEST_HOME


def _need_root():
    if os.geteuid() != 0:
        pytest.fail("the lab tests need root (namespaces, mounts, libvirtd)")


@pytest.fixture(scope="session")
def run_dir():
    """This run's own directory under the test home, once killed runs' leftovers are cleared
    (tests/runs.py): its labs and PostgreSQL cluster live there."""
    from tests.helpers import runs

    _need_root()
    os.makedirs(TEST_HOME, exist_ok=True)
    runs.sweep(TEST_HOME)
    path = runs.this_run(TEST_HOME)
    yield path
    import shutil

    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(run_dir):
    """A 3-host lab of the run's own, brought up once for the session and torn down at its
    end."""
    from vmfabric_lab.lab import Lab

    the_lab = Lab(os.path.join(run_dir, "lab"))
    the_lab.up(hosts=3)
    yield the_lab
    the_lab.down(purge=True)


@pytest.fixture(scope="session")
def postgres(run_dir):
    """A PostgreSQL cluster of the run's own (tests/postgres.py)."""
    from tests.helpers.postgres import Postgres

    cluster = Postgres(run_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request):
    """The store's URL for a test that runs on both backends: None (the default SQLite file in
    the test's home) or a new PostgreSQL database; `-k postgres` selects the second."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(scope="session")
def guest_image():
    from vmfabric_lab import image

    return image.build(os.path.join(TEST_HOME, "images", image.IMAGE_NAME))


@pytest.fixture(scope="session")
def lab_fleet(lab, tmp_path_factory):
    """A fleet registered from the lab's pm_file and discovered once."""
    from service.fleet import Fleet
    from service.store import Store

    home = str(tmp_path_factory.mktemp("fleet-home"))
    cfg = lab_config(lab, home)
    fleet = Fleet(cfg, Store(cfg["database"]))
    fleet.register_pm_file(lab.state.pm_file)
    fleet.discover()
    return fleet


@pytest.fixture(scope="session")
def lab_ctx(lab, guest_image, tmp_path_factory):
    """A full service context on the lab: hosts discovered, guest image and types registered."""
    home = str(tmp_path_factory.mktemp("ctx-home"))
    ctx = lab_context(lab, guest_image, home, policy="first_fit")
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def pg_lab(run_dir):
    """A 2-host lab of its own (3 CPUs a host) for the PostgreSQL integration tests: their
    store knows nothing of the session lab's guests, so they never share hosts."""
    from vmfabric_lab.lab import Lab

    the_lab = Lab(os.path.join(run_dir, "lab-postgres"))
    the_lab.up(hosts=2, capacity={"cpu": 3, "ram_mb": 8192, "disk_gb": 40})
    yield the_lab
    the_lab.down(purge=True)


@pytest.fixture(scope="session")
def pg_lab_ctx(pg_lab, guest_image, postgres, tmp_path_factory):
    """A service context on pg_lab whose store is a PostgreSQL database."""
    home = str(tmp_path_factory.mktemp("pg-ctx-home"))
    ctx = lab_context(pg_lab, guest_image, home, policy="first_fit",
                      database=postgres.new_database())
    yield ctx
    ctx.close()


@pytest.fixture
def clock():
    """A clock the test drives: clock.advance(seconds) (tests/helpers/clock.py)."""
    from service import clock as service_clock
    from tests.helpers.clock import DrivenClock

    driven = DrivenClock()
    previous = service_clock.use(driven)
    yield driven
    service_clock.use(previous)
