"""POST /api/v1/login: tokens for good credentials, 401 for bad ones, 429 when a client keeps guessing."""
import pytest
from sqlalchemy import select

from pwa.models import ApiToken, Device
from tests.conftest import Api

pytestmark = pytest.mark.both_databases


def test_login_returns_token_with_roles_and_locations(client, journal):
    response = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "tab-1"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == {"login": "nurse", "roles": ["requester"], "locations": ["WARD-4B"]}
    assert len(body["token"]) >= 32
    stored = journal.scalar(select(ApiToken))
    assert stored.device_id == "tab-1" and stored.token_hash != body["token"]
    assert journal.get(Device, "tab-1") is not None


@pytest.mark.parametrize("login,password", [("nurse", "wrong"), ("nobody", "demo"), ("NURSE", "demo")])
def test_bad_credentials_are_401(client, login, password):
    response = client.post("/api/v1/login", json={"login": login, "password": password, "device_id": "tab-1"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"


@pytest.mark.parametrize("body", ['{"login": "nurse"', '[]', '"nurse"', '{"login": "nurse", "password": "demo"}',
                                  '{"login": 1, "password": "demo", "device_id": "x"}'])
def test_malformed_login_is_400(client, body):
    response = client.post("/api/v1/login", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in {"malformed_json", "bad_shape"}


def test_repeated_failures_from_one_client_are_throttled(client):
    for _ in range(5):
        assert client.post("/api/v1/login", json={"login": "nurse", "password": "guess",
                                                  "device_id": "t"}).status_code == 401
    response = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "t"})
    assert response.status_code == 429
    assert "Wait" in response.get_json()["error"]["message"]
    other_client = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "t"},
                               environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other_client.status_code == 200


def test_disabled_user_cannot_sign_in_and_loses_tokens(client, runner):
    api = Api(client).login("nurse")
    assert runner.invoke(args=["users", "disable", "nurse"]).exit_code == 0
    assert api.get("/api/v1/catalog").status_code == 401
    response = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "t"})
    assert response.status_code == 401


def test_revoked_device_is_refused_at_once(client, journal, app):
    api = Api(client, device_id="lost-tablet").login("nurse")
    from pwa.models import utcnow
    with app.app_context():
        from pwa import db
        db.session().get(Device, "lost-tablet").revoked_at = utcnow()
        db.session().commit()
    response = api.get("/api/v1/catalog")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    again = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "lost-tablet"})
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "device_revoked"
