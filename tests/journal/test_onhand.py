"""What the journal knows to be on hand: Odoo's last report, plus the moves it did not include yet."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from pwa.models import Action, Location, Product, StockLevel, utcnow
from pwa.onhand import known_on_hand
from tests.conftest import Api, new_action
from tests.supervisor.conftest import store  # noqa: F401

pytestmark = pytest.mark.both_databases


def level(store, code: str, ref: str) -> StockLevel:
    return store.scalar(select(StockLevel).join(StockLevel.location).join(StockLevel.product)
                        .where(Location.code == code, Product.ref == ref))


def test_odoo_report_plus_what_it_has_not_taken_in(client, store):
    report = level(store, "WARD-4B", "GLV-N-M") or StockLevel(
        location=store.scalar(select(Location).where(Location.code == "WARD-4B")),
        product=store.scalar(select(Product).where(Product.ref == "GLV-N-M")), lot="")
    report.qty, report.as_of, report.active = 40.0, utcnow(), True
    store.add(report)
    store.commit()
    nurse = Api(client).login("nurse")
    taken_in, waiting, late, voided = (new_action("issue", lines=[{"product": "GLV-N-M", "qty": n}])
                                      for n in (1, 2, 4, 8))
    nurse.results(taken_in, waiting, late, voided)
    for action_id, status, synced in ((taken_in["id"], "synced", report.as_of - timedelta(minutes=5)),
                                      (late["id"], "synced", report.as_of + timedelta(minutes=5)),
                                      (voided["id"], "voided", None)):
        row = store.scalar(select(Action).where(Action.id == action_id))
        row.status, row.synced_at = status, synced
    store.commit()
    receiver = Api(client, "store-tab").login("receiver")
    receiver.results(new_action("transfer_confirm", lines=[{"product": "GLV-N-M", "qty": 5}], transfer="WH/INT/9"))
    known = known_on_hand(store, {"WARD-4B", "WH-STOCK"})
    assert known[("WARD-4B", "GLV-N-M", "")] == 40 - 2 - 4 + 5
    store_level = level(store, "WH-STOCK", "GLV-N-M").qty
    assert known[("WH-STOCK", "GLV-N-M", "")] == store_level - 5
