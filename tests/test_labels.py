"""Label sheets a supervisor prints: every symbol on them scans back to what the device resolves."""
from __future__ import annotations

import base64
import re
from io import BytesIO

import zxingcpp
from PIL import Image

from tests.conftest import sign_in

GS = "\x1d"


def symbols_on_sheet(html: str) -> list[str]:
    """Decodes every label image of an HTML sheet, in order."""
    found = []
    for data in re.findall(r'src="data:image/png;base64,([^"]+)"', html):
        image = Image.open(BytesIO(base64.b64decode(data)))
        [barcode] = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
        found.append(barcode.text)
    return found


def sheet(client, name: str, login: str = "supervisor") -> str:
    sign_in(client, login)
    response = client.get(f"/labels/{name}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_supervisor_finds_labels_on_the_home_screen(client):
    sign_in(client, "supervisor")

    home = client.get("/").get_data(as_text=True)
    page = client.get("/labels/").get_data(as_text=True)

    assert 'href="/labels/"' in home
    for title in ("Locations", "Bins", "Demo encounters", "Badges", "Demo items"):
        assert title in page
    assert 'href="/labels/items.pdf"' in page and 'href="/labels/items.zpl"' in page


def test_a_nurse_cannot_print_labels(client):
    sign_in(client, "nurse")

    assert 'href="/labels/"' not in client.get("/").get_data(as_text=True)
    assert client.get("/labels/").status_code == 403
    assert client.get("/labels/badges.zpl").status_code == 403


def test_location_labels_carry_the_location_codes(client):
    assert symbols_on_sheet(sheet(client, "locations")) == ["ED", "ICU", "OR", "WARD-4B", "WH-STOCK"]


def test_administrator_prints_every_location(client):
    codes = symbols_on_sheet(sheet(client, "locations", "admin"))

    assert codes == ["CONSUMED", "ED", "ICU", "OR", "SCRAP", "WARD-4B", "WH-STOCK"]


def test_bin_labels_name_the_location_and_product_of_each_par_level(client):
    codes = symbols_on_sheet(sheet(client, "bins"))

    assert len(codes) == 160
    assert all(re.fullmatch(r"BIN:(ED|ICU|OR|WARD-4B):[A-Z0-9.\-]+", code) for code in codes)


def test_badges_carry_a_badge_code_and_nothing_secret(client):
    html = sheet(client, "badges")

    codes = symbols_on_sheet(html)

    assert codes == ["BADGE:admin", "BADGE:counter", "BADGE:nurse", "BADGE:receiver", "BADGE:supervisor"]
    assert "demo" not in " ".join(codes)


def test_demo_encounters_match_the_default_encounter_pattern(client):
    codes = symbols_on_sheet(sheet(client, "encounters"))

    assert codes[0] == "ENC-2026-000123" and len(codes) == 10
    assert all(re.fullmatch(r"ENC-\d{4}-\d{6}", code) for code in codes)


def test_demo_item_labels_are_gs1_datamatrix_of_catalog_items(client, journal):
    from pwa.models import Barcode
    from pwa.scanning import parse_scan

    codes = symbols_on_sheet(sheet(client, "items"))
    scans = [parse_scan("]d2" + code) for code in codes]
    known = {barcode.code for barcode in journal.query(Barcode)}

    assert all(scan.kind == "gs1" for scan in scans), scans
    syringe = next(scan for scan in scans if scan.gtin == "07612340000041")
    assert (syringe.lot, syringe.expiry) == ("L2611A", "2028-06-30")
    assert any(scan.gtin == "17612340000048" for scan in scans), "the box of 100 syringes"
    assert any(scan.serial for scan in scans)
    split = [scan for scan in scans if scan.gtin is None]
    assert len(split) == 1 and split[0].lot and split[0].expiry, "lot and expiry on a label of their own"
    unknown = [scan.gtin for scan in scans if scan.gtin and scan.gtin not in known]
    assert unknown == ["07612340099991"], "one label to try the unknown item report"


def test_pdf_sheet_is_an_a4_document_with_every_label(client):
    sign_in(client, "supervisor")

    response = client.get("/labels/bins.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.data
    assert body.startswith(b"%PDF")
    assert body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") + body.count(b"/Type /Page>") >= 8  # 160 / 21


def test_pdf_labels_scan_from_the_page_image(client):
    sign_in(client, "supervisor")
    body = client.get("/labels/locations.pdf").data

    start = body.index(b"stream", body.index(b"/DCTDecode")) + len(b"stream")
    page = Image.open(BytesIO(body[start:].lstrip(b"\r\n")))

    assert page.size == (2480, 3508)
    found = sorted(barcode.text for barcode in zxingcpp.read_barcodes(page))
    assert found == ["ED", "ICU", "OR", "WARD-4B", "WH-STOCK"]


def test_zpl_has_one_label_per_item_with_gs1_datamatrix_and_qr(client):
    item_count = len(symbols_on_sheet(sheet(client, "items")))

    items = client.get("/labels/items.zpl").get_data(as_text=True)
    places = client.get("/labels/locations.zpl").get_data(as_text=True)

    assert items.count("^XA") == items.count("^XZ") == item_count
    # ~1 first marks GS1 (FNC1); lot (10) is variable-length, so a serial after it would need another ~1.
    assert "^BXN,5,200,0,0,6,~^FD~101076123400000411728063010L2611A^FS" in items
    assert "^FD~101076123400005841728063021SN000117^FS" in items
    assert places.count("^BQN") == 5 and "^FDQA,WARD-4B^FS" in places
    assert "^FDWard 4B^FS" in places
    assert "_C2_B7" in items, "the middle dot of captions is sent as UTF-8 hex"


def test_unknown_sheet_is_not_found(client):
    sign_in(client, "supervisor")

    assert client.get("/labels/passwords").status_code == 404
    assert client.get("/labels/passwords.pdf").status_code == 404


def test_gs1_element_string_separates_only_after_variable_length_values():
    from pwa.labels import gs1_element_string

    assert gs1_element_string("(01)07612340000041(10)AB(21)X1(17)280630", "~1") == \
        "010761234000004110AB~121X1~117280630"
