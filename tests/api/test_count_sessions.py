"""Count sessions over API v1: a supervisor freezes a ward, counters count blind and add up, the supervisor
reconciles against the snapshot and the moves made after it, recounts or approves, and the result is journaled."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pwa.models import Action, AuditEntry, CountSession, Location, Product, StockLevel, User
from tests.conftest import Api, new_action

pytestmark = pytest.mark.both_databases


@pytest.fixture
def supervisor(client) -> Api:
    return Api(client, "supervisor-desk").login("supervisor")


def add_user(journal, login: str, roles: str, *codes: str) -> None:
    """Another user like the demo's (password demo) with these roles and locations."""
    demo_hash = journal.scalar(select(User.password_hash).where(User.login == "nurse"))
    journal.add(User(login=login, password_hash=demo_hash, roles=roles,
                     locations=list(journal.scalars(select(Location).where(Location.code.in_(codes))))))
    journal.commit()


@pytest.fixture
def counters(client, journal) -> tuple[Api, Api]:
    add_user(journal, "counter2", "counter", "WARD-4B", "ICU")
    return Api(client, "count-tab-1").login("counter"), Api(client, "count-tab-2").login("counter2")


@pytest.fixture
def shelf(journal) -> list[tuple[str, float, float]]:
    """Untracked products the demo says Ward 4B holds: (ref, quantity on hand, price), most stocked first."""
    rows = journal.execute(select(Product.ref, StockLevel.qty, Product.price).join(StockLevel.product)
                           .join(StockLevel.location).where(Location.code == "WARD-4B", Product.tracking == "none",
                                                            StockLevel.qty >= 8)
                           .order_by(StockLevel.qty.desc(), Product.ref)).all()
    assert len(rows) >= 3
    return [(ref, qty, float(price)) for ref, qty, price in rows]


def post(api: Api, path: str, body: dict | None = None):
    return api.client.post(path, json=body if body is not None else {}, headers=api.headers)


def start(api: Api, *codes: str, blind: bool = True) -> str:
    response = post(api, "/api/v1/count-sessions", {"locations": list(codes), "blind": blind})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def count(api: Api, session_id: str, *lines: dict, location: str = "WARD-4B", **fields) -> dict:
    action = new_action("count", location=location, count_session=session_id, lines=list(lines), **fields)
    assert api.results(action)[0]["status"] == "accepted"
    return action


def close(api: Api, session_id: str, decisions=(), apply: bool = True) -> dict:
    response = post(api, f"/api/v1/count-sessions/{session_id}/close",
                    {"decisions": [{"line": line, "decision": d} for line, d in decisions], "apply": apply})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def line_of(body: dict, ref: str, lot: str | None = None) -> dict:
    return next(line for line in body["lines"] if line["product"] == ref and line["lot"] == lot)


def test_create_freezes_and_snapshots_what_is_known(supervisor, journal, shelf):
    session_id = start(supervisor, "WARD-4B")
    stored = journal.get(CountSession, session_id)
    assert stored.status == "counting" and stored.started_by == "supervisor" and stored.blind
    assert [loc.code for loc in stored.locations] == ["WARD-4B"]
    body = supervisor.get(f"/api/v1/count-sessions/{session_id}").get_json()
    assert body["status"] == "counting" and body["locations"] == [{"code": "WARD-4B", "name": "Ward 4B"}]
    assert journal.scalar(select(AuditEntry).where(AuditEntry.event == "count_session_started")).actor == "supervisor"


@pytest.mark.parametrize("login", ["nurse", "counter", "receiver", "admin"])
def test_only_a_supervisor_starts_or_closes_a_session(client, supervisor, login):
    other = Api(client, f"{login}-tab").login(login)
    response = post(other, "/api/v1/count-sessions", {"locations": ["WARD-4B"], "blind": True})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    session_id = start(supervisor, "WARD-4B")
    assert post(other, f"/api/v1/count-sessions/{session_id}/close").status_code == 403
    assert post(other, f"/api/v1/count-sessions/{session_id}/cancel", {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("body,status,code", [
    ({"locations": ["WARD-99"]}, 400, "unknown_location"),
    ({"locations": ["SCRAP"]}, 400, "not_countable"),
    ({"locations": []}, 400, "bad_shape"),
    ({"locations": "WARD-4B"}, 400, "bad_shape"),
    ({"locations": ["WARD-4B"], "blind": "yes"}, 400, "bad_shape"),
    ({"locations": [7]}, 400, "bad_shape"),
])
def test_bad_requests_are_refused_in_json(supervisor, body, status, code):
    response = post(supervisor, "/api/v1/count-sessions", body)
    assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_a_location_is_frozen_by_one_session_at_a_time(supervisor):
    start(supervisor, "WARD-4B")
    response = post(supervisor, "/api/v1/count-sessions", {"locations": ["ICU", "WARD-4B"]})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_frozen"
    start(supervisor, "ICU")


def test_supervisor_outside_the_location_cannot_start_or_see_it(client, journal, supervisor):
    add_user(journal, "sup-icu", "supervisor", "ICU")
    icu_supervisor = Api(client, "icu-desk").login("sup-icu")
    response = post(icu_supervisor, "/api/v1/count-sessions", {"locations": ["WARD-4B"]})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "location_not_allowed"
    session_id = start(supervisor, "WARD-4B")
    assert icu_supervisor.get(f"/api/v1/count-sessions/{session_id}").status_code == 404
    assert post(icu_supervisor, f"/api/v1/count-sessions/{session_id}/close").status_code == 404


def test_two_counters_add_up_each_attributed_and_see_nothing_expected(client, supervisor, counters, shelf):
    (ref, on_hand, _), first, second = shelf[0], *counters
    session_id = start(supervisor, "WARD-4B")
    count(first, session_id, {"product": ref, "qty": 3})
    count(second, session_id, {"product": ref, "qty": on_hand - 3})
    mine = first.get(f"/api/v1/count-sessions/{session_id}").get_json()
    assert "lines" not in mine and "expected" not in mine
    assert [(c["product"], c["qty"], c["user"]) for c in mine["counts"]] == [(ref, 3, "counter")]
    assert len(mine["counts"]) == 1
    listed = first.get("/api/v1/count-sessions").get_json()["sessions"]
    assert [s["id"] for s in listed] == [session_id]
    body = close(supervisor, session_id, apply=False)
    line = line_of(body, ref)
    assert line["expected"] == on_hand and line["counted"] == on_hand and line["difference"] == 0
    assert sorted(c["qty"] for c in line["counts"]) == sorted([3, on_hand - 3])
    assert sorted((c["user"], c["qty"]) for c in line["counts"]) == sorted([("counter", 3),
                                                                            ("counter2", on_hand - 3)])


def test_counters_lines_never_reach_the_sync_queue_by_themselves(supervisor, counters, journal, shelf):
    session_id = start(supervisor, "WARD-4B")
    action = count(counters[0], session_id, {"product": shelf[0][0], "qty": 1})
    journal.expire_all()
    stored = journal.scalar(select(Action).where(Action.id == action["id"]))
    assert stored.status == "resolved" and session_id in stored.resolution


def test_lots_are_counted_apart(supervisor, counters, shelf):
    session_id = start(supervisor, "WARD-4B")
    count(counters[0], session_id, {"product": "SYR-10ML", "qty": 4, "lot": "A1"})
    count(counters[1], session_id, {"product": "SYR-10ML", "qty": 2, "lot": "B2"},
          {"product": "SYR-10ML", "qty": 1, "lot": "A1"})
    body = close(supervisor, session_id, apply=False)
    assert line_of(body, "SYR-10ML", "A1")["counted"] == 5
    assert line_of(body, "SYR-10ML", "B2")["counted"] == 2


def test_within_variance_closes_and_applies_at_once_then_the_freeze_ends(client, supervisor, counters, journal,
                                                                        shelf, nurse):
    session_id = start(supervisor, "WARD-4B")
    counted = {ref: qty for ref, qty, _ in shelf[:3]}
    count(counters[0], session_id, *[{"product": ref, "qty": qty} for ref, qty in counted.items()])
    snapshot = close(supervisor, session_id, apply=False)
    others = [line for line in snapshot["lines"] if line["product"] not in counted]
    decisions = [(line["id"], "use_count") for line in others if line["needs_approval"]]
    body = close(supervisor, session_id, decisions)
    assert body["status"] == "applied" and body["ended_by"] == "supervisor"
    journal.expire_all()
    made = journal.scalars(select(Action).where(Action.device_id == "server")).all()
    assert len(made) == 1
    result = made[0]
    assert (result.type, result.location_code, result.user.login, result.status) == \
        ("count", "WARD-4B", "supervisor", "received")
    assert '"generated_by":"count_session"' in result.payload and session_id in result.payload
    quantities = {line["ref"]: line["units"] for line in result.lines}
    assert all(quantities[ref] == qty for ref, qty in counted.items())
    assert all(quantities[line["product"]] == 0 for line in others)  # expected but not found on the shelf
    assert nurse.get("/api/v1/catalog").get_json()["freezes"] == []
    assert nurse.results(new_action("issue"))[0]["status"] == "accepted"
    assert post(supervisor, f"/api/v1/count-sessions/{session_id}/close").status_code == 409
    assert journal.scalar(select(AuditEntry).where(AuditEntry.event == "count_session_applied")).actor == \
        "supervisor"


def test_difference_above_the_variance_waits_for_approval(supervisor, counters, journal, shelf):
    ref, on_hand, _ = shelf[0]
    session_id = start(supervisor, "WARD-4B")
    count(counters[0], session_id, {"product": ref, "qty": on_hand + 6})
    body = close(supervisor, session_id)
    line = line_of(body, ref)
    assert body["status"] == "reconciling" and line["needs_approval"] and line["decision"] == "pending"
    assert line["difference"] == 6 and body["pending"]["approval"] >= 1
    journal.expire_all()
    assert journal.scalars(select(Action).where(Action.device_id == "server")).all() == []
    rest = [(other["id"], "use_count") for other in body["lines"] if other["decision"] == "pending"]
    body = close(supervisor, session_id, rest)
    assert body["status"] == "applied"
    approved = journal.scalars(select(AuditEntry).where(AuditEntry.event == "count_line_approved")).all()
    assert any(entry.after["product"] == ref and entry.after["difference"] == 6 for entry in approved)


def test_value_variance_needs_approval_even_for_few_units(app, supervisor, counters, shelf):
    app.config["COUNT_VARIANCE_VALUE"] = 0.01
    ref, on_hand, price = next(item for item in shelf if item[2] > 0)
    session_id = start(supervisor, "WARD-4B")
    count(counters[0], session_id, {"product": ref, "qty": on_hand - 1})
    line = line_of(close(supervisor, session_id, apply=False), ref)
    assert line["needs_approval"] and line["value_difference"] == round(-price, 2)


def test_recount_replaces_the_line_with_the_new_count(supervisor, counters, shelf):
    ref, on_hand, _ = shelf[0]
    session_id = start(supervisor, "WARD-4B")
    count(counters[0], session_id, {"product": ref, "qty": on_hand + 20})
    line = line_of(close(supervisor, session_id, apply=False), ref)
    body = close(supervisor, session_id, [(line["id"], "recount")])
    assert body["status"] == "reconciling" and body["pending"]["recount"] == 1
    told = counters[1].get(f"/api/v1/count-sessions/{session_id}").get_json()["recount"]
    assert told == [{"location": "WARD-4B", "product": ref, "lot": None}]
    assert line_of(close(supervisor, session_id, apply=False), ref)["counted"] == on_hand + 20  # still waiting
    later = (datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat()
    count(counters[1], session_id, {"product": ref, "qty": on_hand}, created_at=later)
    body = close(supervisor, session_id, apply=False)
    line = line_of(body, ref)
    assert line["counted"] == on_hand and line["decision"] == "use_count" and body["pending"]["recount"] == 0


def test_moves_after_the_snapshot_are_accounted_for_not_overwritten(client, supervisor, counters, nurse, journal,
                                                                    shelf):
    """An issue made before the freeze but sent after it, and an override issue made after the item was counted:
    the first lowers what the shelf should hold at the count, the second is kept on top of the count."""
    (early_ref, early_qty, _), (late_ref, late_qty, _) = shelf[0], shelf[1]
    before_freeze = (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat()
    session_id = start(supervisor, "WARD-4B")
    assert nurse.results(new_action("issue", created_at=before_freeze,
                                    lines=[{"product": early_ref, "qty": 2}]))[0]["status"] == "accepted"
    count(counters[0], session_id, {"product": early_ref, "qty": early_qty - 2},
          {"product": late_ref, "qty": late_qty})
    Api(client, nurse.device_id).login("supervisor")
    after_count = (datetime.now(timezone.utc) + timedelta(seconds=2)).isoformat()
    override = {"by": "supervisor", "reason": "Emergency on bed 4"}
    assert nurse.results(new_action("issue", created_at=after_count, override=override,
                                    lines=[{"product": late_ref, "qty": 3}]))[0]["status"] == "accepted"
    body = close(supervisor, session_id, apply=False)
    early, late = line_of(body, early_ref), line_of(body, late_ref)
    assert (early["expected"], early["moved_before_count"], early["expected_at_count"], early["difference"]) == \
        (early_qty, -2, early_qty - 2, 0)
    assert (late["moved_before_count"], late["moved_after_count"], late["difference"], late["apply_qty"]) == \
        (0, -3, 0, late_qty - 3)
    pending = [(line["id"], "use_count") for line in body["lines"] if line["decision"] == "pending"]
    assert close(supervisor, session_id, pending)["status"] == "applied"
    journal.expire_all()
    result = journal.scalar(select(Action).where(Action.device_id == "server"))
    units = {line["ref"]: line["units"] for line in result.lines}
    assert units[early_ref] == early_qty - 2 and units[late_ref] == late_qty - 3


def test_counts_after_close_still_join_while_reconciling_but_not_after_apply(supervisor, counters, shelf):
    ref, on_hand, _ = shelf[0]
    session_id = start(supervisor, "WARD-4B")
    close(supervisor, session_id, apply=False)
    count(counters[0], session_id, {"product": ref, "qty": on_hand})
    body = close(supervisor, session_id, apply=False)
    assert line_of(body, ref)["counted"] == on_hand
    close(supervisor, session_id, [(line["id"], "use_count") for line in body["lines"]
                                   if line["decision"] == "pending"])
    late = new_action("count", location="WARD-4B", count_session=session_id, lines=[{"product": ref, "qty": 1}])
    assert counters[0].results(late)[0]["reason"] == "count_session_closed"


def test_bad_close_bodies_are_refused(supervisor):
    session_id = start(supervisor, "WARD-4B")
    for body in ({"decisions": "all"}, {"decisions": [{"line": "x", "decision": "use_count"}]},
                 {"decisions": [{"line": 1, "decision": "maybe"}]}, {"apply": "yes"}):
        response = post(supervisor, f"/api/v1/count-sessions/{session_id}/close", body)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_shape"
    response = post(supervisor, f"/api/v1/count-sessions/{session_id}/close",
                    {"decisions": [{"line": 999999, "decision": "use_count"}]})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "unknown_line"


def test_unknown_session_is_404_and_a_token_is_needed(client, supervisor):
    assert supervisor.get("/api/v1/count-sessions/nope").status_code == 404
    assert client.get("/api/v1/count-sessions").status_code == 401
    assert client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"]}).status_code == 401


def test_an_empty_shelf_is_a_count_of_zero(supervisor, counters, shelf):
    ref, on_hand, _ = shelf[0]
    session_id = start(supervisor, "WARD-4B")
    count(counters[0], session_id, {"product": ref, "qty": 0})
    line = line_of(close(supervisor, session_id, apply=False), ref)
    assert line["counted"] == 0 and line["difference"] == -on_hand and line["counts"][0]["qty"] == 0
