"""The pages: sign-in with CSRF and throttling, a home screen per role, the journal for supervisors only."""
import pytest

from tests.conftest import csrf_token, new_action, sign_in


def test_login_page_then_home_lists_the_roles_workflows(client):
    assert client.get("/").status_code == 302
    response = sign_in(client, "nurse")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Issue to patient" in home and "Requisition" in home and "Ward 4B" in home
    assert "Receive" not in home and "Journal" not in home


@pytest.mark.parametrize("login,shown,hidden", [
    ("receiver", "Receive", "Issue to patient"),
    ("counter", "Count", "Requisition"),
    ("supervisor", "Journal", "Users and devices"),
    ("admin", "Users and devices", "Issue to patient"),
])
def test_each_role_sees_its_own_workflows(client, login, shown, hidden):
    sign_in(client, login)
    home = client.get("/").get_data(as_text=True)
    assert shown in home and hidden not in home


def test_form_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"login": "nurse", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_wrong_password_says_so_and_throttles(client):
    for _ in range(5):
        response = sign_in(client, "nurse", "nope")
        assert response.status_code == 401 and "Wrong login or password" in response.get_data(as_text=True)
    response = sign_in(client, "nurse", "demo")
    assert response.status_code == 429 and "Too many failed sign-ins" in response.get_data(as_text=True)


def test_login_never_redirects_off_site(client):
    token = csrf_token(client)
    response = client.post("/login", data={"login": "nurse", "password": "demo", "csrf_token": token,
                                           "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_journal_is_for_supervisors(client, nurse):
    nurse.results(new_action())
    sign_in(client, "nurse")
    assert client.get("/journal").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "supervisor")
    page = client.get("/journal").get_data(as_text=True)
    assert "issue" in page and "received (1)" in page and "WARD-4B" in page and "not configured" in page


def test_idle_session_is_signed_out(app, client):
    sign_in(client, "nurse")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["IDLE_TIMEOUT_MINUTES"] * 60 + 1
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "signed out after a period without activity" in client.get("/login").get_data(as_text=True)


def test_security_headers_on_pages_and_api(client):
    for response in (client.get("/login"), client.get("/api/v1/catalog")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script(client):
    sign_in(client, "supervisor")
    for path in ("/login", "/", "/journal"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " on" + "click=" not in html


def test_fragment_request_after_sign_out_is_401_not_the_sign_in_page(client):
    response = client.get("/waste/item?scan=SYR-10ML", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "<form" not in response.get_data(as_text=True)
    assert client.get("/waste/item?scan=SYR-10ML").status_code == 302


def test_a_page_fetched_to_warm_the_device_cache_leaves_the_flash_for_the_user(client):
    sign_in(client, "nurse")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    warm = client.get("/login", headers={"X-Ward-Warm": "1"}).get_data(as_text=True)
    assert "Signed out." not in warm
    assert "Signed out." in client.get("/login").get_data(as_text=True)
