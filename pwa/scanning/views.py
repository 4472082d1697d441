"""Server decode: `POST /api/v1/decode` reads the barcodes in a photo of a label (pyzbar for 1-D and QR, zxing-cpp
for DataMatrix) and parses each one the way an action's `scan` line would be parsed."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from io import BytesIO

import zxingcpp
from flask import Blueprint, current_app, jsonify, request
from PIL import Image, UnidentifiedImageError
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

from pwa.auth import api_error, require_token
from pwa.config import ConfigError
from pwa.scanning.scan import parse_scan

bp = Blueprint("decode", __name__, url_prefix="/api/v1")

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 5 MB PNG of blank paper can unpack to gigabytes; real label photos are far smaller
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}

# The device's BarcodeDetector names formats this way; the server answers in the same words.
ZBAR_SYMBOLOGIES = {
    ZBarSymbol.EAN13: "ean_13", ZBarSymbol.EAN8: "ean_8", ZBarSymbol.UPCA: "upc_a", ZBarSymbol.UPCE: "upc_e",
    ZBarSymbol.CODE128: "code_128", ZBarSymbol.CODE39: "code_39", ZBarSymbol.CODE93: "code_93",
    ZBarSymbol.I25: "itf", ZBarSymbol.CODABAR: "codabar", ZBarSymbol.QRCODE: "qr_code",
    ZBarSymbol.DATABAR: "databar", ZBarSymbol.DATABAR_EXP: "databar_expanded",
}
ZXING_SYMBOLOGIES = {
    zxingcpp.BarcodeFormat.DataMatrix: "data_matrix", zxingcpp.BarcodeFormat.QRCode: "qr_code",
    zxingcpp.BarcodeFormat.MicroQRCode: "micro_qr_code", zxingcpp.BarcodeFormat.Aztec: "aztec",
    zxingcpp.BarcodeFormat.PDF417: "pdf417", zxingcpp.BarcodeFormat.Code128: "code_128",
    zxingcpp.BarcodeFormat.Code39: "code_39", zxingcpp.BarcodeFormat.Code93: "code_93",
    zxingcpp.BarcodeFormat.EAN13: "ean_13", zxingcpp.BarcodeFormat.EAN8: "ean_8",
    zxingcpp.BarcodeFormat.UPCA: "upc_a", zxingcpp.BarcodeFormat.UPCE: "upc_e", zxingcpp.BarcodeFormat.ITF: "itf",
    zxingcpp.BarcodeFormat.Codabar: "codabar", zxingcpp.BarcodeFormat.DataBar: "databar",
    zxingcpp.BarcodeFormat.DataBarExpanded: "databar_expanded",
}


# What an encounter (visit) number looks like on the wristbands and labels; the device tells encounters from items
# by it. A hospital sets its own with ENCOUNTER_PATTERN (a regular expression read the same by Python and JavaScript).
DEFAULT_ENCOUNTER_PATTERN = r"^ENC-\d{4}-\d{6}$"


@bp.record_once
def _encounter_pattern(state) -> None:
    app = state.app
    pattern = app.config.get("ENCOUNTER_PATTERN") or os.environ.get("ENCOUNTER_PATTERN") or DEFAULT_ENCOUNTER_PATTERN
    try:
        re.compile(pattern)
    except re.error as error:
        raise ConfigError(f"ENCOUNTER_PATTERN is not a regular expression ({error}): {pattern!r}") from None
    app.config["ENCOUNTER_PATTERN"] = pattern


@bp.app_context_processor
def scan_settings() -> dict:
    """What every page tells the device's scan pipeline (rendered into a meta tag by base.html)."""
    return {"encounter_pattern": current_app.config["ENCOUNTER_PATTERN"]}


class DecodeError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Decoded:
    """One symbol found in the image: its data as a scanner would send it (GS between GS1 elements)."""
    text: str
    symbology: str
    aim: str | None  # the AIM symbology identifier, e.g. "]d2" for GS1 DataMatrix, when the decoder reports it

    def as_json(self) -> dict:
        return {"text": self.text, "symbology": self.symbology, "aim": self.aim,
                "parsed": parse_scan((self.aim or "") + self.text).as_dict()}


def decode_image(image: Image.Image) -> list[Decoded]:
    """Every barcode in the image: pyzbar reads the 1-D codes and QR, zxing-cpp the DataMatrix symbols; when
    neither finds anything, zxing-cpp tries every format it knows."""
    gray = image.convert("L")
    found = [Decoded(symbol.data.decode("utf-8", errors="replace"),
                     ZBAR_SYMBOLOGIES.get(ZBarSymbol[symbol.type], "other"), None)
             for symbol in pyzbar.decode(gray, symbols=list(ZBAR_SYMBOLOGIES))]
    found += _zxing(gray, zxingcpp.BarcodeFormat.DataMatrix)
    if not found:
        found = _zxing(gray, None)
    return list(dict.fromkeys(found))


# zxing-cpp reports some GS1 DataMatrix symbols with modifiers the parser does not list (e.g. "]d8"); when it says
# the content is GS1, the symbology's plain GS1 identifier is what a scanner would have sent.
GS1_AIM = {"data_matrix": "]d2", "code_128": "]C1", "qr_code": "]Q3", "databar": "]e0", "databar_expanded": "]e0"}


def _zxing(image: Image.Image, formats) -> list[Decoded]:
    options = {"text_mode": zxingcpp.TextMode.Plain}
    if formats is not None:
        options["formats"] = formats
    found = []
    for barcode in zxingcpp.read_barcodes(image, **options):
        symbology = ZXING_SYMBOLOGIES.get(barcode.format, "other")
        aim = barcode.symbology_identifier or None
        if barcode.content_type == zxingcpp.ContentType.GS1 and symbology in GS1_AIM:
            aim = GS1_AIM[symbology]
        found.append(Decoded(barcode.text, symbology, aim))
    return found


def max_bytes() -> int:
    return current_app.config.get("DECODE_MAX_BYTES", MAX_BYTES)


def uploaded_image() -> tuple[bytes, str | None]:
    """The image's bytes and declared type, from a multipart field `image` or from the raw request body."""
    limit = max_bytes()
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise too_large()
    # Allow the body (and a multipart envelope) past the app-wide 2 MB batch limit, up to the image limit.
    request.max_content_length = limit + 64 * 1024
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise DecodeError(400, "no_image", "Send the photo as the form field \"image\".")
        return upload.read(limit + 1), upload.mimetype or None
    declared = request.mimetype or None
    if declared not in IMAGE_TYPES:
        raise unsupported(declared)
    return request.get_data(cache=False), declared


def too_large() -> DecodeError:
    return DecodeError(413, "too_large", f"The photo is too large: send at most {max_bytes() // (1024 * 1024)} MB.")


def unsupported(declared: str | None) -> DecodeError:
    return DecodeError(415, "unsupported_type",
                       f"Send a PNG, JPEG or WebP photo, not {declared or 'an unnamed type'}.")


def open_image(data: bytes, declared: str | None) -> Image.Image:
    if not data:
        raise DecodeError(400, "no_image", "The request carries no photo.")
    if len(data) > max_bytes():
        raise too_large()
    if declared not in IMAGE_TYPES and declared not in (None, "application/octet-stream"):
        raise unsupported(declared)
    try:
        image = Image.open(BytesIO(data), formats=list(IMAGE_TYPES.values()))
    except UnidentifiedImageError:
        raise DecodeError(415, "unsupported_type",
                          "Send a PNG, JPEG or WebP photo: this file is none of them.") from None
    except (OSError, ValueError, Image.DecompressionBombError):
        raise DecodeError(400, "bad_image", "The photo could not be read: it is damaged or not an image.") from None
    if image.width * image.height > MAX_PIXELS:
        raise DecodeError(413, "too_many_pixels",
                          f"The photo has too many pixels ({image.width}×{image.height}); send at most "
                          f"{MAX_PIXELS // 1_000_000} megapixels.")
    try:
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise DecodeError(400, "bad_image", "The photo could not be read: it is damaged or cut short.") from None
    return image


@bp.errorhandler(DecodeError)
def decode_error(error: DecodeError):
    return api_error(error.status, error.code, error.message)


@bp.errorhandler(413)
def body_too_large(_error):
    return decode_error(too_large())


@bp.post("/decode")
@require_token
def decode():
    data, declared = uploaded_image()
    image = open_image(data, declared)
    return jsonify({"results": [found.as_json() for found in decode_image(image)]})
