"""Administration: users with roles, locations, badge and PIN; devices enrolled, revoked (tokens refused at once,
what they still send kept and reported, never applied); quick switching by badge and PIN with limited attempts."""
import pytest
from sqlalchemy import select

from pwa.models import Action, ApiToken, AuditEntry, Device, Rejection, User
from tests.conftest import Api, csrf_token, new_action
from tests.supervisor.helpers import page_client, post_form

pytestmark = pytest.mark.both_databases


@pytest.fixture
def admin(app):
    return page_client(app, "admin")


def create(admin, **fields):
    data = {"login": "jo", "password": "long-enough-1", "role": ["requester"], "location": ["WARD-4B"],
            "badge": "", "pin": "", **fields}
    return post_form(admin, "/admin/users/new", data, page="/admin/users/new")


def user(store, login: str) -> User:
    store.expire_all()
    return store.scalar(select(User).where(User.login == login))


def test_admin_creates_a_user_who_signs_in_and_acts_only_in_scope(app, admin, store):
    assert create(admin, badge="B-1001", pin="4321").status_code == 302
    jo = user(store, "jo")
    assert jo.role_list == ["requester"] and [loc.code for loc in jo.locations] == ["WARD-4B"]
    assert jo.badge_code == "B-1001" and jo.pin_hash and "4321" not in jo.pin_hash
    entry = store.scalar(select(AuditEntry).where(AuditEntry.event == "user_created"))
    assert entry.actor == "admin" and entry.after["locations"] == ["WARD-4B"] and "4321" not in str(entry.after)
    device = Api(app.test_client(), "jo-tab").login("jo", "long-enough-1")
    assert device.results(new_action("issue"))[0]["status"] == "accepted"
    assert device.results(new_action("issue", location="ICU"))[0]["reason"] == "location_not_allowed"


@pytest.mark.parametrize("change,message", [
    ({"login": "Jo Smith"}, "A login is"),
    ({"login": "nurse"}, "already exists"),
    ({"role": []}, "at least one role"),
    ({"location": []}, "at least one location"),
    ({"password": "short"}, "at least 8 characters"),
    ({"pin": "12a4"}, "4 to 8 digits"),
    ({"badge": "has space"}, "letters, digits"),
])
def test_bad_user_forms_say_what_is_wrong(admin, store, change, message):
    response = create(admin, **change)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert user(store, "jo") is None or change.get("login") == "nurse"


def test_roles_and_scope_change_and_disable_refuses_pages_and_tokens_at_once(app, admin, store):
    nurse_device = Api(app.test_client(), "ward-tab").login("nurse")
    nurse_page = page_client(app, "nurse")
    response = post_form(admin, "/admin/users/nurse", {"role": ["requester"], "location": ["WARD-4B", "ICU"]},
                         page="/admin/users/nurse")
    assert response.status_code == 302
    assert [loc.code for loc in user(store, "nurse").locations] == ["ICU", "WARD-4B"]
    assert nurse_device.results(new_action("issue", location="ICU"))[0]["status"] == "accepted"
    response = post_form(admin, "/admin/users/nurse/active", {"active": "no", "reason": ""}, page="/admin/users/nurse")
    assert user(store, "nurse").active
    post_form(admin, "/admin/users/nurse/active", {"active": "no", "reason": "Left the hospital"},
              page="/admin/users/nurse")
    assert not user(store, "nurse").active
    assert nurse_device.post(new_action("issue")).status_code == 401
    assert nurse_page.get("/").status_code == 302
    entry = store.scalar(select(AuditEntry).where(AuditEntry.event == "user_disabled"))
    assert entry.reason == "Left the hospital" and entry.before == {"active": True}


def test_admin_cannot_lock_themselves_out(admin, store):
    post_form(admin, "/admin/users/admin/active", {"active": "no", "reason": "oops"}, page="/admin/users/admin")
    assert user(store, "admin").active
    response = post_form(admin, "/admin/users/admin", {"role": ["supervisor"], "location": ["WARD-4B"]},
                         page="/admin/users/admin")
    assert "cannot take the administrator role" in response.get_data(as_text=True)


def test_printable_badge_carries_the_badge_code_never_the_pin(admin, store):
    create(admin, badge="B-1001", pin="4321")
    page = admin.get("/admin/users/jo/badge").get_data(as_text=True)
    assert "BADGE:B-1001" in page and 'src="data:image/png;base64,' in page and "4321" not in page
    import base64, io
    from PIL import Image
    from pyzbar.pyzbar import decode
    data = page.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert decode(Image.open(io.BytesIO(base64.b64decode(data))))[0].data == b"BADGE:B-1001"


def test_admin_pages_are_for_admins_only(app):
    for login in ("nurse", "receiver", "counter", "supervisor"):
        client = page_client(app, login)
        for path in ("/admin/users", "/admin/users/new", "/admin/users/nurse", "/admin/devices",
                     "/admin/users/nurse/badge"):
            assert client.get(path).status_code == 403, (login, path)


# Quick switching

def set_pin(admin, login: str, pin: str = "2468", **fields):
    current = {"nurse": (["requester"], ["WARD-4B"]), "counter": (["counter"], ["WARD-4B", "ICU"])}[login]
    post_form(admin, f"/admin/users/{login}", {"role": current[0], "location": current[1], "pin": pin, **fields},
              page=f"/admin/users/{login}")


def switch(client, badge: str, pin: str):
    return client.post("/switch", data={"badge": badge, "pin": pin, "csrf_token": csrf_token(client, "/switch")})


def test_badge_and_pin_switch_the_page_user_on_a_shared_tablet(app, admin, store):
    set_pin(admin, "nurse")
    tablet = page_client(app, "counter")
    response = switch(tablet, "BADGE:nurse", "2468")
    assert response.status_code == 302
    assert "nurse · requester" in tablet.get("/").get_data(as_text=True)
    entry = store.scalar(select(AuditEntry).where(AuditEntry.event == "badge_switch"))
    assert entry.before == {"user": "counter"} and entry.after == {"user": "nurse"}


def test_wrong_pins_lock_the_pin_but_not_the_password(app, admin, store):
    set_pin(admin, "nurse")
    tablet = app.test_client()
    app.config["LOGIN_FAILURES_ALLOWED"] = 100  # the client throttle is tested elsewhere; here the PIN's own lock
    for _ in range(4):
        assert switch(tablet, "nurse", "0000").status_code == 401
    response = switch(tablet, "nurse", "0000")
    assert response.status_code == 429 and "locked" in response.get_data(as_text=True)
    response = switch(tablet, "nurse", "2468")
    assert response.status_code == 429 and "sign in with your password" in response.get_data(as_text=True)
    assert store.scalar(select(AuditEntry).where(AuditEntry.event == "pin_locked")).actor == "nurse"
    assert page_client(app, "nurse").get("/").status_code == 200
    set_pin(admin, "nurse", pin="", unlock_pin="1")
    assert switch(app.test_client(), "nurse", "2468").status_code == 302


def test_device_token_by_badge_needs_an_enrolled_device(app, admin, client):
    set_pin(admin, "nurse")
    body = {"badge": "nurse", "pin": "2468", "device_id": "never-seen"}
    response = client.post("/api/v1/badge-login", json=body)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "device_not_enrolled"
    Api(client, "shared-tab").login("counter")
    response = client.post("/api/v1/badge-login", json={**body, "device_id": "shared-tab"})
    assert response.status_code == 200 and response.get_json()["user"]["login"] == "nurse"
    token = response.get_json()["token"]
    result = client.post("/api/v1/actions", json={"actions": [new_action("issue")]},
                         headers={"Authorization": f"Bearer {token}"}).get_json()["results"][0]
    assert result["status"] == "accepted"
    wrong = client.post("/api/v1/badge-login", json={**body, "device_id": "shared-tab", "pin": "1111"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "bad_pin"


# Devices

def test_enrol_and_name_a_device(admin, store):
    post_form(admin, "/admin/devices", {"device_id": "ward-4b-tab-9", "name": "Ward 4B tablet 9"},
              page="/admin/devices")
    store.expire_all()
    assert store.get(Device, "ward-4b-tab-9").name == "Ward 4B tablet 9"
    assert "Ward 4B tablet 9" in admin.get("/admin/devices").get_data(as_text=True)
    response = post_form(admin, "/admin/devices", {"device_id": "ward-4b-tab-9"}, page="/admin/devices")
    assert "already enrolled" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_revoked_device_is_refused_at_once_and_its_outbox_is_reported_not_applied(app, admin, store):
    device = Api(app.test_client(), "lost-tab").login("nurse")
    sent = new_action("issue")
    assert device.results(sent)[0]["status"] == "accepted"
    page = admin.get("/admin/devices/lost-tab").get_data(as_text=True)
    assert "1 action(s) from this device are in the journal but not yet in Odoo" in page
    post_form(admin, "/admin/devices/lost-tab/revoke", {"reason": ""}, page="/admin/devices/lost-tab")
    store.expire_all()
    assert store.get(Device, "lost-tab").revoked_at is None
    post_form(admin, "/admin/devices/lost-tab/revoke", {"reason": "Left on the bus"}, page="/admin/devices/lost-tab")
    store.expire_all()
    assert store.get(Device, "lost-tab").revoked_by == "admin"
    assert all(token.revoked_at for token in store.scalars(select(ApiToken).where(ApiToken.device_id == "lost-tab")))
    late = new_action("waste", lines=[{"product": "SYR-10ML", "qty": 1, "reason": "expired"}])
    for _ in range(2):  # the tablet keeps retrying: reported once
        response = device.post(late)
        assert response.status_code == 401
    assert device.client.get("/api/v1/catalog", headers=device.headers).status_code == 401
    store.expire_all()
    assert store.scalar(select(Action).where(Action.id == late["id"])) is None
    refused = store.scalars(select(Rejection).where(Rejection.device_id == "lost-tab")).all()
    assert [(r.action_id, r.reason) for r in refused] == [(late["id"], "device_revoked")]
    page = admin.get("/admin/devices/lost-tab").get_data(as_text=True)
    assert "1 action(s) the device tried to send after it was revoked" in page and late["id"] in page
    desk = page_client(app, "supervisor").get("/supervisor/exceptions").get_data(as_text=True)
    assert "revoked by an administrator" in desk
    relogin = device.client.post("/api/v1/login", json={"login": "nurse", "password": "demo",
                                                        "device_id": "lost-tab"})
    assert relogin.status_code == 401 and relogin.get_json()["error"]["code"] == "device_revoked"
    entry = store.scalar(select(AuditEntry).where(AuditEntry.event == "device_revoked"))
    assert entry.reason == "Left on the bus" and entry.after["actions_not_in_odoo"] == 1


def test_odoo_status_shows_no_credential(app, admin):
    from pwa.config import OdooSettings
    assert "Not configured" in admin.get("/admin/devices").get_data(as_text=True)
    app.config["ODOO"] = OdooSettings("https://odoo.example.org", "prod-db", "ws-integration", "s3cret-Pa55")
    page = admin.get("/admin/devices").get_data(as_text=True)
    assert "https://odoo.example.org" in page and "s3cret-Pa55" not in page and "ws-integration" not in page
