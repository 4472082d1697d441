"""The Receive and Count screens' server side: the open receipts and a receipt's lines for a receiver's locations,
the scanned item with what it still needs and its expiry said, the places a counter may count (blind), and the
recount requests — fragments the device fills offline from the same templates."""
import re
from datetime import date, timedelta

import pytest

from pwa.receipts import ReceiptReport, record_receipts
from pwa.receiving import expiry_state
from tests.conftest import Api, new_action
from tests.supervisor.conftest import store  # noqa: F401  (a session of the test's own)
from tests.supervisor.helpers import add_user, page_client

pytestmark = pytest.mark.both_databases


@pytest.fixture
def receipt(store):
    record_receipts(store, [ReceiptReport("WH/IN/00042", "WH-STOCK", [{"ref": "SYR-10ML", "qty": 300},
                                                                      {"ref": "GLV-N-M", "qty": 200}],
                                          origin="P00042", partner="MedSupply GmbH"),
                            ReceiptReport("WH/IN/00043", "ICU", [{"ref": "BAN-5CM", "qty": 12}])])
    store.commit()
    return "WH/IN/00042"


def test_a_receiver_sees_the_open_receipts_and_a_receipts_lines(app, receipt, store):
    receiver = page_client(app, "receiver")
    page = receiver.get("/receive/").get_data(as_text=True)
    assert page.index('value="WH-STOCK"') < page.index('value="ED"')  # the store first
    listed = receiver.get("/receive/receipts?location=WH-STOCK").get_data(as_text=True)
    assert "WH/IN/00042" in listed and "MedSupply GmbH · P00042" in listed and "500</span> units expected" in listed
    assert "WH/IN/00043" not in listed
    check = receiver.get("/receive/receipt?name=WH/IN/00042").get_data(as_text=True)
    assert "Syringe Luer lock 10ml" in check and 'value="300"' in check and "MedSupply GmbH" in check
    assert "is not open" in receiver.get("/receive/receipt?name=WH/IN/99999").get_data(as_text=True)


def test_a_receiver_of_the_store_only_sees_no_receipt_elsewhere(app, receipt, store):
    add_user(store, "store-only", "receiver", "WH-STOCK")
    clerk = page_client(app, "store-only")
    assert "WH/IN/00043" not in clerk.get("/receive/receipts?location=ICU").get_data(as_text=True)
    assert "is not open" in clerk.get("/receive/receipt?name=WH/IN/00043").get_data(as_text=True)


def test_the_scanned_item_says_what_it_needs_and_its_expiry(app, store):
    receiver = page_client(app, "receiver")
    unit = "07612340000041"  # SYR-10ML, lot-tracked
    asked = receiver.get(f"/receive/item?scan={unit}").get_data(as_text=True)
    assert 'name="needs_lot" value="yes"' in asked
    soon = date.today() + timedelta(days=10)
    scan = f"01{unit}17{soon:%y%m%d}10L1"
    answer = receiver.get("/receive/item", query_string={"scan": scan}).get_data(as_text=True)
    assert 'name="needs_lot" value=""' in answer and 'value="L1"' in answer
    assert re.search(r'data-slot-show="expires_soon"\s*>', answer)  # shown, not hidden
    assert "not in the catalog" in receiver.get("/receive/item?scan=0100000000000017").get_data(as_text=True)


def test_expiry_state():
    today = date(2026, 11, 23)
    assert [expiry_state(day, today) for day in ("2026-11-22", "2026-11-23", "2027-02-21", "2027-02-22", "")] == \
        ["expired", "soon", "soon", "", ""]


def test_a_counter_counts_where_a_session_is_open_blind(app, client, store):
    counter = page_client(app, "counter")
    assert "No count is open at your locations" in counter.get("/count/").get_data(as_text=True)
    supervisor = Api(client, "desk").login("supervisor")
    session_id = client.post("/api/v1/count-sessions", json={"locations": ["ICU"]},
                             headers=supervisor.headers).get_json()["id"]
    page = counter.get("/count/").get_data(as_text=True)
    assert f'data-session="{session_id}"' in page and "Intensive care unit" in page
    item = counter.get("/count/item?scan=SYR-10ML").get_data(as_text=True)
    assert 'data-required-when="tracking=lot"' in item and "Expected" not in item and "on hand" not in item.lower()
    assert "Nothing to count again" in counter.get(f"/count/recount?count_session={session_id}&location=ICU")\
        .get_data(as_text=True)


def test_recount_requests_reach_the_counters_screen(app, client, store):
    supervisor = Api(client, "desk").login("supervisor")
    session_id = client.post("/api/v1/count-sessions", json={"locations": ["ICU"]},
                             headers=supervisor.headers).get_json()["id"]
    counter_device = Api(client, "count-tab").login("counter")
    counter_device.results(new_action("count", location="ICU", count_session=session_id,
                                      lines=[{"product": "GLV-N-M", "qty": 99}]))
    body = client.post(f"/api/v1/count-sessions/{session_id}/close", json={"apply": False},
                       headers=supervisor.headers).get_json()
    line = next(line for line in body["lines"] if line["product"] == "GLV-N-M")
    client.post(f"/api/v1/count-sessions/{session_id}/close",
                json={"decisions": [{"line": line["id"], "decision": "recount"}], "apply": False},
                headers=supervisor.headers)
    counter = page_client(app, "counter")
    asked = counter.get(f"/count/recount?count_session={session_id}&location=ICU").get_data(as_text=True)
    assert "GLV-N-M" in asked and "99" not in asked
    assert "GLV-N-M" not in counter.get(f"/count/recount?count_session={session_id}&location=ED").get_data(True)
