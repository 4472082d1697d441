"""The GS1 Application Identifiers the scanner understands, with the shape of their data.

The device parser (static/js/scan/ais.js) carries the same table; a test
holds the two equal and checks every entry against biip's GS1 definitions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AISpec:
    """How the data after one AI looks: digits only or GS1 CSET 82, and its length range."""

    ai: str
    numeric: bool
    min_length: int
    max_length: int

    @property
    def fixed(self) -> bool:
        return self.min_length == self.max_length


def _fixed(ai: str, length: int) -> AISpec:
    return AISpec(ai, numeric=True, min_length=length, max_length=length)


def _digits(ai: str, max_length: int) -> AISpec:
    return AISpec(ai, numeric=True, min_length=1, max_length=max_length)


def _text(ai: str, max_length: int) -> AISpec:
    return AISpec(ai, numeric=False, min_length=1, max_length=max_length)


# Measures (310n-369n) exist only for the unit groups GS1 defines, n = 0..5 decimals.
_MEASURE_GROUPS = (
    [f"31{u}" for u in "0123456"]
    + [f"32{u}" for u in "0123456789"]
    + [f"33{u}" for u in "01234567"]
    + [f"34{u}" for u in "0123456789"]
    + [f"35{u}" for u in "01234567"]
    + [f"36{u}" for u in "0123456789"]
)

_SPECS = [
    _fixed("00", 18),
    _fixed("01", 14),
    _fixed("02", 14),
    _text("10", 20),
    _fixed("11", 6),
    _fixed("12", 6),
    _fixed("13", 6),
    _fixed("15", 6),
    _fixed("16", 6),
    _fixed("17", 6),
    _fixed("20", 2),
    _text("21", 20),
    _text("22", 20),
    _digits("30", 8),
    _digits("37", 8),
    _text("90", 30),
    *[_text(f"9{d}", 90) for d in "123456789"],
    _text("235", 28),
    _text("240", 30),
    _text("241", 30),
    _digits("242", 6),
    _text("243", 20),
    _text("250", 30),
    _text("251", 30),
    _text("254", 20),
    _text("400", 30),
    _text("401", 30),
    _fixed("402", 17),
    _text("403", 30),
    *[_fixed(f"41{d}", 13) for d in "01234567"],
    _text("420", 20),
    _fixed("422", 3),
    _fixed("424", 3),
    _fixed("426", 3),
    *[_text(f"71{d}", 20) for d in "0123456"],
    *[_fixed(f"{group}{n}", 6) for group in _MEASURE_GROUPS for n in "012345"],
    _text("7240", 20),
    _text("8004", 30),
    _fixed("8005", 6),
    _text("8020", 25),
    _text("8200", 70),
]

AI_TABLE: dict[str, AISpec] = {spec.ai: spec for spec in _SPECS}

# AIs whose data carries a mod-10 check digit (SSCC, GTIN, GLN).
CHECK_DIGIT_AIS = frozenset({"00", "01", "02", "410", "411", "412", "413", "414", "415", "416", "417"})

# AIs holding a YYMMDD date, where day 00 means the last day of the month.
DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})

# AIs that can plausibly follow a lot or serial whose separator the scanner
# dropped; only these are tried when looking for a second reading of the data.
SPLIT_AIS = frozenset({"00", "01", "02", "10", "11", "15", "17", "21", "30", "37", "240"})


def find_ai(text: str, pos: int) -> tuple[str | None, str | None]:
    """The AI starting at pos, or an error code: "truncated" or "unknown_ai"."""
    for length in (2, 3, 4):
        candidate = text[pos : pos + length]
        if len(candidate) == length and candidate in AI_TABLE:
            return candidate, None
    rest = text[pos : pos + 4]
    if any(ai.startswith(rest) and len(ai) > len(rest) for ai in AI_TABLE):
        return None, "truncated"
    return None, "unknown_ai"
