"""The shared barcode corpus (tests/data/barcodes.json) that pins the server and device parsers."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS_PATH = Path(__file__).resolve().parents[1] / "data" / "barcodes.json"
CASES: list[dict] = json.loads(CORPUS_PATH.read_text(encoding="utf-8"))
CASES_BY_NAME: dict[str, dict] = {case["name"]: case for case in CASES}
