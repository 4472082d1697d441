"""HIBC LIC labels (HIBCC): primary (labeler, product, unit of measure), secondary (lot, expiry, serial) and both concatenated."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pwa.scanning.dates import full_year, iso_date, iso_ordinal

# Code 39 characters in the order of their mod-43 check values.
CODE39 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"

_PRIMARY = re.compile(r"([A-Z][0-9A-Z]{3})([0-9A-Z]{1,18})([0-9])")
_ID = re.compile(r"[0-9A-Z]{1,18}")
_DIGITS = re.compile(r"[0-9]+")


class HibccError(Exception):
    """A label that is not valid HIBC; args[0] is the error code."""


@dataclass
class HibccLabel:
    """What a HIBC label says; fields it does not carry stay None."""

    lic: str | None = None
    product: str | None = None
    uom: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: str | None = None
    production_date: str | None = None
    qty: int | None = None


def check_character(body: str) -> str:
    """The mod-43 check character for everything before it, the leading + included."""
    return CODE39[sum(CODE39.index(char) for char in body) % 43]


def parse_hibcc(code: str) -> HibccLabel:
    """Read a HIBC label starting with "+"; raises HibccError with a code when invalid."""
    if len(code) < 3 or not code.startswith("+") or any(c not in CODE39 for c in code):
        raise HibccError("bad_hibcc")
    body, check = code[:-1], code[-1]
    if check_character(body) != check:
        raise HibccError("bad_hibcc_check")
    data = body[1:]
    label = HibccLabel()
    if "A" <= data[0] <= "Z":
        primary, _, secondary = data.partition("/")
        match = _PRIMARY.fullmatch(primary)
        if not match:
            raise HibccError("bad_hibcc")
        label.lic, label.product, label.uom = match.groups()
        if "/" in data:
            _read_secondary(secondary, label)
    else:
        # A secondary label on its own ends with the primary's check
        # character (the link), which ties it to the product label.
        if len(data) < 2:
            raise HibccError("bad_hibcc")
        _read_secondary(data[:-1], label)
    return label


def _read_secondary(secondary: str, label: HibccLabel) -> None:
    main, *supplements = secondary.split("/")
    if main.startswith("$$+"):
        label.expiry, rest = _take_date(main[3:])
        label.serial = _identifier(rest)
    elif main.startswith("$$"):
        label.qty, rest = _take_quantity(main[2:])
        label.expiry, rest = _take_date(rest)
        label.lot = _identifier(rest) if rest else None
    elif main.startswith("$+"):
        label.serial = _identifier(main[2:])
    elif main.startswith("$"):
        label.lot = _identifier(main[1:])
    elif len(main) >= 5 and _DIGITS.fullmatch(main[:5]):
        # Oldest secondary format: YYJJJ (Julian date) then the lot.
        label.expiry = _julian(main[:5])
        label.lot = _identifier(main[5:]) if main[5:] else None
    else:
        raise HibccError("bad_hibcc")
    for supplement in supplements:
        _read_supplement(supplement, label)


def _read_supplement(supplement: str, label: HibccLabel) -> None:
    """Supplemental data after "/": S serial, 14D expiry, 16D manufacture date."""
    if supplement.startswith("S") and label.serial is None:
        label.serial = _identifier(supplement[1:])
    elif supplement.startswith("14D") and label.expiry is None:
        label.expiry = _long_date(supplement[3:])
    elif supplement.startswith("16D") and label.production_date is None:
        label.production_date = _long_date(supplement[3:])
    else:
        raise HibccError("bad_hibcc")


def _identifier(text: str) -> str:
    if not _ID.fullmatch(text):
        raise HibccError("bad_hibcc")
    return text


def _take_quantity(text: str) -> tuple[int | None, str]:
    """An optional quantity: 8 then two digits, or 9 then five."""
    width = {"8": 2, "9": 5}.get(text[:1])
    if width is None:
        return None, text
    digits = text[1 : 1 + width]
    if len(digits) != width or not _DIGITS.fullmatch(digits):
        raise HibccError("bad_hibcc")
    return int(digits), text[1 + width :]


def _take_date(text: str) -> tuple[str | None, str]:
    """The expiry whose format the first character names; 0 or 1 starts a bare MMYY."""
    flag = text[:1]
    if flag in ("0", "1"):
        digits = _fixed_digits(text, 0, 4)
        year = full_year(int(digits[2:]))
        return _valid(iso_date(year, int(digits[:2]), 0)), text[4:]
    if flag == "2":
        digits = _fixed_digits(text, 1, 6)
        year = full_year(int(digits[4:]))
        return _valid(iso_date(year, int(digits[:2]), int(digits[2:4]))), text[7:]
    if flag == "3":
        return _short_date(_fixed_digits(text, 1, 6)), text[7:]
    if flag == "4":
        digits = _fixed_digits(text, 1, 8)
        _hour(digits[6:])
        return _short_date(digits[:6]), text[9:]
    if flag == "5":
        return _julian(_fixed_digits(text, 1, 5)), text[6:]
    if flag == "6":
        digits = _fixed_digits(text, 1, 7)
        _hour(digits[5:])
        return _julian(digits[:5]), text[8:]
    if flag == "7":
        return None, text[1:]
    raise HibccError("bad_hibcc")


def _fixed_digits(text: str, start: int, width: int) -> str:
    digits = text[start : start + width]
    if len(digits) != width or not _DIGITS.fullmatch(digits):
        raise HibccError("bad_hibcc")
    return digits


def _short_date(digits: str) -> str:
    """YYMMDD; unlike GS1, HIBC has no day 00."""
    day = int(digits[4:])
    if day == 0:
        raise HibccError("bad_date")
    return _valid(iso_date(full_year(int(digits[:2])), int(digits[2:4]), day))


def _long_date(text: str) -> str:
    """YYYYMMDD, used by the supplemental data fields."""
    if len(text) != 8 or not _DIGITS.fullmatch(text):
        raise HibccError("bad_hibcc")
    day = int(text[6:])
    if day == 0:
        raise HibccError("bad_date")
    return _valid(iso_date(int(text[:4]), int(text[4:6]), day))


def _julian(digits: str) -> str:
    return _valid(iso_ordinal(full_year(int(digits[:2])), int(digits[2:])))


def _hour(digits: str) -> None:
    if int(digits) > 23:
        raise HibccError("bad_date")


def _valid(date: str | None) -> str:
    if date is None:
        raise HibccError("bad_date")
    return date
