"""Odoo 17 through the same engine: products are storable by `detailed_type`, the rest of the mapping is the same.
Checked against the double in its Odoo 17 shape (no real Odoo 17 is run here)."""
from __future__ import annotations

import pytest

from app import create_app
from pwa import db, journal as store
from pwa.config import OdooSettings
from sync.gateway import Gateway
from tests.conftest import Api
from tests.odoo_double import OdooDouble

from .conftest import new_action, record, sync
from .world import ensure_world, unique


@pytest.fixture
def odoo17(database_url):
    double = OdooDouble(version=17).start()
    settings = OdooSettings(double.url, double.db, double.login, double.password)
    world = ensure_world(Gateway.connect(settings))
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": settings})
    yield app, world
    app.extensions["journal_engine"].dispose()
    double.stop()


def test_every_action_type_reaches_odoo_17(odoo17):
    app, world = odoo17
    assert world.gateway.dialect.storable_field == "detailed_type"
    device = Api(app.test_client(), device_id="store-tab-1").login("supervisor")
    lot = unique("L")
    receipt = world.open_receipt({"BAN-5CM": 24})
    actions = record(device,
                     new_action("requisition", "ICU", [{"product": "BAN-5CM", "qty": 12}]),
                     new_action("issue", "WARD-4B", [{"product": "SYR-10ML", "qty": 2, "lot": lot}],
                                encounter=unique("ENC")),
                     new_action("return", "WARD-4B", [{"product": "SYR-10ML", "qty": 1, "lot": lot}]),
                     new_action("waste", "OR", [{"product": "GLV-N-M", "qty": 3, "reason": "torn"}]),
                     new_action("count", "ED", [{"product": "GLV-N-M", "qty": 40}]),
                     new_action("receive", "WH-STOCK", [{"product": "BAN-5CM", "qty": 24, "receipt": receipt["name"]}]))
    runner = app.test_cli_runner()
    sync(runner)
    assert "Full pull" in runner.invoke(args=["sync", "pull"]).output
    with app.app_context():
        rows = [store.find(db.session(), action["id"]) for action in actions]
        assert [(row.type, row.status, row.last_error) for row in rows] == [
            (row.type, "synced", None) for row in rows]
    assert world.quantity("GLV-N-M", "ED") == 40
    assert world.quantity("SYR-10ML", "WARD-4B", lot) == -1
