"""The sync tests' world: one Odoo per test run — the in-memory double by default, a real Odoo when ODOO_URL,
ODOO_DB, ODOO_USER and ODOO_PASSWORD are set — and the app of each test configured to sync with it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from app import create_app
from pwa.catalog import stamp
from pwa.config import OdooSettings
from pwa.models import Barcode, Product
from sync.gateway import Gateway
from tests.conftest import Api, new_action
from tests.odoo_double import OdooDouble

from .world import World, ensure_world, unique

REAL_ODOO = all(os.environ.get(name) for name in ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD"))


@dataclass
class Target:
    settings: OdooSettings
    double: OdooDouble | None
    world: World

    @property
    def name(self) -> str:
        return "the Odoo double" if self.double else f"Odoo at {self.settings.url}"


def _real_settings() -> OdooSettings:
    return OdooSettings(os.environ["ODOO_URL"].rstrip("/"), os.environ["ODOO_DB"], os.environ["ODOO_USER"],
                        os.environ["ODOO_PASSWORD"])


@pytest.fixture(scope="session")
def odoo():
    """The Odoo the sync tests run against, with the test hospital's world in it."""
    double = None
    if REAL_ODOO:
        settings = _real_settings()
    else:
        double = OdooDouble().start()
        settings = OdooSettings(double.url, double.db, double.login, double.password)
    world = ensure_world(Gateway.connect(settings))
    yield Target(settings, double, world)
    if double:
        double.stop()


@pytest.fixture
def world(odoo) -> World:
    return odoo.world


@pytest.fixture
def faults(odoo):
    """The double's fault switches, reset after the test; tests using them run against the double only."""
    if odoo.double is None:
        pytest.skip("fault injection needs the Odoo double")
    odoo.double.faults.clear()
    yield odoo.double.faults
    odoo.double.faults.clear()
    if odoo.double.server is None:
        odoo.double.come_up()


@pytest.fixture
def app(database_url, odoo):
    """The test's app, syncing with the test run's Odoo."""
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": odoo.settings, "LOGIN_FAILURES_ALLOWED": 5})
    yield app
    app.extensions["journal_engine"].dispose()


@pytest.fixture
def supervisor(client) -> Api:
    """A store tablet signed in as the supervisor: every location, every action type."""
    return Api(client, device_id="store-tab-1").login("supervisor")


def record(device: Api, *actions: dict) -> list[dict]:
    """Journals actions through the API, as a device replays its outbox; all must be accepted."""
    results = device.results(*actions)
    assert [r["status"] for r in results] == ["accepted"] * len(actions), results
    return list(actions)


def app_only_product(journal) -> str:
    """A product in the app's catalog that no Odoo has (a unique reference): what an unmapped item looks like."""
    ref = unique("LOCAL")
    product = Product(ref=ref, name=f"Local item {ref}", uom="Units", tracking="none", billable=True, price=1)
    product.barcodes.append(Barcode(code=ref, qty=1))
    journal.add(product)
    stamp(journal, product)
    journal.commit()
    return ref


def sync(runner, *extra: str):
    """`flask --app app sync run --once`, with retries due at once."""
    result = runner.invoke(args=["sync", "run", "--once", "--retry-base", "0", *extra])
    assert result.exit_code == 0, result.output
    return result


__all__ = ["app_only_product", "new_action", "record", "sync"]
