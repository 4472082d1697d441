"""A label scanned without its GS separators: the item fragment of every screen that records a lot asks which
reading is on the label, the whole value as the lot chosen unless the user picks another."""
from __future__ import annotations

import json
from html import unescape
from html.parser import HTMLParser

import pytest

from tests.conftest import sign_in

# SYR-10ML's unit GTIN, expiry 2026-12-31, then a lot that may hold a serial: "LOT4221SN9" or "LOT42" + "SN9".
AMBIGUOUS = "]d201076123400000411726123110LOT4221SN9"


class Readings(HTMLParser):
    """The reading radios of a fragment (outside any <template>): their values and which one is checked."""

    def __init__(self):
        super().__init__()
        self.depth, self.radios = 0, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "template":
            self.depth += 1
        elif tag == "input" and "data-line-choice" in attributes and not self.depth:
            self.radios.append((json.loads(unescape(attributes["value"])), "checked" in attributes))

    def handle_endtag(self, tag):
        if tag == "template":
            self.depth -= 1


def readings_of(html: str) -> list[tuple[dict, bool]]:
    parser = Readings()
    parser.feed(html)
    return parser.radios


def item_fragment(client, path: str, scan: str) -> str:
    response = client.get(path, query_string={"scan": scan}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_waste_asks_which_reading_of_a_scan_without_separators_is_on_the_label(client):
    sign_in(client, "nurse")

    html = item_fragment(client, "/waste/item", AMBIGUOUS)

    assert "Which is on the label?" in html and "Syringe" in html
    assert readings_of(html) == [
        ({"lot": "LOT4221SN9", "serial": "", "expiry": "2026-12-31"}, True),
        ({"lot": "LOT42", "serial": "SN9", "expiry": "2026-12-31"}, False),
    ]
    assert "LOT4221SN9" in html and "SN9</strong>" in html


@pytest.mark.parametrize("path", ["/issue/item", "/return/item"])
def test_ward_screens_ask_the_same_question(client, path):
    sign_in(client, "nurse")

    html = item_fragment(client, path, AMBIGUOUS)

    assert [(reading["lot"], reading["serial"], checked) for reading, checked in readings_of(html)] == [
        ("LOT4221SN9", "", True), ("LOT42", "SN9", False)]


def test_return_does_not_also_ask_for_the_lot_to_be_typed(client):
    sign_in(client, "nurse")

    html = item_fragment(client, "/return/item", AMBIGUOUS)

    assert 'name="needs_lot" value=""' in html


def test_a_scan_with_its_separators_asks_nothing(client):
    sign_in(client, "nurse")

    html = item_fragment(client, "/waste/item", "]d201076123400000411726123110LOT42\x1d21SN9")

    assert readings_of(html) == []
    assert '<fieldset class="readings" data-slot-show="ambiguous" hidden>' in html


def test_the_screens_page_holds_the_question_for_the_device_to_fill_offline(client):
    sign_in(client, "nurse")

    page = client.get("/waste/").get_data(as_text=True)

    assert 'id="tpl-scan-reading"' in page and "data-slot-checked=\"default\"" in page
