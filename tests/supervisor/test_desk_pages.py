"""The desk's other pages: count sessions run from the desk, the audit log and its CSV, the recall lookup, KPIs."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pwa.counts import lines_of
from pwa.models import CountSession, Location, Product, StockLevel
from tests.conftest import Api, new_action
from tests.supervisor.helpers import add_user, page_client, post_form, set_status

pytestmark = pytest.mark.both_databases


@pytest.fixture
def desk(app):
    return page_client(app, "supervisor")


def rows_of(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_desk_front_page_and_home_tile(desk, app):
    assert "Supervisor&#39;s desk" in desk.get("/").get_data(as_text=True)
    page = desk.get("/supervisor/").get_data(as_text=True)
    assert "Nothing waiting" in page and "No location is frozen" in page
    assert page_client(app, "nurse").get("/supervisor/").status_code == 403


# Count sessions from the desk

def test_count_from_the_desk_start_reconcile_approve_by_htmx_apply(desk, client, store):
    response = post_form(desk, "/supervisor/counts", {"location": ["WARD-4B"], "blind": "on", "note": "Monthly"},
                         page="/supervisor/counts")
    assert response.status_code == 302
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    page = desk.get(f"/supervisor/counts/{session_id}").get_data(as_text=True)
    assert "Counting — frozen" in page and "Nobody has counted yet" in page
    ref, qty = store.execute(select(Product.ref, StockLevel.qty).join(StockLevel.product).join(StockLevel.location)
                             .where(Location.code == "WARD-4B", Product.tracking == "none", StockLevel.qty > 10)
                             .order_by(Product.ref)).first()
    counter = Api(client, "count-tab").login("counter")
    counter.results(new_action("count", count_session=session_id, lines=[{"product": ref, "qty": qty + 9}]))
    post_form(desk, f"/supervisor/counts/{session_id}/reconcile", page=f"/supervisor/counts/{session_id}")
    page = desk.get(f"/supervisor/counts/{session_id}").get_data(as_text=True)
    assert "Reconciling — still frozen" in page and "over variance" in page and f"counter {qty + 9:g}" in page
    assert "Not ready to apply" in page
    response = post_form(desk, f"/supervisor/counts/{session_id}/apply", page=f"/supervisor/counts/{session_id}")
    assert "need your approval" in desk.get(response.headers["Location"]).get_data(as_text=True)
    store.expire_all()
    for line in lines_of(store, store.get(CountSession, session_id)):
        if line.decision == "pending":
            answer = post_form(desk, f"/supervisor/counts/{session_id}/lines/{line.id}", {"decision": "use_count"},
                               page=f"/supervisor/counts/{session_id}", htmx=True)
            assert f'id="line-{line.id}"' in answer.get_data(as_text=True)
            assert 'hx-swap-oob="true"' in answer.get_data(as_text=True)
    csv_rows = rows_of(desk.get(f"/supervisor/counts/{session_id}.csv"))
    assert any(row["product"] == ref and float(row["difference"]) == 9 for row in csv_rows)
    response = post_form(desk, f"/supervisor/counts/{session_id}/apply", page=f"/supervisor/counts/{session_id}")
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Count applied" in page and "Applied — freeze ended" in page
    store.expire_all()
    assert store.get(CountSession, session_id).status == "applied"


def test_count_from_the_desk_refuses_a_frozen_location_and_cancels_with_a_reason(desk, store):
    post_form(desk, "/supervisor/counts", {"location": ["ICU"]}, page="/supervisor/counts")
    response = post_form(desk, "/supervisor/counts", {"location": ["ICU"]}, page="/supervisor/counts")
    assert "already being counted" in desk.get(response.headers["Location"]).get_data(as_text=True)
    session_id = store.scalar(select(CountSession.id))
    response = post_form(desk, f"/supervisor/counts/{session_id}/cancel", {"reason": ""},
                         page=f"/supervisor/counts/{session_id}")
    assert "Say why" in desk.get(response.headers["Location"]).get_data(as_text=True)
    post_form(desk, f"/supervisor/counts/{session_id}/cancel", {"reason": "Wrong room"},
              page=f"/supervisor/counts/{session_id}")
    store.expire_all()
    assert store.get(CountSession, session_id).status == "cancelled"


def test_count_pages_are_for_supervisors_of_those_locations(app, desk, store):
    post_form(desk, "/supervisor/counts", {"location": ["WARD-4B"]}, page="/supervisor/counts")
    session_id = store.scalar(select(CountSession.id))
    add_user(store, "sup-icu", "supervisor", "ICU")
    assert page_client(app, "sup-icu").get(f"/supervisor/counts/{session_id}").status_code == 404
    assert page_client(app, "counter").get("/supervisor/counts").status_code == 403


# Audit log

def test_audit_log_shows_who_what_when_with_override_reasons_and_exports_csv(app, client, desk, nurse):
    supervisor = Api(client, "supervisor-desk").login("supervisor")
    client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"]}, headers=supervisor.headers)
    Api(client, nurse.device_id).login("supervisor")
    made = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc) + timedelta(days=1)
    action = new_action("issue", created_at=made.isoformat(),
                        override={"by": "supervisor", "reason": "Bleeding patient, cannot wait"})
    assert nurse.results(action)[0]["status"] == "accepted"
    page = desk.get("/supervisor/audit").get_data(as_text=True)
    assert "<strong>freeze override</strong>" in page and "Bleeding patient, cannot wait" in page
    assert "<strong>count session started</strong>" in page and made.strftime("%d %b %Y %H:%M") in page
    filtered = desk.get("/supervisor/audit?event=freeze_override").get_data(as_text=True)
    assert "<strong>count session started</strong>" not in filtered
    rows = rows_of(desk.get("/supervisor/audit.csv?event=freeze_override"))
    assert len(rows) == 1
    row = rows[0]
    assert (row["who"], row["role"], row["device"], row["reason"]) == (
        "supervisor", "supervisor", nurse.device_id, "Bleeding patient, cannot wait")
    assert row["device time"].startswith(made.isoformat()[:19]) and row["server time"]
    assert row["locations"] == "WARD-4B" and '"location": "WARD-4B"' in row["after"]
    assert page_client(app, "admin").get("/supervisor/audit").status_code == 200
    assert page_client(app, "nurse").get("/supervisor/audit").status_code == 403


def test_audit_log_of_another_ward_is_not_shown(app, client, nurse, store):
    supervisor = Api(client, "supervisor-desk").login("supervisor")
    client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"]}, headers=supervisor.headers)
    add_user(store, "sup-icu", "supervisor", "ICU")
    page = page_client(app, "sup-icu").get("/supervisor/audit").get_data(as_text=True)
    assert "<strong>count session started</strong>" not in page and "<strong>login</strong>" in page


# Recall

def test_recall_finds_receipt_holders_and_encounters_of_a_lot(client, desk, nurse, store):
    receiver = Api(client, "store-handheld").login("receiver")
    unit = store.scalar(select(Product).where(Product.ref == "SYR-10ML")).barcodes[0].code
    assert receiver.results(new_action("receive", location="WH-STOCK", receipt="WH/IN/00042", lines=[
        {"scan": f"01{unit}17280131" + "10RC-77", "qty": 50, "receipt": "WH/IN/00042"}]))[0]["status"] == "accepted"
    assert nurse.results(new_action("issue", encounter="ENC-2026-000777",
                                    lines=[{"product": "SYR-10ML", "qty": 2, "lot": "RC-77"}]))[0]["status"] == \
        "accepted"
    assert nurse.results(new_action("issue", encounter="ENC-2026-000888",
                                    lines=[{"product": "SYR-10ML", "qty": 1, "lot": "OTHER"}]))[0]["status"] == \
        "accepted"
    page = desk.get("/supervisor/recall?product=SYR-10ML&lot=rc-77").get_data(as_text=True)
    assert "ENC-2026-000777" in page and "ENC-2026-000888" not in page
    assert "WH/IN/00042" in page and "WH-STOCK" in page and "issued to <strong>1</strong> encounter" in page
    scanned = desk.get(f"/supervisor/recall?product=01{unit}10RC-77").get_data(as_text=True)
    assert "lot RC-77" in scanned and "ENC-2026-000777" in scanned
    rows = rows_of(desk.get("/supervisor/recall.csv?product=SYR-10ML&lot=RC-77"))
    assert {row["what"] for row in rows} >= {"received", "issued to a patient", "held now (last known)"}
    assert any(row["encounter"] == "ENC-2026-000777" and row["quantity"] == "2" for row in rows)
    assert any(row["what"] == "held now (last known)" and row["location"] == "WH-STOCK" for row in rows)
    assert "No product" in desk.get("/supervisor/recall?product=NOPE").get_data(as_text=True)


# KPIs

def test_kpis_page_draws_every_chart_and_each_has_a_csv(desk, nurse, store):
    charged = new_action("issue", lines=[{"product": "SYR-10ML", "qty": 1}])
    waiting = new_action("issue", lines=[{"product": "SYR-10ML", "qty": 1}])
    refused = new_action("issue", lines=[{"product": "SYR-10ML", "qty": 1}])
    nurse.results(charged, waiting, refused)
    set_status(store, charged["id"], "synced", odoo_refs={"invoice": 9, "invoice_lines": [31]})
    set_status(store, refused["id"], "needs_attention", last_error="Odoo said no")
    page = desk.get("/supervisor/kpis").get_data(as_text=True)
    for title in ("Sync backlog", "Exceptions by age", "Items below par", "Stockouts", "Charge capture",
                  "Count accuracy", "Count variance value"):
        assert title in page
    assert page.count("<svg") >= 5 and "<script>" not in page
    assert "1 action(s) not yet in Odoo" in page and "33 % of 3 billable line(s)" in page
    backlog = rows_of(desk.get("/supervisor/kpis/sync-backlog.csv"))
    assert backlog[0]["location"] == "WARD-4B" and backlog[0]["waiting"] == "1"
    capture = rows_of(desk.get("/supervisor/kpis/charge-capture.csv"))
    assert capture == [{"location": "WARD-4B", "billable lines issued": "3", "charged": "1", "waiting for Odoo": "1",
                        "not charged": "1", "rate": "33 %"}]
    stockouts = rows_of(desk.get("/supervisor/kpis/stockouts.csv"))
    assert all(float(row["on hand"]) <= 0 for row in stockouts)
    below = rows_of(desk.get("/supervisor/kpis/below-par.csv"))
    assert below and all(float(row["on hand"]) < float(row["min"]) for row in below)
    assert len(rows_of(desk.get("/supervisor/kpis/exceptions-by-age.csv"))) == 1
    assert desk.get("/supervisor/kpis/nope.csv").status_code == 404


def test_count_kpis_after_an_applied_count(client, desk, store):
    supervisor = Api(client, "supervisor-desk").login("supervisor")
    session_id = client.post("/api/v1/count-sessions", json={"locations": ["ICU"]},
                             headers=supervisor.headers).get_json()["id"]
    body = client.post(f"/api/v1/count-sessions/{session_id}/close", json={"apply": False},
                       headers=supervisor.headers).get_json()
    decisions = [{"line": line["id"], "decision": "use_count"} for line in body["lines"]]
    body = client.post(f"/api/v1/count-sessions/{session_id}/close", json={"decisions": decisions},
                       headers=supervisor.headers).get_json()
    assert body["status"] == "applied"
    lines = body["lines"]
    accuracy = rows_of(desk.get("/supervisor/kpis/count-accuracy.csv"))
    within = sum(1 for line in lines if not line["needs_approval"])
    assert accuracy[0]["lines"] == str(len(lines)) and accuracy[0]["within variance"] == str(within)
    variance = rows_of(desk.get("/supervisor/kpis/count-variance-value.csv"))
    expected = round(sum(abs(line["value_difference"]) for line in lines), 2)
    assert abs(float(variance[0]["absolute value"]) - expected) < 0.05


def test_desk_pages_carry_no_inline_script(desk):
    for path in ("/supervisor/", "/supervisor/exceptions", "/supervisor/counts", "/supervisor/kpis",
                 "/supervisor/recall?product=SYR-10ML", "/supervisor/audit"):
        response = desk.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "<script>" not in html and " onclick=" not in html and "style=" not in html, path
