"""POST /api/v1/actions: every action of a batch accepted once, recognised as a duplicate, or refused with a reason."""
import json
import uuid

import pytest
from sqlalchemy import func, select

from pwa.models import Action, Rejection
from tests.conftest import Api, new_action

pytestmark = pytest.mark.both_databases

# The demo catalog's SYR-10ML is a lot-tracked, billable syringe with a unit GTIN and a box-of-100 GTIN.


@pytest.fixture
def syringe_codes(journal):
    from pwa.models import Product
    product = journal.scalar(select(Product).where(Product.ref == "SYR-10ML"))
    unit = next(b.code for b in product.barcodes if b.qty == 1)
    pack = next(b for b in product.barcodes if b.qty != 1)
    return unit, pack.code, pack.qty


def journal_ids(journal) -> list[str]:
    journal.expire_all()
    return [row.id for row in journal.scalars(select(Action).order_by(Action.seq))]


def test_batch_is_journaled_in_order_with_user_and_device(nurse, journal):
    actions = [new_action("issue"), new_action("requisition"), new_action("waste",
               lines=[{"product": "SYR-10ML", "qty": 1, "reason": "expired"}])]
    results = nurse.results(*actions)
    assert [r["status"] for r in results] == ["accepted"] * 3
    assert [r["id"] for r in results] == [a["id"] for a in actions]
    assert journal_ids(journal) == [a["id"] for a in actions]
    stored = journal.scalar(select(Action).where(Action.id == actions[0]["id"]))
    assert stored.user.login == "nurse" and stored.device_id == "ward-4b-tab-2"
    assert stored.status == "received" and stored.encounter == "ENC-2026-000123"
    assert json.loads(stored.payload) == actions[0]
    assert stored.lines == [{"qty": 2.0, "ref": "SYR-10ML", "pack_qty": 1.0, "units": 2.0, "uom": "Units",
                             "billable": True, "tracking": "lot"}]


def test_same_id_same_payload_is_duplicate_and_stored_once(nurse, journal):
    action = new_action()
    assert nurse.results(action)[0]["status"] == "accepted"
    assert nurse.results(action)[0]["status"] == "duplicate"
    assert nurse.results(action, action)[1]["status"] == "duplicate"
    assert journal_ids(journal) == [action["id"]]


def test_repeat_inside_one_batch_is_duplicate(nurse, journal):
    action = new_action()
    assert [r["status"] for r in nurse.results(action, action)] == ["accepted", "duplicate"]
    assert journal_ids(journal) == [action["id"]]


def test_same_id_different_payload_is_id_conflict_and_original_kept(nurse, journal):
    action = new_action()
    nurse.results(action)
    changed = {**action, "lines": [{"product": "SYR-10ML", "qty": 5}]}
    result = nurse.results(changed)[0]
    assert result["status"] == "rejected" and result["reason"] == "id_conflict"
    journal.expire_all()
    assert json.loads(journal.scalar(select(Action.payload).where(Action.id == action["id"]))) == action


def test_scan_of_gs1_datamatrix_resolves_product_lot_and_expiry(nurse, journal, syringe_codes):
    unit, _, _ = syringe_codes
    scan = f"01{unit}17271231" + "10LOT42"
    action = new_action(lines=[{"scan": scan, "qty": 1}])
    assert nurse.results(action)[0]["status"] == "accepted"
    line = journal.scalar(select(Action).where(Action.id == action["id"])).lines[0]
    assert (line["ref"], line["lot"], line["expiry"], line["units"]) == ("SYR-10ML", "LOT42", "2027-12-31", 1.0)


def test_pack_barcode_counts_as_the_pack_quantity(nurse, journal, syringe_codes):
    _, pack, per_pack = syringe_codes
    action = new_action("requisition", lines=[{"product": pack, "qty": 2}])
    nurse.results(action)
    line = journal.scalar(select(Action).where(Action.id == action["id"])).lines[0]
    assert line["units"] == 2 * per_pack and line["pack_qty"] == per_pack


REFUSALS = [
    ("unknown_type", {"type": "steal"}),
    ("bad_id", {"id": "not-a-uuid"}),
    ("bad_id", {"id": 12345}),
    ("bad_quantity", {"lines": [{"product": "SYR-10ML", "qty": 0}]}),
    ("bad_quantity", {"lines": [{"product": "SYR-10ML", "qty": -1}]}),
    ("bad_quantity", {"lines": [{"product": "SYR-10ML", "qty": "2"}]}),
    ("bad_quantity", {"lines": [{"product": "SYR-10ML", "qty": True}]}),
    ("unknown_item", {"lines": [{"product": "NO-SUCH-THING", "qty": 1}]}),
    ("unknown_item", {"lines": [{"scan": "0100000000000017", "qty": 1}]}),
    ("bad_shape", {"lines": [{"scan": "\x00", "qty": 1}]}),
    ("bad_shape", {"lines": [{"scan": "0107612340000041\x0010", "qty": 1}]}),
    ("unknown_location", {"location": "WARD-99"}),
    ("location_not_allowed", {"location": "ICU"}),
    ("role_not_allowed", {"type": "receive"}),
    ("role_not_allowed", {"type": "count"}),
    ("missing_encounter", {"encounter": None}),
    ("bad_created_at", {"created_at": "yesterday"}),
    ("bad_created_at", {"created_at": "2026-11-23T10:00:00"}),
    ("bad_shape", {"lines": []}),
    ("bad_shape", {"lines": [{"qty": 1}]}),
    ("bad_shape", {"location": None}),
    ("device_mismatch", {"device_id": "someone-elses-tablet"}),
    ("unknown_user", {"user": "ghost"}),
    ("user_not_on_device", {"user": "supervisor"}),
]


@pytest.mark.parametrize("reason,change", REFUSALS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(REFUSALS)])
def test_refusal_has_code_and_sentence_and_spares_the_rest(nurse, journal, reason, change):
    bad = new_action()
    bad.update(change)
    if bad.get("encounter") is None:
        bad.pop("encounter", None)
    good_before, good_after = new_action(), new_action("requisition")
    results = nurse.results(good_before, bad, good_after)
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["reason"] == reason
    assert results[1]["message"] and len(results[1]["message"]) > 10
    assert journal_ids(journal) == [good_before["id"], good_after["id"]]
    assert journal.scalar(select(Rejection.reason)) == reason


def test_floor_charge_needs_no_encounter(nurse, journal):
    action = new_action(encounter=None, floor_charge=True)
    action.pop("encounter")
    assert nurse.results(action)[0]["status"] == "accepted"


def test_count_accepts_an_empty_shelf(client, journal):
    counter = Api(client, "counter-tab").login("counter")
    action = new_action("count", lines=[{"product": "SYR-10ML", "qty": 0}])
    assert counter.results(action)[0]["status"] == "accepted"


def test_shared_tablet_replays_each_users_actions_in_their_name(client, journal):
    tablet = Api(client, "shared-tab")
    tablet.login("supervisor")
    by_supervisor = new_action(user="supervisor")
    tablet.login("nurse")  # the nurse takes over the tablet; the supervisor's action is still queued
    by_nurse = new_action()
    assert [r["status"] for r in tablet.results(by_supervisor, by_nurse)] == ["accepted", "accepted"]
    journal.expire_all()
    makers = dict(journal.execute(select(Action.id, Action.user_id)).all())
    from pwa.models import User
    logins = {u.id: u.login for u in journal.scalars(select(User))}
    assert logins[makers[by_supervisor["id"]]] == "supervisor" and logins[makers[by_nurse["id"]]] == "nurse"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
def test_missing_or_invalid_token_is_401(client, journal, headers):
    response = client.post("/api/v1/actions", json={"actions": [new_action()]}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert journal_ids(journal) == []


@pytest.mark.parametrize("body,code", [("{not json", "malformed_json"), ("[]", "bad_shape"),
                                       ('{"actions": {}}', "bad_shape"), ('{"acts": []}', "bad_shape"),
                                       (b"\xff\xfe", "malformed_json")])
def test_malformed_body_is_400(nurse, body, code):
    response = nurse.client.post("/api/v1/actions", data=body, content_type="application/json",
                                 headers=nurse.headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_batch_over_the_action_limit_is_413_and_nothing_is_journaled(nurse, journal):
    response = nurse.post(*[new_action() for _ in range(501)])
    assert response.status_code == 413
    assert "500 actions" in response.get_json()["error"]["message"]
    assert journal_ids(journal) == []


def test_body_over_two_megabytes_is_413(nurse):
    huge = json.dumps({"actions": [new_action(note="x" * 400)] * 6000})
    response = nurse.client.post("/api/v1/actions", data=huge, content_type="application/json",
                                 headers=nurse.headers)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_wrong_method_is_json_405(nurse):
    response = nurse.client.delete("/api/v1/actions", headers=nurse.headers)
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_action_state_is_visible_in_scope_only(client, nurse):
    action = new_action()
    nurse.results(action)
    state = nurse.get(f"/api/v1/actions/{action['id']}")
    assert state.status_code == 200
    assert state.get_json() == {"id": action["id"], "type": "issue", "status": "received", "attempts": 0,
                                "last_error": None, "odoo": {}, "next_attempt_at": None}
    assert nurse.get(f"/api/v1/actions/{uuid.uuid4()}").status_code == 404
    store_receiver = Api(client, "store-handheld").login("receiver")  # scope includes Ward 4B
    assert store_receiver.get(f"/api/v1/actions/{action['id']}").status_code == 200
    admin = Api(client, "admin-desk").login("admin")  # no location scope at all
    assert admin.get(f"/api/v1/actions/{action['id']}").status_code == 404
