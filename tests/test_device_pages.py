"""The device's server side: the service worker at the root scope, the manifest, the Waste lookup fragment, and
pages that say whose they are so a shared tablet keeps each user's copies apart."""
import json
import re

from tests.conftest import sign_in


def test_the_service_worker_is_served_at_the_root_with_its_version_and_what_to_precache(client, app):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    settings = json.loads(re.match(r"const SETTINGS = (.*);\n", response.get_data(as_text=True)).group(1))
    assert re.fullmatch(r"[0-9a-f]{12}", settings["version"])
    for url in ("/static/js/device.js", "/static/js/outbox.js", "/static/vendor/htmx.min.js",
                "/static/vendor/idb/index.js", "/static/css/app.css", "/offline", "/manifest.webmanifest"):
        assert url in settings["precache"]
    assert "/static/js/sw.js" not in settings["precache"]
    app.config["DEVICE_VERSION"] = "release-2"
    assert '"version": "release-2"' in client.get("/sw.js").get_data(as_text=True)


def test_the_manifest_makes_the_app_installable_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["scope"] == "/" and manifest["display"] == "standalone" and manifest["start_url"] == "/"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_pages_say_whose_they_are_and_link_the_manifest(client):
    assert "X-Ward-User" not in client.get("/login").headers
    sign_in(client, "nurse")
    response = client.get("/")
    assert response.headers["X-Ward-User"] == "nurse"
    html = response.get_data(as_text=True)
    assert 'rel="manifest"' in html and 'name="ws-user" content="nurse"' in html
    assert "/waste/" in re.search(r'name="ws-offline-pages" content="([^"]*)"', html).group(1)
    assert 'href="/waste/"' in html and 'href="/outbox"' in html


def test_the_offline_fallback_is_the_same_for_everyone(client):
    sign_in(client, "nurse")
    html = client.get("/offline").get_data(as_text=True)
    assert "Not on this tablet yet" in html
    assert "nurse" not in html and "csrf-token" not in html


def test_waste_lookup_renders_the_item_fragment_for_a_unit_or_pack_barcode_and_says_when_unknown(client):
    sign_in(client, "nurse")
    unit = client.get("/waste/item?scan=(01)07612340000041(17)271231(10)AB12").get_data(as_text=True)
    assert 'data-slot="name">Syringe Luer lock 10ml<' in unit
    assert 'data-slot="lot">AB12<' in unit and 'data-slot="expiry">2027-12-31<' in unit
    pack = client.get("/waste/item?scan=17612340000048").get_data(as_text=True)
    assert 'data-slot="pack_label">pack of 100 units<' in pack
    unknown = client.get("/waste/item?scan=NOPE-123").get_data(as_text=True)
    assert "is not in the catalog" in unknown and "NOPE-123" in unknown


def test_the_waste_screen_offers_the_users_locations_and_every_fragment_as_a_template(client):
    sign_in(client, "nurse")
    html = client.get("/waste/").get_data(as_text=True)
    assert '<option value="WARD-4B">Ward 4B</option>' in html and "ICU" not in html
    for template in ("tpl-waste-item", "tpl-waste-unknown", "tpl-waste-line", "tpl-waste-saved"):
        assert f'<template id="{template}">' in html
    for reason in ("expired", "damaged", "opened-unused", "contaminated", "other"):
        assert f'value="{reason}"' in html


def test_waste_is_for_the_roles_that_may_record_it(client):
    sign_in(client, "counter")
    assert client.get("/waste/").status_code == 403
    assert client.get("/waste/item?scan=SYR-10ML").status_code == 403


def test_the_outbox_screen_needs_a_sign_in(client):
    assert client.get("/outbox").status_code == 302
    sign_in(client, "admin")
    assert "Outbox of this tablet" in client.get("/outbox").get_data(as_text=True)
