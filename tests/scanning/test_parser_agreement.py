"""The device parser (static/js/scan) and the server parser give the same reading of every scan."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from pwa.scanning import ERROR_REASONS, parse_scan
from pwa.scanning.application_identifiers import AI_TABLE, CHECK_DIGIT_AIS, DATE_AIS, SPLIT_AIS
from tests.scanning.corpus import CASES, CASES_BY_NAME
from tests.scanning.strategies import scan_noise

BRIDGE = Path(__file__).with_name("js_bridge.mjs")
GENERATED_INPUTS = 400


def run_device_parser(mode: str, payload: object = None) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the device scan parser cannot be checked against the server's")
    completed = subprocess.run(
        [node, "--no-warnings", str(BRIDGE), mode],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def device_readings_of_corpus() -> dict[str, dict]:
    readings = run_device_parser("parse", [case["raw"] for case in CASES])
    return {case["name"]: reading for case, reading in zip(CASES, readings, strict=True)}


@pytest.mark.parametrize("name", list(CASES_BY_NAME))
def test_device_and_server_agree_on_corpus_case(name, device_readings_of_corpus):
    raw = CASES_BY_NAME[name]["raw"]

    assert device_readings_of_corpus[name] == parse_scan(raw).as_dict()


def generated_inputs() -> list[str]:
    inputs: list[str] = []

    @settings(
        max_examples=GENERATED_INPUTS,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(scan_noise)
    def collect(raw: str) -> None:
        inputs.append(raw)

    collect()
    return inputs


def test_device_and_server_agree_on_generated_scans():
    inputs = generated_inputs()
    assert len(inputs) >= GENERATED_INPUTS // 2

    device = run_device_parser("parse", inputs)

    disagreements = [
        (raw, reading, parse_scan(raw).as_dict())
        for raw, reading in zip(inputs, device, strict=True)
        if reading != parse_scan(raw).as_dict()
    ]
    assert not disagreements, "\n".join(
        f"{raw!r}:\n  device {reading}\n  server {server}" for raw, reading, server in disagreements[:5]
    )


def test_device_carries_the_servers_ai_table():
    tables = run_device_parser("tables")

    assert {
        spec["ai"]: (spec["numeric"], spec["min"], spec["max"]) for spec in tables["ais"]
    } == {ai: (spec.numeric, spec.min_length, spec.max_length) for ai, spec in AI_TABLE.items()}
    assert tables["check_digit_ais"] == sorted(CHECK_DIGIT_AIS)
    assert tables["date_ais"] == sorted(DATE_AIS)
    assert tables["split_ais"] == sorted(SPLIT_AIS)


def test_device_explains_errors_in_the_servers_words():
    assert run_device_parser("tables")["error_reasons"] == ERROR_REASONS
