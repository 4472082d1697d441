"""Hypothesis strategies for scans: valid GS1 and HIBCC labels with the fields they carry, and noise."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import strategies as st

from tests.scanning.corpus import CASES

GS = "\x1d"
DIGITS = "0123456789"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CODE39 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
VARIABLE_AIS = {"10", "21", "30", "37", "240"}

# Two-digit years expand within 49 years back and 50 ahead of today, so the
# generated dates stay well inside that window for decades of test runs.
FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2055, 12, 31)


def with_check_digit(payload: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return payload + str((10 - total % 10) % 10)


def with_check_character(body: str) -> str:
    return body + CODE39[sum(CODE39.index(c) for c in body) % 43]


gtins = st.text(DIGITS, min_size=13, max_size=13).map(with_check_digit)
ssccs = st.text(DIGITS, min_size=17, max_size=17).map(with_check_digit)


@st.composite
def gs1_dates(draw) -> tuple[str, str]:
    """A YYMMDD value and the ISO date it means, sometimes with day 00 for month end."""
    date = draw(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY))
    if draw(st.booleans()):
        return date.strftime("%y%m00"), date.replace(
            day=calendar.monthrange(date.year, date.month)[1]
        ).isoformat()
    return date.strftime("%y%m%d"), date.isoformat()


@st.composite
def gs1_labels(draw, cset=CSET82) -> tuple[list[tuple[str, str]], dict]:
    """The elements of a valid GS1 label, in label order, and the Scan fields they should give."""
    elements: list[tuple[str, str]] = []
    fields: dict = {}
    if draw(st.booleans()):
        sscc = draw(ssccs)
        elements.append(("00", sscc))
        fields["sscc"] = sscc
    if draw(st.booleans()) or not elements:
        gtin = draw(gtins)
        elements.append(("01", gtin))
        fields["gtin"] = gtin
    if draw(st.booleans()):
        gtin = draw(gtins)
        elements.append(("02", gtin))
        fields["content_gtin"] = gtin
    for ai, field in (("11", "production_date"), ("15", "best_before"), ("17", "expiry")):
        if draw(st.booleans()):
            value, iso = draw(gs1_dates())
            elements.append((ai, value))
            fields[field] = iso
    for ai, field, size in (("10", "lot", 20), ("21", "serial", 20), ("240", "ref", 30)):
        if draw(st.booleans()):
            value = draw(st.text(cset, min_size=1, max_size=size))
            elements.append((ai, value))
            fields[field] = value
    quantity_ai = draw(st.sampled_from([None, "30", "37"]))
    if quantity_ai:
        value = draw(st.text(DIGITS, min_size=1, max_size=8))
        elements.append((quantity_ai, value))
        fields["qty"] = int(value)
    return draw(st.permutations(elements)), fields


def with_separators(elements: list[tuple[str, str]]) -> str:
    """Element string as a scanner sends it: GS after every variable-length value but the last."""
    parts = []
    for index, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if ai in VARIABLE_AIS and index < len(elements) - 1:
            parts.append(GS)
    return "".join(parts)


def bracketed(elements: list[tuple[str, str]], spaced: bool) -> str:
    return (" " if spaced else "").join(f"({ai}){value}" for ai, value in elements)


@st.composite
def hibcc_labels(draw) -> tuple[str, dict]:
    """A valid HIBC label (primary, secondary or both) and the Scan fields it should give."""
    fields: dict = {}
    kind = draw(st.sampled_from(["primary", "secondary", "concatenated"]))
    primary = ""
    if kind != "secondary":
        lic = draw(st.sampled_from(ALNUM[10:])) + draw(st.text(ALNUM, min_size=3, max_size=3))
        product = draw(st.text(ALNUM, min_size=1, max_size=18))
        uom = draw(st.sampled_from(DIGITS))
        primary = lic + product + uom
        fields.update(hibcc_lic=lic, hibcc_product=product, hibcc_uom=uom)
    if kind == "primary":
        return with_check_character("+" + primary), fields
    identifier = draw(st.text(ALNUM, min_size=1, max_size=18))
    date = draw(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY))
    form = draw(st.sampled_from(["lot", "serial", "lot_yymmdd", "serial_yymmdd", "lot_mmyy"]))
    if form == "lot":
        secondary = "$" + identifier
        fields["lot"] = identifier
    elif form == "serial":
        secondary = "$+" + identifier
        fields["serial"] = identifier
    elif form == "lot_yymmdd":
        secondary = "$$3" + date.strftime("%y%m%d") + identifier
        fields.update(lot=identifier, expiry=date.isoformat())
    elif form == "serial_yymmdd":
        secondary = "$$+3" + date.strftime("%y%m%d") + identifier
        fields.update(serial=identifier, expiry=date.isoformat())
    else:
        secondary = "$$" + date.strftime("%m%y") + identifier
        end = date.replace(day=calendar.monthrange(date.year, date.month)[1])
        fields.update(lot=identifier, expiry=end.isoformat())
    if kind == "concatenated":
        return with_check_character(f"+{primary}/{secondary}"), fields
    link = draw(st.sampled_from(CODE39))
    return with_check_character(f"+{secondary}{link}"), fields


@st.composite
def mutated_corpus_scans(draw) -> str:
    """A corpus barcode with one character dropped, doubled, replaced or a separator removed."""
    raw = draw(st.sampled_from([case["raw"] for case in CASES]))
    if not raw:
        return raw
    index = draw(st.integers(0, len(raw) - 1))
    edit = draw(st.sampled_from(["drop", "double", "replace", "drop_gs", "cut"]))
    if edit == "drop":
        return raw[:index] + raw[index + 1 :]
    if edit == "double":
        return raw[: index + 1] + raw[index:]
    if edit == "replace":
        return raw[:index] + draw(st.sampled_from(DIGITS + GS + "A/$+( ")) + raw[index + 1 :]
    if edit == "drop_gs":
        return raw.replace(GS, "")
    return raw[:index]


scan_noise = st.one_of(
    st.text(),
    st.text(DIGITS * 4 + GS + "()+$/-. AXZaz#]", max_size=48),
    st.tuples(st.sampled_from(["", "]d2", "]C1", "]Q3", "]E0", "]d1", GS, " "]),
    st.text(DIGITS * 3 + "ABCD" + GS, max_size=40)).map("".join),
    st.text(CODE39, max_size=30).map(lambda body: with_check_character("+" + body)),
    mutated_corpus_scans(),
)
"""Inputs no one should rely on: random text, near-GS1, near-HIBCC and damaged corpus scans."""
