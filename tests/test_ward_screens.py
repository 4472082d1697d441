"""The Issue and Return pages as the server renders them: who may open them, what an item card asks for, and the
floor charge offered only where the policy allows it. (The screens at work are in tests/browser/.)"""
from __future__ import annotations

import pytest

from tests.conftest import sign_in


@pytest.fixture
def nurse_pages(client):
    sign_in(client, "nurse")
    return client


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_a_receiver_or_counter_may_not_issue_or_take_returns(client):
    sign_in(client, "receiver")
    assert client.get("/issue/").status_code == 403
    assert client.get("/return/item?scan=SYR-10ML").status_code == 403


def test_the_issue_screen_asks_for_the_patient_first_and_offers_a_floor_charge_by_policy(app, nurse_pages):
    html = page(nurse_pages, "/issue/")
    assert "wristband, or type the encounter number." in html
    assert '<option value="WARD-4B">Ward 4B</option>' in html
    assert "Floor charge: the department, no patient" in html
    app.config["FLOOR_CHARGE_ROLES"] = ("supervisor",)
    assert "Floor charge: the department, no patient" not in page(nurse_pages, "/issue/")


def test_an_issue_card_shows_billable_items_lots_and_packs(nurse_pages):
    syringe = page(nurse_pages, "/issue/item?scan=(01)07612340000041(17)280630(10)L2611A")
    assert 'data-slot="charge_note">Billable' in syringe
    assert 'name="lot" value="L2611A"' in syringe and "2028-06-30" in syringe
    gloves = page(nurse_pages, "/issue/item?scan=17612340000161")
    assert "pack of 200 units" in gloves and 'name="charge_note" value=""' in gloves
    assert "is not in the catalog" in page(nurse_pages, "/issue/item?scan=NOT-A-THING")
    response = nurse_pages.get("/issue/item?scan=SYR-10ML")
    assert "HX-Request" in response.headers["Vary"]


def test_a_returned_tracked_item_needs_its_lot_unless_the_scan_carried_it(nurse_pages):
    bare = page(nurse_pages, "/return/item?scan=07612340000669")
    assert 'name="needs_lot" value="yes"' in bare and "Lot number" in bare
    labelled = page(nurse_pages, "/return/item?scan=(01)07612340000669(10)L77")
    assert 'name="needs_lot" value=""' in labelled and 'name="lot" value="L77"' in labelled
    tube = page(nurse_pages, "/return/item?scan=ETT-7.0MM")
    assert "Serial number" in tube
    assert 'name="needs_lot" value=""' in page(nurse_pages, "/return/item?scan=BAN-5CM")
    assert "Procedure cancelled" in bare
