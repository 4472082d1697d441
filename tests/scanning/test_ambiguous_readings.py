"""A scan whose separator was dropped: the readings the user chooses from, the same on the device and the server."""

from __future__ import annotations

import pytest

from pwa.scanning import ambiguous_readings, parse_scan
from tests.scanning.corpus import CASES
from tests.scanning.test_parser_agreement import run_device_parser

AMBIGUOUS = [case for case in CASES if case["expect"]["ambiguous"]]


def test_the_corpus_holds_ambiguous_scans():
    assert len(AMBIGUOUS) >= 3


def test_lot_run_into_serial_reads_whole_first_then_split():
    readings = ambiguous_readings(parse_scan("]d201095060001343521726123110LOT4221SN9"))

    assert [(r["lot"], r["serial"], r["expiry"]) for r in readings] == [
        ("LOT4221SN9", None, "2026-12-31"),
        ("LOT42", "SN9", "2026-12-31"),
    ]
    assert {r["gtin"] for r in readings} == {"09506000134352"}


def test_lot_run_into_an_expiry_offers_the_expiry():
    readings = ambiguous_readings(parse_scan("010950600013435210ABC17261231"))

    assert [(r["lot"], r["expiry"]) for r in readings] == [("ABC17261231", None), ("ABC", "2026-12-31")]


@pytest.mark.parametrize("case", AMBIGUOUS, ids=[case["name"] for case in AMBIGUOUS])
def test_every_reading_keeps_what_the_scan_read_for_certain(case):
    scan = parse_scan(case["raw"])
    readings = ambiguous_readings(scan)

    assert len(readings) >= 2
    for reading in readings:
        for name, value in reading.items():
            if getattr(scan, name) is not None:
                assert value == getattr(scan, name)


def test_a_clear_scan_has_no_readings_to_choose_from():
    assert ambiguous_readings(parse_scan("]d201095060001343521726123110LOT123\x1d21SN0042")) == []
    assert ambiguous_readings(parse_scan("SYR-10ML")) == []


def test_device_and_server_offer_the_same_readings():
    raws = [case["raw"] for case in AMBIGUOUS] + ["]d201095060001343521726123110LOT123\x1d21SN0042", "SYR-10ML"]

    assert run_device_parser("readings", raws) == [ambiguous_readings(parse_scan(raw)) for raw in raws]
