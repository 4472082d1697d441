"""POST /api/v1/decode: a photo of a label in, the barcodes it carries out, read the way a scan line is read."""
from __future__ import annotations

import random
from io import BytesIO

import pytest
from PIL import Image

from tests.scanning.symbols import encoded, on_canvas, symbol

GS = "\x1d"


def decode(nurse, body: bytes, content_type: str = "image/png"):
    return nurse.client.post("/api/v1/decode", data=body, content_type=content_type, headers=nurse.headers)


def results(nurse, body: bytes, content_type: str = "image/png") -> list[dict]:
    response = decode(nurse, body, content_type)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_gs1_datamatrix_on_a_box_reads_item_lot_expiry_and_serial(nurse):
    label = symbol("(01)07612340000041(17)271231(10)AB12(21)SN0042", "data_matrix", gs1=True)

    [found] = results(nurse, encoded(on_canvas(label)))

    assert found["symbology"] == "data_matrix"
    assert found["aim"] == "]d2"
    assert found["text"] == f"01076123400000411727123110AB12{GS}21SN0042"
    parsed = found["parsed"]
    assert (parsed["kind"], parsed["gtin"], parsed["lot"], parsed["expiry"], parsed["serial"]) == (
        "gs1", "07612340000041", "AB12", "2027-12-31", "SN0042")


def test_gs1_128_carton_label_reads_as_gs1(nurse):
    label = symbol("(01)17612340000048(17)280630(10)LOT77", "code_128", scale=2, gs1=True)

    [found] = results(nurse, encoded(on_canvas(label, size=(1000, 300))))

    assert found["symbology"] == "code_128"
    assert (found["parsed"]["kind"], found["parsed"]["gtin"], found["parsed"]["lot"]) == (
        "gs1", "17612340000048", "LOT77")


def test_location_qr_label_reads_as_the_location_code(nurse):
    [found] = results(nurse, encoded(on_canvas(symbol("WARD-4B", "qr_code"))))

    assert (found["symbology"], found["text"]) == ("qr_code", "WARD-4B")
    assert found["parsed"]["kind"] == "internal"


def test_code_128_shelf_label_reads_the_product_reference(nurse):
    [found] = results(nurse, encoded(on_canvas(symbol("SYR-10ML", "code_128", scale=3))))

    assert (found["symbology"], found["text"], found["parsed"]["code"]) == ("code_128", "SYR-10ML", "SYR-10ML")


def test_ean_13_retail_barcode_reads_as_a_gtin(nurse):
    [found] = results(nurse, encoded(on_canvas(symbol("7612340000041", "ean_13", scale=3))))

    assert found["symbology"] == "ean_13"
    assert (found["parsed"]["kind"], found["parsed"]["gtin"]) == ("ean", "07612340000041")


def test_turned_jpeg_photo_with_two_labels_reads_both(nurse):
    photo = on_canvas(symbol("(01)07612340000041(10)B7", "data_matrix", scale=6, gs1=True),
                      symbol("ICU", "qr_code", scale=4), size=(800, 600), angle=8)

    found = results(nurse, encoded(photo.convert("RGB"), "JPEG", quality=85), "image/jpeg")

    assert sorted((f["symbology"], f["parsed"]["lot"] or f["text"]) for f in found) == [
        ("data_matrix", "B7"), ("qr_code", "ICU")]


def test_webp_photo_sent_as_a_form_upload_is_read(nurse):
    photo = encoded(on_canvas(symbol("OR", "qr_code")), "WEBP", lossless=True)

    response = nurse.client.post("/api/v1/decode", headers=nurse.headers,
                                 data={"image": (BytesIO(photo), "label.webp", "image/webp")})

    assert response.status_code == 200
    assert [f["text"] for f in response.get_json()["results"]] == ["OR"]


def test_photo_without_a_barcode_answers_an_empty_list(nurse):
    assert results(nurse, encoded(Image.new("L", (320, 240), 255))) == []


def error_of(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["message"]
    return body["error"]["code"]


def test_decode_needs_a_signed_in_device(client):
    response = client.post("/api/v1/decode", data=encoded(symbol("WARD-4B", "qr_code")), content_type="image/png")

    assert error_of(response, 401) == "unauthorized"


def test_photo_over_five_megabytes_is_refused_with_413(nurse):
    noise = Image.frombytes("L", (2600, 2600), random.Random(1).randbytes(2600 * 2600))
    body = encoded(noise)
    assert len(body) > 5 * 1024 * 1024

    assert error_of(decode(nurse, body), 413) == "too_large"


@pytest.mark.parametrize("content_type, body", [
    ("image/gif", encoded(Image.new("L", (8, 8)), "GIF")),
    ("text/plain", b"0107612340000041"),
    ("application/pdf", b"%PDF-1.4"),
])
def test_other_types_are_refused_with_415(nurse, content_type, body):
    assert error_of(decode(nurse, body, content_type), 415) == "unsupported_type"


def test_a_gif_sent_as_png_is_refused_with_415(nurse):
    assert error_of(decode(nurse, encoded(Image.new("L", (8, 8)), "GIF")), 415) == "unsupported_type"


def test_a_cut_off_png_is_refused_with_400(nurse):
    body = encoded(on_canvas(symbol("WARD-4B", "qr_code")))

    assert error_of(decode(nurse, body[: len(body) // 2]), 400) == "bad_image"


def test_an_empty_body_is_refused_with_400(nurse):
    assert error_of(decode(nurse, b""), 400) == "no_image"


def test_a_form_without_the_image_field_is_refused_with_400(nurse):
    response = nurse.client.post("/api/v1/decode", headers=nurse.headers, data={"photo": "nothing"},
                                 content_type="multipart/form-data")

    assert error_of(response, 400) == "no_image"


def test_a_small_file_that_unpacks_to_a_huge_image_is_refused(nurse):
    body = encoded(Image.new("1", (9000, 9000), 1))
    assert len(body) < 100_000

    assert error_of(decode(nurse, body), 413) == "too_many_pixels"
