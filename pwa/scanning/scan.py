"""parse_scan: what a scanner, camera or keyboard sends, classified and read into a Scan."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from biip import ParseError
from biip.gtin import Gtin

from pwa.scanning.gs1 import GS, Gs1Message, all_readings, element_date, parse_bracketed, parse_element_string
from pwa.scanning.hibcc import HibccError, parse_hibcc

Kind = Literal["gs1", "hibcc", "ean", "internal", "invalid"]

MAX_LENGTH = 1000
_TRIM = " \t\r\n"
_SYMBOLOGY = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# Symbology identifiers that announce FNC1 in first position: the data is GS1.
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
_GTIN_DIGITS = re.compile(r"[0-9]{8}|[0-9]{12,14}")
_GS1_START = re.compile(r"0[0-2][0-9]")


# What each error code means, in words a nurse can act on.
ERROR_REASONS = {
    "empty": "Nothing was scanned.",
    "control_char": "The scan holds hidden control characters. Check the scanner settings and scan again.",
    "too_long": "The barcode holds more data than that field allows.",
    "unknown_ai": "The barcode uses a GS1 field this app does not know.",
    "truncated": "The barcode data is cut short. Scan it again.",
    "bad_char": "The barcode holds characters that field does not allow.",
    "bad_check_digit": "The check digit does not match: the barcode is damaged or was misread.",
    "bad_date": "The barcode holds a date that does not exist.",
    "duplicate_ai": "The barcode gives the same field two different values.",
    "bad_format": "The printed GS1 text is not in the (AI)value form.",
    "bad_hibcc": "The HIBC label is not in a form this app reads.",
    "bad_hibcc_check": "The HIBC check character does not match: the label is damaged or was misread.",
    "unreadable": "The barcode could not be read.",
}


@dataclass(frozen=True)
class Scan:
    """One scan, read. Fields the barcode does not carry are None.

    `error` is a key of ERROR_REASONS when kind is "invalid". `ambiguous` is
    set when the scanner sent no GS separator and a lot, serial or other
    variable-length value could end in more than one place: it holds that AI
    and everything after it in bracketed form, e.g. "(10)LOT4221SN9"; the
    value's field and anything after it are left None for the user to confirm.
    """

    kind: Kind
    code: str
    symbology: str | None = None
    gtin: str | None = None
    content_gtin: str | None = None
    sscc: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: str | None = None
    best_before: str | None = None
    production_date: str | None = None
    qty: int | None = None
    ref: str | None = None
    hibcc_lic: str | None = None
    hibcc_product: str | None = None
    hibcc_uom: str | None = None
    ambiguous: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_scan(raw: str) -> Scan:
    """Read one scan. Never raises: anything unreadable comes back as kind "invalid".

    After trimming and taking off a symbology identifier, the first rule that
    fits decides: a GS1 identifier (]C1 ]d2 ]Q3 ]e0 ]J1) means a GS1 element
    string; "(" the bracketed GS1 form; "+" HIBCC; a GS anywhere a GS1 element
    string; 8, 12, 13 or 14 digits EAN/UPC/GTIN; 16 or more characters starting
    00, 01 or 02 and a digit a GS1 element string; anything else is an
    internal code, looked up by `code`.
    """
    try:
        return _parse(raw)
    except Exception:  # noqa: BLE001 - a scan must never take the page down
        return Scan(kind="invalid", code=raw if isinstance(raw, str) else "", error="unreadable")


def _parse(raw: str) -> Scan:
    if not isinstance(raw, str):
        return Scan(kind="invalid", code="", error="empty")
    text = raw.lstrip(_TRIM).rstrip("\t\r\n")
    symbology = None
    if _SYMBOLOGY.match(text):
        symbology, text = text[:3], text[3:].lstrip(_TRIM)
    code = text.rstrip(_TRIM)

    def invalid(error: str) -> Scan:
        return Scan(kind="invalid", code=code, symbology=symbology, error=error)

    if not code:
        return invalid("empty")
    if any(_is_control(char) for char in code):
        return invalid("control_char")
    if len(code) > MAX_LENGTH:
        return invalid("too_long")

    if symbology in GS1_SYMBOLOGIES:
        return _gs1_scan(parse_element_string(code), code, symbology)
    if code.startswith("("):
        return _gs1_scan(parse_bracketed(code), code, symbology)
    if code.startswith("+"):
        return _hibcc_scan(code, text, symbology)
    if GS in code:
        return _gs1_scan(parse_element_string(code), code, symbology)
    if _GTIN_DIGITS.fullmatch(code):
        return _ean_scan(code, symbology)
    if len(code) >= 16 and _GS1_START.match(code):
        return _gs1_scan(parse_element_string(code), code, symbology)
    return Scan(kind="internal", code=code, symbology=symbology)


def _is_control(char: str) -> bool:
    # GS is how scanners transmit FNC1, so it is data, not noise.
    point = ord(char)
    return (point < 0x20 and char != GS) or 0x7F <= point <= 0x9F


def _ean_scan(code: str, symbology: str | None) -> Scan:
    try:
        gtin = Gtin.parse(code)
    except ParseError:
        return Scan(kind="invalid", code=code, symbology=symbology, error="bad_check_digit")
    return Scan(kind="ean", code=code, symbology=symbology, gtin=gtin.as_gtin_14())


def _gs1_scan(message: Gs1Message, code: str, symbology: str | None) -> Scan:
    if message.error:
        return Scan(kind="invalid", code=code, symbology=symbology, error=message.error)
    values = dict(message.elements)
    quantity = values.get("37", values.get("30"))
    return Scan(
        kind="gs1",
        code=code,
        symbology=symbology,
        gtin=values.get("01"),
        content_gtin=values.get("02"),
        sscc=values.get("00"),
        lot=values.get("10"),
        serial=values.get("21"),
        expiry=_date(values, "17"),
        best_before=_date(values, "15"),
        production_date=_date(values, "11"),
        qty=int(quantity) if quantity is not None else None,
        ref=values.get("240"),
        ambiguous=message.ambiguous,
    )


def _date(values: dict[str, str], ai: str) -> str | None:
    return element_date(ai, values[ai]) if ai in values else None


def _hibcc_scan(code: str, text: str, symbology: str | None) -> Scan:
    # The check character (and a secondary's link character) can be a space,
    # which trimming just removed; spaces the scanner sent are tried first.
    sent = len(text[len(code) : len(code) + 2]) - len(text[len(code) : len(code) + 2].lstrip(" "))
    for spaces in range(sent, 0, -1):
        try:
            return _hibcc_label_scan(code + " " * spaces, symbology)
        except HibccError:
            pass
    try:
        return _hibcc_label_scan(code, symbology)
    except HibccError as error:
        return Scan(kind="invalid", code=code, symbology=symbology, error=error.args[0])


def _hibcc_label_scan(code: str, symbology: str | None) -> Scan:
    label = parse_hibcc(code)
    return Scan(
        kind="hibcc",
        code=code,
        symbology=symbology,
        lot=label.lot,
        serial=label.serial,
        expiry=label.expiry,
        production_date=label.production_date,
        qty=label.qty,
        hibcc_lic=label.lic,
        hibcc_product=label.product,
        hibcc_uom=label.uom,
    )


# What one reading of an ambiguous scan settles: the fields a GS1 element string can carry.
READING_FIELDS = ("gtin", "content_gtin", "sscc", "lot", "serial", "expiry", "best_before", "production_date", "qty",
                  "ref")


def ambiguous_readings(scan: Scan) -> list[dict[str, Any]]:
    """The ways an ambiguous scan can be read, each a dict of READING_FIELDS (None where not carried).

    Empty unless `scan.ambiguous` is set. The first reading takes the ambiguous value whole (e.g. the lot
    "LOT4221SN9"), when that is valid; the others end it earlier (lot "LOT42" and serial "SN9"). What the
    scan already read for certain is the same in every reading. The device's `ambiguousReadings` agrees.
    """
    if scan.kind != "gs1" or not scan.ambiguous:
        return []
    known = {name: value for name, value in scan.as_dict().items() if name in READING_FIELDS and value is not None}
    readings: list[dict[str, Any]] = []
    for elements in all_readings(scan.code):
        read = _gs1_scan(Gs1Message(elements=elements), scan.code, scan.symbology).as_dict()
        reading = {name: read[name] for name in READING_FIELDS}
        if all(reading[name] == value for name, value in known.items()) and reading not in readings:
            readings.append(reading)
    return readings
