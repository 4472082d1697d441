"""GS1 element strings (raw with GS separators, or bracketed as printed) into AI/value pairs.

biip validates each element (check digits, dates); this module decides where
elements begin and end, and reports a lot or serial whose end cannot be known
because the scanner dropped the separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from biip import ParseError
from biip.gs1_element_strings import GS1ElementString

from pwa.scanning.application_identifiers import (
    AI_TABLE,
    CHECK_DIGIT_AIS,
    DATE_AIS,
    SPLIT_AIS,
    find_ai,
)

GS = "\x1d"

# GS1 CSET 82, the characters allowed in alphanumeric AI data.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
_DIGITS = re.compile(r"[0-9]*")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_HRI = re.compile(r"(?:\([0-9]{2,4}\)[^()]*)+")
_HRI_ELEMENT = re.compile(r"\(([0-9]{2,4})\)([^()]*)")


@dataclass(frozen=True)
class Gs1Message:
    """The outcome of reading one GS1 message: elements, an unsplittable tail, or an error."""

    elements: list[tuple[str, str]] = field(default_factory=list)
    ambiguous: str | None = None
    error: str | None = None


def element_error(ai: str, data: str) -> str | None:
    """Why data is not a valid value for ai, as an error code, or None when it is."""
    spec = AI_TABLE[ai]
    if not data:
        return "truncated"
    if not (_DIGITS if spec.numeric else _CSET82).fullmatch(data):
        return "bad_char"
    if len(data) > spec.max_length:
        return "too_long"
    if len(data) < spec.min_length:
        return "truncated"
    if ai in CHECK_DIGIT_AIS or ai in DATE_AIS:
        return _biip_error(ai, data)
    return None


def _biip_error(ai: str, data: str) -> str | None:
    try:
        element = GS1ElementString.parse(ai + data)
    except ParseError:
        return "bad_date" if ai in DATE_AIS else "bad_value"
    if element.gtin_error or element.sscc_error or element.gln_error:
        return "bad_check_digit"
    return None


def element_date(ai: str, data: str) -> str | None:
    """The ISO date held by a valid date element."""
    date = GS1ElementString.parse(ai + data).date
    return date.isoformat() if date else None


def parse_element_string(text: str) -> Gs1Message:
    """Read a raw element string, as sent after FNC1 with GS between elements."""
    sends_separators = GS in text
    text = text.strip(GS)
    if not text:
        return Gs1Message(error="empty")
    if not _PRINTABLE.fullmatch(text.replace(GS, "")):
        return Gs1Message(error="bad_char")
    if not sends_separators:
        # Without any separator (not even FNC1 first, sent as a leading GS) we
        # cannot tell a scanner that drops them from a message that simply ends
        # in a lot, so every reading is considered.
        message = _Splitter(text).parse(0, frozenset(), strict=False)
        return _without_conflicts(message)
    elements: list[tuple[str, str]] = []
    for segment in text.split(GS):
        if not segment:
            continue
        message = _parse_segment(segment)
        if message.error:
            return message
        elements.extend(message.elements)
    return _without_conflicts(Gs1Message(elements=elements))


def parse_bracketed(text: str) -> Gs1Message:
    """Read the human-readable form, e.g. (01)09506000134352(17)261231(10)AB12."""
    if not _PRINTABLE.fullmatch(text):
        return Gs1Message(error="bad_char")
    # Printed labels space the groups; GS1 data never contains a space.
    text = text.replace(" ", "")
    if not _HRI.fullmatch(text):
        return Gs1Message(error="bad_format")
    elements = []
    for ai, data in _HRI_ELEMENT.findall(text):
        if ai not in AI_TABLE:
            return Gs1Message(error="unknown_ai")
        error = element_error(ai, data)
        if error:
            return Gs1Message(error=error)
        elements.append((ai, data))
    return _without_conflicts(Gs1Message(elements=elements))


def _without_conflicts(message: Gs1Message) -> Gs1Message:
    """Reject a message that gives one AI two different values."""
    seen: dict[str, str] = {}
    for ai, data in message.elements:
        if seen.setdefault(ai, data) != data:
            return Gs1Message(error="duplicate_ai")
    return message


def _parse_segment(segment: str) -> Gs1Message:
    """One GS-terminated run: a variable-length AI takes everything to the end."""
    elements = []
    pos = 0
    while pos < len(segment):
        ai, error = find_ai(segment, pos)
        if ai is None:
            return Gs1Message(error=error)
        spec = AI_TABLE[ai]
        start = pos + len(ai)
        end = start + spec.max_length if spec.fixed else len(segment)
        if end > len(segment):
            return Gs1Message(error="truncated")
        error = element_error(ai, segment[start:end])
        if error:
            return Gs1Message(error=error)
        elements.append((ai, segment[start:end]))
        pos = end
    return Gs1Message(elements=elements)


class _Splitter:
    """Reads a message with no separators, trying each place a variable-length value could end.

    A value is taken as read when exactly one reading of the rest is valid;
    with two or more the message is ambiguous from that AI on.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.memo: dict[tuple[int, frozenset[str], bool], Gs1Message] = {}

    def parse(self, pos: int, seen: frozenset[str], *, strict: bool) -> Gs1Message:
        key = (pos, seen, strict)
        if key not in self.memo:
            self.memo[key] = self._parse(pos, seen, strict=strict)
        return self.memo[key]

    def _parse(self, pos: int, seen: frozenset[str], *, strict: bool) -> Gs1Message:
        text = self.text
        elements: list[tuple[str, str]] = []
        while pos < len(text):
            ai, error = find_ai(text, pos)
            if ai is None:
                return Gs1Message(error=error)
            if strict and ai in seen:
                # A reading that repeats an AI is not a plausible split.
                return Gs1Message(error="duplicate_ai")
            seen = seen | {ai}
            spec = AI_TABLE[ai]
            start = pos + len(ai)
            if spec.fixed:
                end = start + spec.max_length
                if end > len(text):
                    return Gs1Message(error="truncated")
                error = element_error(ai, text[start:end])
                if error:
                    return Gs1Message(error=error)
                elements.append((ai, text[start:end]))
                pos = end
                continue
            return self._variable(elements, ai, start, seen)
        return Gs1Message(elements=elements)

    def _variable(
        self, elements: list[tuple[str, str]], ai: str, start: int, seen: frozenset[str]
    ) -> Gs1Message:
        text = self.text
        rest = text[start:]
        greedy_error = element_error(ai, rest)
        readings: list[tuple[str, Gs1Message]] = []
        if greedy_error is None:
            readings.append((rest, Gs1Message()))
        for cut in range(1, min(len(rest), AI_TABLE[ai].max_length + 1)):
            if len(readings) > 1:
                break
            next_ai, _ = find_ai(text, start + cut)
            if next_ai not in SPLIT_AIS or element_error(ai, rest[:cut]):
                continue
            tail = self.parse(start + cut, seen, strict=True)
            if tail.error is None:
                readings.append((rest[:cut], tail))
        if not readings:
            return Gs1Message(error=greedy_error)
        if len(readings) > 1:
            return Gs1Message(elements=elements, ambiguous=f"({ai}){rest}")
        value, tail = readings[0]
        return Gs1Message(
            elements=[*elements, (ai, value), *tail.elements], ambiguous=tail.ambiguous
        )


# Enough readings to choose from on a screen; a real label has two or three.
MAX_READINGS = 8


def all_readings(text: str) -> list[list[tuple[str, str]]]:
    """Every valid way to read an element string sent without separators, as lists of elements.

    The same rules as _Splitter, but each place a variable-length value could end is kept instead of
    stopping at the second: the value taking the whole rest comes first, then the shorter ends in order.
    At most MAX_READINGS.
    """
    memo: dict[tuple[int, frozenset[str], bool], list[list[tuple[str, str]]]] = {}

    def read(pos: int, seen: frozenset[str], strict: bool) -> list[list[tuple[str, str]]]:
        key = (pos, seen, strict)
        if key in memo:
            return memo[key]
        found: list[list[tuple[str, str]]] = []
        ai, _ = find_ai(text, pos) if pos < len(text) else (None, None)
        if pos == len(text):
            found = [[]]
        elif ai is not None and not (strict and ai in seen):
            spec = AI_TABLE[ai]
            start = pos + len(ai)
            if spec.fixed:
                end = start + spec.max_length
                if end <= len(text) and element_error(ai, text[start:end]) is None:
                    found = [[(ai, text[start:end]), *tail] for tail in read(end, seen | {ai}, strict)]
            else:
                rest = text[start:]
                if element_error(ai, rest) is None:
                    found.append([(ai, rest)])
                for cut in range(1, min(len(rest), spec.max_length + 1)):
                    next_ai, _ = find_ai(text, start + cut)
                    if next_ai not in SPLIT_AIS or element_error(ai, rest[:cut]):
                        continue
                    found += [[(ai, rest[:cut]), *tail] for tail in read(start + cut, seen | {ai}, True)]
        memo[key] = found[:MAX_READINGS]
        return memo[key]

    return [elements for elements in read(0, frozenset(), False)
            if not _without_conflicts(Gs1Message(elements=elements)).error]
