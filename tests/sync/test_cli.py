"""The sync engine's commands: `sync run` with and without Odoo, the supervisor's `actions …`, order per location."""
from __future__ import annotations

import pytest

from app import create_app
from pwa import journal as store
from tests.conftest import Api

from .conftest import app_only_product, new_action, record, sync
from .world import unique


@pytest.fixture
def offline_app(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": None})
    yield app
    app.extensions["journal_engine"].dispose()


def test_without_odoo_sync_says_so_and_actions_stay_received(offline_app):
    device = Api(offline_app.test_client(), device_id="store-tab-1").login("supervisor")
    action, = record(device, new_action("issue", "WARD-4B"))
    runner = offline_app.test_cli_runner()
    for command in (["sync", "run", "--once"], ["odoo", "check"]):
        result = runner.invoke(args=command)
        assert result.exit_code != 0
        assert "Odoo is not configured" in result.output
    with offline_app.app_context():
        from pwa import db
        assert store.find(db.session(), action["id"]).status == "received"


def test_supervisor_lists_retries_and_voids_from_the_command_line(supervisor, runner, journal):
    local = app_only_product(journal)
    unknown, other = record(supervisor, new_action("issue", "WARD-4B", [{"product": local, "qty": 1}],
                                                   encounter=unique("ENC")),
                            new_action("issue", "ICU", [{"product": local, "qty": 2}], encounter=unique("ENC")))
    sync(runner)
    listed = runner.invoke(args=["actions", "list", "--status", "needs_attention"])
    assert listed.exit_code == 0
    assert unknown["id"] in listed.output and other["id"] in listed.output
    assert f"{local} is not a product in Odoo" in listed.output
    retried = runner.invoke(args=["actions", "retry", unknown["id"], "--by", "supervisor", "--reason", "mapped"])
    assert retried.exit_code == 0 and "received" in retried.output
    refused = runner.invoke(args=["actions", "void", other["id"]])
    assert refused.exit_code != 0 and "--reason" in refused.output
    voided = runner.invoke(args=["actions", "void", other["id"], "--reason", "scanned by mistake"])
    assert voided.exit_code == 0 and "voided" in voided.output
    again = runner.invoke(args=["actions", "void", other["id"], "--reason", "twice"])
    assert again.exit_code != 0 and "is voided" in again.output
    journal.expire_all()
    assert store.find(journal, other["id"]).resolved_by.startswith("cli:")
    assert store.find(journal, unknown["id"]).status == "received"


def test_actions_of_a_location_reach_odoo_in_the_order_they_were_made(supervisor, runner, journal, world):
    lot = unique("L")
    # the issue arrives first (its tablet synced sooner) but was made after the count
    issue, count = record(supervisor,
                          new_action("issue", "ED", [{"product": "SYR-10ML", "qty": 3, "lot": lot}],
                                     encounter=unique("ENC"), created_at="2026-11-23T09:05:00Z"),
                          new_action("count", "ED", [{"product": "SYR-10ML", "qty": 10, "lot": lot}],
                                     created_at="2026-11-23T09:00:00Z"))
    sync(runner)
    journal.expire_all()
    assert {store.find(journal, a["id"]).status for a in (count, issue)} == {"synced"}
    assert world.quantity("SYR-10ML", "ED", lot) == 7  # counted 10, then 3 used
