"""An unknown barcode is reported with its raw scan (and a photo if taken) and reaches the supervisor's list."""
from __future__ import annotations

import base64
import uuid

from PIL import Image
from sqlalchemy import select

from pwa import db
from pwa.models import AuditEntry, UnknownItemReport
from tests.conftest import Api, csrf_token, sign_in
from tests.scanning.symbols import encoded, on_canvas, symbol

GS = "\x1d"
RAW = f"]d201076123400999911728063010L2611A{GS}21SN1"


def report(**fields) -> dict:
    return {"id": str(uuid.uuid4()), "raw": RAW, "location": "WARD-4B",
            "created_at": "2026-11-23T10:15:02.120Z", **fields}


def stored(app, report_id: str) -> UnknownItemReport:
    # A fresh app context: the journal fixture's would carry the device's token into the page requests.
    with app.app_context():
        return db.session().get(UnknownItemReport, report_id)


def post(device: Api, body):
    return device.client.post("/api/v1/unknown-items", json=body, headers=device.headers)


def test_nurse_reports_an_unknown_barcode_with_a_photo_and_the_supervisor_sees_it(app, nurse):
    photo = encoded(on_canvas(symbol("(01)07612340099991(10)L2611A", "data_matrix", gs1=True)).convert("RGB"), "JPEG")
    body = report(note="box on shelf 3", photo="data:image/jpeg;base64," + base64.b64encode(photo).decode())

    response = post(nurse, body)

    assert response.status_code == 201 and response.get_json()["status"] == "received"
    filed = stored(app, body["id"])
    assert (filed.raw, filed.scan_kind, filed.gtin, filed.location_code) == (RAW, "gs1", "07612340099991", "WARD-4B")
    assert filed.photo == photo and filed.photo_type == "image/jpeg"
    client = app.test_client()
    sign_in(client, "supervisor")
    page = client.get("/unknown-items/").get_data(as_text=True)
    assert "01076123400999911728063010L2611A⟨GS⟩21SN1" in page
    assert "box on shelf 3" in page and "nurse" in page
    picture = client.get(f"/unknown-items/{body['id']}/photo")
    assert picture.status_code == 200 and picture.data == photo and picture.mimetype == "image/jpeg"


def test_a_report_sent_twice_is_filed_once(app, nurse):
    body = report()

    first, second = post(nurse, body), post(nurse, body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["status"] == "duplicate"
    with app.app_context():
        assert len(db.session().scalars(select(UnknownItemReport)).all()) == 1


def test_supervisor_resolves_a_report_with_what_was_done(app, nurse):
    body = report()
    post(nurse, body)
    client = app.test_client()
    sign_in(client, "supervisor")

    response = client.post(f"/unknown-items/{body['id']}/resolve",
                           data={"resolution": "Mapped to SYR-10ML in Odoo", "csrf_token": csrf_token(client, "/")})

    assert response.status_code == 302
    filed = stored(app, body["id"])
    assert (filed.status, filed.resolved_by) == ("resolved", "supervisor")
    assert filed.resolution == "Mapped to SYR-10ML in Odoo"
    with app.app_context():
        audit = db.session().scalar(select(AuditEntry).where(AuditEntry.event == "unknown_item_resolved"))
        assert (audit.actor, audit.subject) == ("supervisor", body["id"])
    assert "Mapped to SYR-10ML" in client.get("/unknown-items/?status=resolved").get_data(as_text=True)
    assert RAW[3:13] not in client.get("/unknown-items/").get_data(as_text=True)


def test_reports_need_a_signed_in_device_and_the_list_needs_a_supervisor(client):
    assert client.post("/api/v1/unknown-items", json=report()).status_code == 401
    sign_in(client, "nurse")

    assert client.get("/unknown-items/").status_code == 403


def test_a_report_outside_the_users_locations_is_refused(nurse):
    response = post(nurse, report(location="ICU"))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "location_not_allowed"


def test_malformed_reports_are_refused_with_a_reason(nurse):
    cases = [
        ([1, 2], "bad_shape"),
        (report(id="not-a-uuid"), "bad_id"),
        (report(raw=""), "bad_shape"),
        (report(raw="x" * 1001), "bad_shape"),
        (report(photo="%%%"), "bad_photo"),
        (report(photo=base64.b64encode(b"GIF89a....").decode()), "bad_photo"),
        (report(created_at="yesterday"), "bad_created_at"),
    ]
    for body, code in cases:
        response = post(nurse, body)
        assert response.status_code == 400, (body, response.get_json())
        assert response.get_json()["error"]["code"] == code


def test_a_photo_over_the_limit_is_refused_with_413(nurse):
    big = base64.b64encode(b"\xff\xd8" + bytes(1024 * 1024 + 10)).decode()

    response = post(nurse, report(photo=big))

    assert response.status_code == 413


def test_supervisor_finds_unknown_items_on_the_home_screen(client):
    sign_in(client, "supervisor")

    assert 'href="/unknown-items/"' in client.get("/").get_data(as_text=True)
