"""The ward's ordering screens as the server answers them online: the par list's suggestions (what is already
ordered counts), the deliveries still to check in (a confirmed one leaves the list at once), the scans while
checking in, the expired-lot suggestion on Waste, and who may open what."""
from __future__ import annotations

import math
import re
from datetime import date

from sqlalchemy import select

from pwa.models import Location, ParLevel, Product, StockLevel
from pwa.requisition import suggestion
from pwa.screens import BLANK_ITEM
from pwa.transfers import TransferReport, record_transfers
from pwa.waste import waste_view
from tests.conftest import new_action, sign_in


def par_row(html: str, ref: str) -> str:
    rows = [row for row in re.findall(r'<form class="par-row".*?</form>', html, re.S)
            if f'name="ref" value="{ref}"' in row]
    assert len(rows) == 1, f"{ref} is not on the par list once"
    return rows[0]


def suggested(row: str) -> int:
    return int(re.search(r'name="qty"[^>]*value="(\d+)"', row).group(1))


def test_the_par_list_suggests_up_to_par_in_whole_packs_and_counts_what_is_ordered(client, journal, nurse):
    ward = journal.scalar(select(Location).where(Location.code == "WARD-4B"))
    syringes = journal.scalar(select(Product).where(Product.ref == "SYR-10ML"))
    par = journal.scalar(select(ParLevel).where(ParLevel.location_id == ward.id,
                                                ParLevel.product_id == syringes.id)) or ParLevel(location=ward,
                                                                                                 product=syringes)
    par.min_qty, par.max_qty, par.active = 150, 450, True
    journal.add(par)
    for level in journal.scalars(select(StockLevel).where(StockLevel.location_id == ward.id,
                                                          StockLevel.product_id == syringes.id)):
        level.active = False
    journal.add(StockLevel(location=ward, product=syringes, lot="A1", qty=30))
    journal.add(StockLevel(location=ward, product=syringes, lot="B2", qty=20))
    journal.commit()
    sign_in(client)

    row = par_row(client.get("/requisition/par?location=WARD-4B").get_data(as_text=True), "SYR-10ML")
    assert 'value="17612340000048"' in row  # ordered by the box of 100
    assert "On hand <strong data-slot=\"on_hand\">50</strong>" in row
    assert suggested(row) == math.ceil((450 - 50) / 100) == suggestion(150, 450, 50, 0, 100) == 4

    # A requisition Odoo has no transfer of yet counts as ordered: nothing more is suggested.
    assert nurse.results(new_action("requisition", "WARD-4B", [{"product": "17612340000048", "qty": 4}]))[0][
        "status"] == "accepted"
    row = par_row(client.get("/requisition/par?location=WARD-4B").get_data(as_text=True), "SYR-10ML")
    assert "On its way\n      <strong data-slot=\"on_order\">400</strong>" in row
    assert suggested(row) == 0
    assert client.get("/requisition/par?location=ICU").status_code == 404  # not the nurse's department


def test_a_confirmed_delivery_leaves_the_list_before_odoo_has_validated_it(client, journal, nurse):
    record_transfers(journal, [TransferReport("WH/INT/00077", "WARD-4B", "on_its_way", [{"ref": "BAN-5CM", "qty": 24}]),
                               TransferReport("WH/INT/00078", "ICU", "sent", [{"ref": "BAN-5CM", "qty": 12}])])
    journal.commit()
    sign_in(client)
    listed = client.get("/arrival/transfers?location=WARD-4B").get_data(as_text=True)
    assert "WH/INT/00077" in listed and "WH/INT/00078" not in listed
    check = client.get("/arrival/transfer?name=WH/INT/00077").get_data(as_text=True)
    assert "Expected <strong data-slot=\"expected\">24 (2 × box of 12)</strong>" in check
    assert "is not open for your" in client.get("/arrival/transfer?name=WH/INT/00078").get_data(as_text=True)

    nurse.results(new_action("transfer_confirm", "WARD-4B", [{"product": "BAN-5CM", "qty": 24}],
                             transfer="WH/INT/00077"))
    assert "WH/INT/00077" not in client.get("/arrival/transfers?location=WARD-4B").get_data(as_text=True)
    assert "is not open for your" in client.get("/arrival/transfer?name=WH/INT/00077").get_data(as_text=True)


def test_a_scan_while_checking_in_is_an_item_a_delivery_note_or_unknown(client, journal):
    record_transfers(journal, [TransferReport("WH/INT/00079", "WARD-4B", "sent", [{"ref": "BAN-5CM", "qty": 12}])])
    journal.commit()
    sign_in(client)
    item = client.get("/arrival/item?scan=17612340000734").get_data(as_text=True)
    assert re.search(r'data-scanned data-slot-show="ref"\s*>', item) and 'value="12.0"' in item
    note = client.get("/arrival/item?scan=WH/INT/00079").get_data(as_text=True)
    assert re.search(r'data-named-transfer data-slot-show="named"\s*>', note) and 'value="WH/INT/00079"' in note
    assert "nor a delivery on its way here" in client.get("/arrival/item?scan=NOPE-1").get_data(as_text=True)


def test_waste_says_whether_the_scanned_lot_has_expired():
    item = BLANK_ITEM.__class__(**{**BLANK_ITEM.as_dict(), "ref": "SYR-10ML", "expiry": "2026-11-22"})
    assert waste_view(item, today=date(2026, 11, 23))["expired"] == "yes"
    fresh = waste_view(item, today=date(2026, 11, 22))
    assert (fresh["expired"], fresh["good_until"]) == ("", "2026-11-22")  # good through its last day
    assert waste_view(BLANK_ITEM)["expired"] == waste_view(BLANK_ITEM)["good_until"] == ""


def test_the_expired_lot_comes_with_the_reason_set(client):
    sign_in(client)
    html = client.get("/waste/item?scan=(01)07612340000041(17)200131(10)OLD1").get_data(as_text=True)
    assert "Expired\n    on <span data-slot=\"expiry\">2020-01-31</span>" in html
    assert re.search(r'<option value="expired" data-slot-selected="expired" selected>', html)


def test_only_ward_roles_open_the_ordering_screens(app):
    counter, receiver = app.test_client(), app.test_client()
    sign_in(counter, "counter")
    assert counter.get("/requisition/").status_code == 403
    assert counter.get("/arrival/").status_code == 403
    sign_in(receiver, "receiver")
    assert receiver.get("/arrival/").status_code == 200
    assert receiver.get("/requisition/").status_code == 403
