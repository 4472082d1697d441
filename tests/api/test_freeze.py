"""The stock freeze at the intake: a location being counted refuses stock moves unless made before the freeze or
overridden by a supervisor on the device; devices learn the freeze with the catalog."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pwa.models import Action, AuditEntry, Rejection
from tests.conftest import Api, new_action

pytestmark = pytest.mark.both_databases


def start_count(client, *codes: str, device: str = "supervisor-desk") -> tuple[Api, str]:
    supervisor = Api(client, device).login("supervisor")
    response = supervisor.client.post("/api/v1/count-sessions", json={"locations": list(codes), "blind": True},
                                      headers=supervisor.headers)
    assert response.status_code == 201, response.get_json()
    return supervisor, response.get_json()["id"]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_issue_return_waste_and_arrival_at_a_frozen_ward_are_refused_with_a_clear_message(client, nurse, journal):
    start_count(client, "WARD-4B")
    refused = [new_action("issue"), new_action("return", lines=[{"product": "SYR-10ML", "qty": 1}]),
               new_action("waste", lines=[{"product": "SYR-10ML", "qty": 1, "reason": "expired"}]),
               new_action("transfer_confirm", transfer="WH/INT/00042")]
    results = nurse.results(*refused, new_action("requisition"))
    assert [r["status"] for r in results] == ["rejected"] * 4 + ["accepted"]
    assert {r["reason"] for r in results[:4]} == {"location_frozen"}
    assert results[0]["message"] == "Ward 4B is being counted — ask your supervisor to override."
    journal.expire_all()
    assert journal.scalar(select(Rejection).where(Rejection.action_id == refused[0]["id"])).reason == \
        "location_frozen"


def test_other_locations_are_not_frozen(client, journal):
    supervisor, _ = start_count(client, "ICU")
    nurse = Api(client).login("nurse")
    assert nurse.results(new_action("issue"))[0]["status"] == "accepted"


def test_action_made_before_the_freeze_is_accepted_when_it_arrives_late(client, nurse):
    made = iso(datetime.now(timezone.utc) - timedelta(minutes=5))
    start_count(client, "WARD-4B")
    assert nurse.results(new_action("issue", created_at=made))[0]["status"] == "accepted"


def test_supervisor_override_on_the_device_is_accepted_and_audited(client, nurse, journal):
    start_count(client, "WARD-4B")
    Api(client, nurse.device_id).login("supervisor")  # the supervisor signs in on the ward tablet
    action = new_action("issue", override={"by": "supervisor", "reason": "Patient in theatre needs it now"})
    assert nurse.results(action)[0]["status"] == "accepted"
    assert nurse.results(action)[0]["status"] == "duplicate"
    journal.expire_all()
    entries = journal.scalars(select(AuditEntry).where(AuditEntry.event == "freeze_override")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.reason, entry.device_id) == ("supervisor", "Patient in theatre needs it now",
                                                            nurse.device_id)
    assert entry.subject == f"action {action['id']}" and entry.after["location"] == "WARD-4B"
    assert journal.scalar(select(Action).where(Action.id == action["id"])).user.login == "nurse"


@pytest.mark.parametrize("override,reason", [
    ({"by": "supervisor", "reason": "   "}, "bad_override"),
    ({"by": "supervisor"}, "bad_override"),
    ("please", "bad_override"),
    ({"by": "nurse", "reason": "I am sure"}, "override_not_allowed"),
    ({"by": "ghost", "reason": "urgent"}, "override_not_allowed"),
    ({"by": "supervisor", "reason": "urgent"}, "override_not_allowed"),  # not signed in on this tablet
])
def test_override_needs_an_active_supervisor_signed_in_here_and_a_reason(client, nurse, override, reason):
    start_count(client, "WARD-4B")
    result = nurse.results(new_action("issue", override=override))[0]
    assert result["status"] == "rejected" and result["reason"] == reason


def test_disabled_supervisor_cannot_override(client, nurse, journal):
    from pwa.models import User
    start_count(client, "WARD-4B")
    Api(client, nurse.device_id).login("supervisor")
    journal.scalar(select(User).where(User.login == "supervisor")).active = False
    journal.commit()
    result = nurse.results(new_action("issue", override={"by": "supervisor", "reason": "urgent"}))[0]
    assert result["reason"] == "override_not_allowed"


def test_devices_learn_the_freeze_with_the_catalog_and_it_ends_with_the_session(client, nurse):
    supervisor, session_id = start_count(client, "WARD-4B")
    freezes = nurse.get("/api/v1/catalog").get_json()["freezes"]
    assert [(f["session"], f["locations"], f["blind"]) for f in freezes] == [(session_id, ["WARD-4B"], True)]
    since = nurse.get("/api/v1/catalog").get_json()["cursor"]
    assert nurse.get(f"/api/v1/catalog?since={since}").get_json()["freezes"] == freezes
    counter = Api(client, "count-tab").login("counter")
    assert counter.get("/api/v1/catalog").get_json()["freezes"][0]["session"] == session_id
    response = client.post(f"/api/v1/count-sessions/{session_id}/cancel", json={"reason": "Wrong ward"},
                           headers=supervisor.headers)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert nurse.get("/api/v1/catalog").get_json()["freezes"] == []
    assert nurse.results(new_action("issue"))[0]["status"] == "accepted"


def test_a_freeze_elsewhere_is_not_sent_to_a_ward_device(client, nurse):
    start_count(client, "ICU")
    assert nurse.get("/api/v1/catalog").get_json()["freezes"] == []


def test_count_for_a_session_that_is_not_open_here_is_refused(client):
    counter = Api(client, "count-tab").login("counter")
    _, session_id = start_count(client, "ICU")
    for session in ("no-such-session", session_id):
        action = new_action("count", location="WARD-4B", count_session=session,
                            lines=[{"product": "SYR-10ML", "qty": 3}])
        result = counter.results(action)[0]
        assert result["status"] == "rejected" and result["reason"] == "count_session_closed"
