"""The exception queue: Odoo's refusals and the intake's, oldest first, with reasons in words and the raw scans;
retry, void with a reason, map an unknown barcode, or correct with a new action — the original never edited."""
import pytest
from sqlalchemy import select

from pwa.models import Action, AuditEntry, Barcode, Product, Rejection
from tests.conftest import Api, new_action
from tests.supervisor.helpers import add_user, page_client, payload_of, post_form, set_status, stored

pytestmark = pytest.mark.both_databases

UNKNOWN_GTIN = "07612349999995"  # a valid GTIN no demo product carries


@pytest.fixture
def desk(app):
    return page_client(app, "supervisor")


def odoo_refused(nurse, store, qty: int = 3, **fields) -> Action:
    action = new_action("issue", lines=[{"product": "SYR-10ML", "qty": qty}], **fields)
    assert nurse.results(action)[0]["status"] == "accepted"
    return set_status(store, action["id"], "needs_attention",
                      last_error="Odoo: the encounter's invoice is posted; it cannot take more lines.")


def refused_unknown(nurse) -> dict:
    action = new_action("waste", lines=[{"scan": f"01{UNKNOWN_GTIN}10LOT9", "qty": 2, "reason": "expired"}])
    result = nurse.results(action)[0]
    assert result["reason"] == "unknown_item"
    return action


def rejection_key(store, action_id: str) -> str:
    store.expire_all()
    return str(store.scalar(select(Rejection.id).where(Rejection.action_id == action_id)))


def test_queue_lists_odoo_and_intake_refusals_oldest_first_with_reasons_and_raw_scans(desk, nurse, store):
    first = odoo_refused(nurse, store)
    second = refused_unknown(nurse)
    page = desk.get("/supervisor/exceptions").get_data(as_text=True)
    assert page.index(first.id) < page.index(f"exception-rejection-{rejection_key(store, second['id'])}")
    assert "Odoo did not take it" in page and "the encounter&#39;s invoice is posted" in page
    assert "An item is not in the catalog" in page and f"01{UNKNOWN_GTIN}10LOT9" in page
    assert f"Map barcode <code>{UNKNOWN_GTIN}</code>" in page
    assert "<strong>2</strong> waiting for a decision" in page


def test_queue_is_for_supervisors_of_those_locations(app, nurse, store):
    action = odoo_refused(nurse, store)
    refused_unknown(nurse)
    assert page_client(app, "nurse").get("/supervisor/exceptions").status_code == 403
    assert page_client(app, "counter").get("/supervisor/exceptions").status_code == 403
    add_user(store, "sup-icu", "supervisor", "ICU")
    icu = page_client(app, "sup-icu")
    page = icu.get("/supervisor/exceptions").get_data(as_text=True)
    assert "Nothing is waiting" in page
    response = post_form(icu, f"/supervisor/exceptions/action/{action.id}/void", {"reason": "not mine"})
    assert response.status_code == 404
    assert stored(store, action.id).status == "needs_attention"


def test_void_needs_a_reason_and_is_audited(desk, nurse, store):
    action = odoo_refused(nurse, store)
    answer = post_form(desk, f"/supervisor/exceptions/action/{action.id}/void", {"reason": " "}, htmx=True)
    assert "Say why it is voided" in answer.get_data(as_text=True)
    assert stored(store, action.id).status == "needs_attention"
    answer = post_form(desk, f"/supervisor/exceptions/action/{action.id}/void",
                       {"reason": "Patient discharged, charge written off"}, htmx=True)
    assert answer.status_code == 200 and "Voided" in answer.get_data(as_text=True)
    voided = stored(store, action.id)
    assert voided.status == "voided" and voided.resolved_by == "supervisor"
    entry = store.scalar(select(AuditEntry).where(AuditEntry.event == "action_voided"))
    assert entry.actor == "supervisor" and entry.reason == "Patient discharged, charge written off"


def test_retry_puts_the_action_back_in_the_queue(desk, nurse, store):
    action = odoo_refused(nurse, store)
    response = post_form(desk, f"/supervisor/exceptions/action/{action.id}/retry")
    assert response.status_code == 302
    assert stored(store, action.id).status == "received"
    assert store.scalar(select(AuditEntry).where(AuditEntry.event == "action_retried")).actor == "supervisor"


def test_unknown_barcode_mapped_then_the_refused_action_retried_as_its_nurse(desk, nurse, store):
    action = refused_unknown(nurse)
    key = rejection_key(store, action["id"])
    rev_before = store.scalar(select(Product.rev).where(Product.ref == "GAU-10X10CM"))
    answer = post_form(desk, "/supervisor/barcodes", {"kind": "rejection", "key": key, "code": UNKNOWN_GTIN,
                                                      "product": "GAU-10X10CM", "qty": "1"}, htmx=True)
    assert "Mapped to GAU-10X10CM" in answer.get_data(as_text=True)
    store.expire_all()
    barcode = store.get(Barcode, UNKNOWN_GTIN)
    assert barcode.product.ref == "GAU-10X10CM"
    assert store.scalar(select(Product.rev).where(Product.ref == "GAU-10X10CM")) > rev_before
    assert UNKNOWN_GTIN in str(nurse.get("/api/v1/catalog").get_json()["products"])
    answer = post_form(desk, f"/supervisor/exceptions/rejection/{key}/retry", htmx=True)
    assert "Accepted into the journal" in answer.get_data(as_text=True)
    accepted = stored(store, action["id"])
    assert accepted.user.login == "nurse" and accepted.device_id == nurse.device_id
    assert accepted.lines[0]["ref"] == "GAU-10X10CM" and accepted.lines[0]["lot"] == "LOT9"
    assert store.get(Rejection, int(key)).status == "retried"
    events = set(store.scalars(select(AuditEntry.event)))
    assert {"barcode_mapped", "rejection_retried"} <= events
    assert "Nothing is waiting" in desk.get("/supervisor/exceptions").get_data(as_text=True)


def test_mapping_a_barcode_another_product_has_is_refused(desk, nurse, store):
    action = refused_unknown(nurse)
    key = rejection_key(store, action["id"])
    taken = store.scalar(select(Barcode.code).join(Product).where(Product.ref == "SYR-10ML", Barcode.qty == 1))
    answer = post_form(desk, "/supervisor/barcodes", {"kind": "rejection", "key": key, "code": taken,
                                                      "product": "GAU-10X10CM"}, htmx=True)
    assert "already names SYR-10ML" in answer.get_data(as_text=True)


def test_retry_of_a_refusal_still_wrong_says_why_and_keeps_it_open(desk, nurse, store):
    action = refused_unknown(nurse)
    key = rejection_key(store, action["id"])
    answer = post_form(desk, f"/supervisor/exceptions/rejection/{key}/retry", htmx=True)
    assert "Still refused" in answer.get_data(as_text=True)
    store.expire_all()
    assert store.get(Rejection, int(key)).status == "open"


def test_correcting_a_quantity_issues_a_new_action_and_voids_the_original_unchanged(desk, nurse, store):
    original = odoo_refused(nurse, store, qty=3)
    before = original.payload
    form = desk.get(f"/supervisor/exceptions/action/{original.id}/fix", headers={"HX-Request": "true"})
    assert 'name="qty-1"' in form.get_data(as_text=True)
    answer = post_form(desk, f"/supervisor/exceptions/action/{original.id}/fix",
                       {"qty-1": "2", "reason": "Nurse scanned one syringe twice"}, htmx=True)
    assert "Corrected: action" in answer.get_data(as_text=True)
    assert answer.headers["HX-Retarget"] == f"#exception-action-{original.id}"
    old = stored(store, original.id)
    assert old.status == "voided" and old.payload == before and "Replaced by corrected action" in old.resolution
    new = store.scalar(select(Action).where(Action.payload.contains(f'"corrects":"{original.id}"')))
    assert new.status == "received" and new.user.login == "supervisor" and new.encounter == original.encounter
    assert [(line["ref"], line["units"]) for line in new.lines] == [("SYR-10ML", 2.0)]
    assert payload_of(new)["made_by"] == "nurse"
    entry = store.scalar(select(AuditEntry).where(AuditEntry.event == "action_corrected"))
    assert entry.reason == "Nurse scanned one syringe twice" and entry.after["corrected_by"] == new.id


def test_correction_form_answers_its_errors_in_place(desk, nurse, store):
    original = odoo_refused(nurse, store)
    answer = post_form(desk, f"/supervisor/exceptions/action/{original.id}/fix", {"qty-1": "2"}, htmx=True)
    assert answer.status_code == 200 and "Say why the action is corrected" in answer.get_data(as_text=True)
    answer = post_form(desk, f"/supervisor/exceptions/action/{original.id}/fix",
                       {"qty-1": "-4", "reason": "x"}, htmx=True)
    assert "number of 0 or more" in answer.get_data(as_text=True)
    assert stored(store, original.id).status == "needs_attention"


def test_a_frozen_ward_refusal_is_corrected_from_the_desk(client, desk, nurse, store):
    supervisor = Api(client, "supervisor-desk").login("supervisor")
    client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"]}, headers=supervisor.headers)
    action = new_action("issue", lines=[{"product": "SYR-10ML", "qty": 1}])
    assert nurse.results(action)[0]["reason"] == "location_frozen"
    key = rejection_key(store, action["id"])
    answer = post_form(desk, f"/supervisor/exceptions/rejection/{key}/fix",
                       {"reason": "Issued during the count to a bleeding patient"}, htmx=True)
    assert "Corrected" in answer.get_data(as_text=True)
    new = store.scalar(select(Action).where(Action.payload.contains(f'"corrects":"{action["id"]}"')))
    assert new.type == "issue" and new.encounter == "ENC-2026-000123"
    assert store.get(Rejection, int(key)).status == "corrected"


def test_a_refusal_is_voided_without_reaching_the_journal(desk, nurse, store):
    action = refused_unknown(nurse)
    key = rejection_key(store, action["id"])
    response = post_form(desk, f"/supervisor/exceptions/rejection/{key}/void", {"reason": "Test scan"})
    assert response.status_code == 302
    store.expire_all()
    assert store.get(Rejection, int(key)).status == "voided"
    assert stored(store, action["id"]) is None
    assert store.scalar(select(AuditEntry).where(AuditEntry.event == "rejection_voided")).reason == "Test scan"
