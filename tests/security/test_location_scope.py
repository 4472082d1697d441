"""Location scope, enforced on the server: a user of Ward 4B cannot act on ICU or see it, through the API or the
pages — and a supervisor of ICU decides nothing about Ward 4B."""
import pytest
from sqlalchemy import select

from pwa.models import Action
from tests.conftest import Api, new_action
from tests.supervisor.helpers import add_user, page_client, post_form, set_status

pytestmark = pytest.mark.both_databases


@pytest.fixture
def icu(store):
    add_user(store, "nurse-icu", "requester", "ICU")
    add_user(store, "sup-icu", "supervisor", "ICU")
    add_user(store, "counter-4b", "counter", "WARD-4B")


def test_a_ward_4b_nurse_cannot_act_on_icu_or_read_its_actions(client, nurse, icu):
    result = nurse.results(new_action("issue", location="ICU"))[0]
    assert result["reason"] == "location_not_allowed"
    icu_nurse = Api(client, "icu-tab").login("nurse-icu")
    theirs = new_action("issue", location="ICU")
    assert icu_nurse.results(theirs)[0]["status"] == "accepted"
    assert nurse.get(f"/api/v1/actions/{theirs['id']}").status_code == 404
    assert icu_nurse.get(f"/api/v1/actions/{theirs['id']}").status_code == 200
    catalog = nurse.get("/api/v1/catalog").get_json()
    assert {loc["code"] for loc in catalog["locations"]} == {"WARD-4B"}
    assert {row["location"] for row in catalog["par"]} == {"WARD-4B"}


def test_a_user_may_not_record_in_someone_elses_name_outside_their_device(client, nurse, icu):
    result = nurse.results(new_action("issue", user="nurse-icu"))[0]
    assert result["reason"] == "user_not_on_device"


def test_count_sessions_stay_within_the_supervisors_and_counters_locations(client, icu):
    supervisor = Api(client, "desk").login("supervisor")
    icu_supervisor = Api(client, "icu-desk").login("sup-icu")
    response = client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"]}, headers=icu_supervisor.headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "location_not_allowed"
    icu_session = client.post("/api/v1/count-sessions", json={"locations": ["ICU"]},
                              headers=supervisor.headers).get_json()["id"]
    ward_counter = Api(client, "4b-count").login("counter-4b")
    assert ward_counter.get(f"/api/v1/count-sessions/{icu_session}").status_code == 404
    assert ward_counter.get("/api/v1/count-sessions").get_json()["sessions"] == []
    count = new_action("count", location="ICU", count_session=icu_session, lines=[{"product": "GLV-N-M", "qty": 1}])
    assert ward_counter.results(count)[0]["reason"] == "location_not_allowed"
    ward_session = client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"]},
                               headers=supervisor.headers).get_json()["id"]
    for path in (f"/api/v1/count-sessions/{ward_session}", f"/api/v1/count-sessions/{ward_session}/close"):
        response = client.post(path, json={}, headers=icu_supervisor.headers) if path.endswith("close") else \
            icu_supervisor.get(path)
        assert response.status_code == 404


def test_a_supervisor_of_icu_cannot_override_a_ward_4b_freeze(client, nurse, icu):
    supervisor = Api(client, "desk").login("supervisor")
    client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"]}, headers=supervisor.headers)
    Api(client, nurse.device_id).login("sup-icu")
    result = nurse.results(new_action("issue", override={"by": "sup-icu", "reason": "urgent"}))[0]
    assert result["reason"] == "override_not_allowed"


def test_desk_pages_of_an_icu_supervisor_show_and_decide_nothing_of_ward_4b(app, nurse, store, icu):
    ward = new_action("issue", encounter="ENC-2026-000555", lines=[{"product": "SYR-10ML", "qty": 1, "lot": "Q1"}])
    nurse.results(ward)
    set_status(store, ward["id"], "needs_attention", last_error="Odoo refused")
    desk = page_client(app, "sup-icu")
    assert ward["id"] not in desk.get("/supervisor/exceptions").get_data(as_text=True)
    for verb in ("retry", "void", "fix"):
        response = post_form(desk, f"/supervisor/exceptions/action/{ward['id']}/{verb}", {"reason": "x"})
        assert response.status_code == 404, verb
    assert ward["id"] not in desk.get("/journal").get_data(as_text=True)
    assert "ENC-2026-000555" not in desk.get("/supervisor/recall?product=SYR-10ML&lot=Q1").get_data(as_text=True)
    assert "WARD-4B" not in desk.get("/supervisor/kpis/sync-backlog.csv").get_data(as_text=True)
    store.expire_all()
    assert store.scalar(select(Action.status).where(Action.id == ward["id"])) == "needs_attention"
    ward_desk = page_client(app, "supervisor")
    assert ward["id"] in ward_desk.get("/supervisor/exceptions").get_data(as_text=True)
