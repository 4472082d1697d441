"""Properties of the server parser: generated labels read back to the fields they carry, and no input breaks it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pwa.scanning import ERROR_REASONS, parse_scan
from tests.scanning.strategies import (
    CSET82,
    GS,
    bracketed,
    gs1_labels,
    hibcc_labels,
    scan_noise,
    with_separators,
)

DATA_FIELDS = (
    "gtin", "content_gtin", "sscc", "lot", "serial", "expiry", "best_before",
    "production_date", "qty", "ref", "hibcc_lic", "hibcc_product", "hibcc_uom",
)
KINDS = {"gs1", "hibcc", "ean", "internal", "invalid"}


def data_of(scan) -> dict:
    return {name: value for name, value in scan.as_dict().items() if name in DATA_FIELDS and value is not None}


def assert_right_or_doubtful(scan, fields: dict) -> None:
    if scan.ambiguous is None:
        assert data_of(scan) == fields
    else:
        # Whatever was read before the doubtful value is right; nothing is guessed.
        assert data_of(scan).items() <= fields.items()


@given(gs1_labels(), st.sampled_from(["]d2", "]C1", "]Q3", GS]))
def test_gs1_label_with_separators_reads_back_its_fields(label, prefix):
    elements, fields = label

    raw = prefix + with_separators(elements)

    scan = parse_scan(raw)

    assert (scan.kind, scan.error) == ("gs1", None)
    if GS in raw:
        assert scan.ambiguous is None
        assert data_of(scan) == fields
    else:
        # A label ending in its only variable-length value needs no separator,
        # so it cannot be told apart from one whose separators were dropped.
        assert_right_or_doubtful(scan, fields)


@given(gs1_labels(cset=CSET82.replace("(", "").replace(")", "")), st.booleans())
def test_bracketed_gs1_label_reads_back_its_fields(label, spaced):
    elements, fields = label

    scan = parse_scan(bracketed(elements, spaced))

    assert (scan.kind, scan.error, scan.ambiguous) == ("gs1", None, None)
    assert data_of(scan) == fields


@given(gs1_labels())
def test_dropped_separators_give_the_right_fields_or_report_the_doubt(label):
    elements, fields = label

    scan = parse_scan("]d2" + "".join(ai + value for ai, value in elements))

    assert scan.kind == "gs1", scan
    assert_right_or_doubtful(scan, fields)


@given(hibcc_labels())
def test_hibcc_label_reads_back_its_fields(label):
    code, fields = label

    scan = parse_scan(code)

    assert (scan.kind, scan.error, scan.code) == ("hibcc", None, code)
    assert data_of(scan) == fields


@settings(max_examples=300)
@given(scan_noise)
def test_any_text_reads_as_a_scan_without_raising(raw):
    scan = parse_scan(raw)

    assert scan.kind in KINDS
    assert (scan.kind == "invalid") == (scan.error is not None)
    assert scan.error != "unreadable", "the parser hit an unexpected exception"
    assert scan.error is None or scan.error in ERROR_REASONS
    json.dumps(scan.as_dict())


@given(st.binary(max_size=64), st.sampled_from(["latin-1", "utf-8"]))
def test_any_bytes_read_as_a_scan_without_raising(data, encoding):
    scan = parse_scan(data.decode(encoding, errors="surrogateescape"))

    assert scan.kind in KINDS
    assert scan.error != "unreadable", "the parser hit an unexpected exception"


def test_internal_codes_keep_their_text():
    for code in ("SYR-10ML", "WARD-4B", "ENC-2026-000123"):
        assert parse_scan(f" {code}\r\n").as_dict() | {"code": code} == parse_scan(code).as_dict()
        assert parse_scan(code).kind == "internal"
