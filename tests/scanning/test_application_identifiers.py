"""The scanner's AI table says what GS1 (as bundled with biip) says about each AI it lists."""

from __future__ import annotations

import re

import pytest
from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS

from pwa.scanning.application_identifiers import (
    AI_TABLE,
    CHECK_DIGIT_AIS,
    DATE_AIS,
    SPLIT_AIS,
    find_ai,
)

# GS1 formats: "N2+N14" fixed digits, "N3+N..6" up to 6 digits, "N2+X..20" up to 20 CSET 82.
_FORMAT = re.compile(r"N[234]\+([NX])(\.\.)?([0-9]+)")


@pytest.mark.parametrize("ai", sorted(AI_TABLE))
def test_ai_matches_gs1_definition(ai):
    spec = AI_TABLE[ai]
    gs1 = _GS1_APPLICATION_IDENTIFIERS[ai]
    kind, variable, length = _FORMAT.fullmatch(gs1.format).groups()

    assert spec.numeric == (kind == "N")
    assert spec.max_length == int(length)
    assert spec.fixed == (variable is None)
    if not spec.fixed:
        assert gs1.separator_required


def test_ai_sets_name_known_ais():
    assert CHECK_DIGIT_AIS | DATE_AIS | SPLIT_AIS <= set(AI_TABLE)


def test_no_ai_is_the_start_of_another():
    # GS1 AIs are prefix-free; the element splitter relies on it.
    for ai in AI_TABLE:
        assert not any(other != ai and other.startswith(ai) for other in AI_TABLE)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("0109506000134352", ("01", None)),
        ("240REF", ("240", None)),
        ("3103000250", ("3103", None)),
        ("24", (None, "truncated")),
        ("3", (None, "truncated")),
        ("05123", (None, "unknown_ai")),
        ("3109000250", (None, "unknown_ai")),
        ("SYR", (None, "unknown_ai")),
    ],
)
def test_find_ai(text, found):
    assert find_ai(text, 0) == found
