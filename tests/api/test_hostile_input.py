"""Random and hostile JSON never makes a 500, and the journal holds exactly the actions that were accepted."""
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from pwa.models import Action
from tests.conftest import new_action

pytestmark = pytest.mark.both_databases

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)

field_values = st.one_of(json_values, st.sampled_from(
    ["issue", "count", "WARD-4B", "ICU", "SYR-10ML", "ENC-1", "2026-11-23T10:00:00Z", "nurse", "ward-4b-tab-2",
     "01076123450000171727123110AB", "\x00", "' OR 1=1 --", "<script>alert(1)</script>", "ü" * 300, 1e308, -0.0,
     2 ** 70]))

line = st.fixed_dictionaries({}, optional={"scan": field_values, "product": field_values, "qty": field_values,
                                           "lot": field_values, "expiry": field_values, "reason": field_values})
mutated_action = st.builds(
    lambda base, changes: {**base, **changes},
    st.builds(lambda: new_action()),
    st.dictionaries(st.sampled_from(["id", "type", "created_at", "location", "encounter", "lines", "device_id",
                                     "user", "floor_charge", "extra"]),
                    st.one_of(field_values, st.lists(line, max_size=3), st.just(str(uuid.uuid4()))), max_size=3))
batch_items = st.lists(st.one_of(mutated_action, json_values), max_size=6)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(batch=batch_items)
def test_hostile_batches_never_fail_and_journal_matches(nurse, journal, batch):
    response = nurse.post(*batch)
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert len(results) == len(batch)
    accepted = {r["id"] for r in results if r["status"] == "accepted"}
    for result in results:
        assert result["status"] in {"accepted", "duplicate", "rejected"}
        if result["status"] == "rejected":
            assert result["reason"] and result["message"]
    journal.expire_all()
    stored = set(journal.scalars(select(Action.id).where(Action.id.in_(accepted))))
    assert stored == accepted


@SETTINGS
@given(body=st.one_of(json_values.map(json.dumps), st.binary(max_size=200).map(bytes)))
def test_hostile_bodies_get_json_errors_not_500(nurse, body):
    for path in ("/api/v1/actions", "/api/v1/login"):
        response = nurse.client.post(path, data=body, content_type="application/json", headers=nurse.headers)
        assert response.status_code in {200, 400, 401, 413, 429}, (path, body, response.status_code)
        assert response.is_json
        if response.status_code != 200:
            assert set(response.get_json()["error"]) == {"code", "message"}


@SETTINGS
@given(body=st.dictionaries(st.sampled_from(["login", "password", "device_id", "x"]), field_values, max_size=4))
def test_hostile_login_bodies(client, body):
    response = client.post("/api/v1/login", json=body, environ_base={"REMOTE_ADDR": str(uuid.uuid4())[:15]})
    assert response.status_code in {200, 400, 401}
    assert response.is_json
