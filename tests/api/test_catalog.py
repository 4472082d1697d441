"""GET /api/v1/catalog: the department-scoped catalog, then only what changed after the device's cursor."""
import pytest
from sqlalchemy import select

from pwa.catalog import stamp
from pwa.models import Location, Product
from tests.conftest import Api

pytestmark = pytest.mark.both_databases


def full_catalog(api: Api, since: str | None = None, limit: int = 5000) -> dict:
    merged = {"products": [], "locations": [], "par": [], "stock": []}
    cursor = since
    while True:
        query = f"?limit={limit}" + (f"&since={cursor}" if cursor else "")
        page = api.get(f"/api/v1/catalog{query}").get_json()
        for key in merged:
            merged[key] += page.get(key, [])
        cursor = page["cursor"]
        if not page["more"]:
            merged["cursor"] = cursor
            return merged


def test_first_sync_has_products_and_only_my_locations(nurse, journal):
    catalog = full_catalog(nurse)
    assert len(catalog["products"]) == journal.query(Product).count()
    assert [loc["code"] for loc in catalog["locations"]] == ["WARD-4B"]
    assert {par["location"] for par in catalog["par"]} == {"WARD-4B"} and len(catalog["par"]) == 40
    syringe = next(p for p in catalog["products"] if p["ref"] == "SYR-10ML")
    assert syringe["tracking"] == "lot" and syringe["billable"] is True and syringe["uom"] == "Units"
    assert len(syringe["barcodes"]) == 1 and len(syringe["barcodes"][0]) == 14
    assert syringe["packs"] == [{"barcode": syringe["packs"][0]["barcode"], "qty": 100.0}]


def test_paging_returns_everything_exactly_once(nurse):
    whole = full_catalog(nurse)
    paged = full_catalog(nurse, limit=37)
    assert sorted(p["ref"] for p in paged["products"]) == sorted(p["ref"] for p in whole["products"])
    assert len(paged["par"]) == len(whole["par"]) and paged["cursor"] == whole["cursor"]


def test_delta_has_only_changes_including_archived_rows(nurse, app):
    cursor = full_catalog(nurse)["cursor"]
    assert full_catalog(nurse, since=cursor)["products"] == []
    with app.app_context():
        from pwa import db
        session = db.session()
        gloves = session.scalar(select(Product).where(Product.ref == "GLV-N-M"))
        gloves.name = "Nitrile gloves M (new supplier)"
        syringe = session.scalar(select(Product).where(Product.ref == "SYR-1ML"))
        syringe.active = False
        icu = session.scalar(select(Location).where(Location.code == "ICU"))
        icu.name = "ICU (renamed, not in the nurse's scope)"
        stamp(session, gloves, syringe, icu)
        session.commit()
    delta = full_catalog(nurse, since=cursor)
    assert {(p["ref"], p["active"]) for p in delta["products"]} == {("GLV-N-M", True), ("SYR-1ML", False)}
    assert delta["locations"] == []
    assert int(delta["cursor"]) > int(cursor)


@pytest.mark.parametrize("query", ["?since=abc", "?since=-1", "?limit=0", "?limit=lots"])
def test_bad_cursor_is_400(nurse, query):
    response = nurse.get(f"/api/v1/catalog{query}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_cursor"


def test_catalog_needs_a_token(client):
    assert client.get("/api/v1/catalog").status_code == 401


def test_last_known_stock_is_scoped_and_withheld_from_blind_counters(client, nurse):
    stock = full_catalog(nurse)["stock"]
    assert stock and {level["location"] for level in stock} == {"WARD-4B"}
    assert all(level["qty"] >= 0 and level["as_of"] for level in stock)
    counter = Api(client, "count-tab").login("counter")
    page = counter.get("/api/v1/catalog").get_json()
    assert "stock" not in page and page["par"]
