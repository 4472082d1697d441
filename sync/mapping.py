"""Where the app's world meets Odoo's: the warehouse and its operation types, the Odoo location behind each app
location (found by barcode = the app's location code), the sales journal and the analytic account per department.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .gateway import Gateway


class Problem(Exception):
    """An action that cannot go into Odoo as it stands: the message says why and what to do."""


@dataclass(frozen=True)
class AppLocation:
    code: str
    name: str
    kind: str  # store, department, consumption, scrap


# What each kind of app location must be in Odoo
KIND_RULES = {
    "store": ("an internal location", lambda loc: loc["usage"] == "internal"),
    "department": ("an internal location", lambda loc: loc["usage"] == "internal"),
    "consumption": ("a consumption location (type Inventory loss or Customer)",
                    lambda loc: loc["usage"] in ("inventory", "customer") and not loc.get("scrap_location")),
    "scrap": ("a scrap location", lambda loc: bool(loc.get("scrap_location"))),
}


@dataclass
class Mapping:
    app_locations: dict[str, AppLocation]
    warehouse: dict | None = None
    locations: dict[str, dict] = field(default_factory=dict)  # app code -> Odoo stock.location record
    wrong_locations: dict[str, dict] = field(default_factory=dict)  # a barcode match of the wrong kind
    analytic: dict[str, int] = field(default_factory=dict)  # department code -> account.analytic.account id
    sale_journal: dict | None = None

    @property
    def internal_type_id(self) -> int:
        if not self.warehouse or not self.warehouse.get("int_type_id"):
            raise Problem("Odoo has no warehouse with an internal transfer type: run `flask --app app odoo check`.")
        return self.warehouse["int_type_id"][0]

    @property
    def receipt_type_id(self) -> int:
        if not self.warehouse or not self.warehouse.get("in_type_id"):
            raise Problem("Odoo has no warehouse with a receipt type: run `flask --app app odoo check`.")
        return self.warehouse["in_type_id"][0]

    def location_id(self, code: str) -> int:
        """The Odoo location behind an app location code, or a Problem saying how to fix it."""
        if code in self.locations:
            return self.locations[code]["id"]
        app = self.app_locations.get(code)
        wanted = KIND_RULES[app.kind][0] if app else "a location"
        if code in self.wrong_locations:
            found = self.wrong_locations[code]
            raise Problem(f"The Odoo location with barcode {code} ({found['complete_name']}) is not {wanted}. "
                          f"Fix it in Odoo (Inventory > Configuration > Locations).")
        raise Problem(f"{code} has no location in Odoo: give {wanted} the barcode {code} in Odoo, or run "
                      f"`flask --app app odoo check --fix`.")

    def code_of_kind(self, kind: str) -> str:
        codes = [loc.code for loc in self.app_locations.values() if loc.kind == kind]
        if not codes:
            raise Problem(f"The app knows no {kind} location: add one (kind {kind}) and map it in Odoo.")
        return sorted(codes)[0]

    @property
    def store_id(self) -> int:
        return self.location_id(self.code_of_kind("store"))

    @property
    def consumption_id(self) -> int:
        return self.location_id(self.code_of_kind("consumption"))

    @property
    def scrap_id(self) -> int:
        return self.location_id(self.code_of_kind("scrap"))

    def analytic_distribution(self, department_code: str) -> dict | None:
        account = self.analytic.get(department_code)
        return {str(account): 100} if account else None


LOCATION_FIELDS = ["barcode", "usage", "scrap_location", "complete_name", "location_id", "active"]


def load_mapping(gateway: Gateway, app_locations: list[AppLocation]) -> Mapping:
    """Reads every piece of the mapping in four calls."""
    mapping = Mapping({loc.code: loc for loc in app_locations})
    warehouses = gateway.search_read("stock.warehouse", [], ["name", "code", "lot_stock_id", "int_type_id",
                                                             "in_type_id", "view_location_id"], order="id", limit=1)
    mapping.warehouse = warehouses[0] if warehouses else None
    codes = sorted(mapping.app_locations)
    for record in gateway.search_read("stock.location", [("barcode", "in", codes)], LOCATION_FIELDS):
        app = mapping.app_locations.get(record["barcode"])
        if app is None:
            continue
        if KIND_RULES[app.kind][1](record):
            mapping.locations[app.code] = record
        else:
            mapping.wrong_locations[app.code] = record
    departments = [loc.code for loc in app_locations if loc.kind == "department"]
    for account in gateway.search_read("account.analytic.account", [("code", "in", departments)], ["code", "name"]):
        mapping.analytic[account["code"]] = account["id"]
    journals = gateway.search_read("account.journal", [("type", "=", "sale")], ["name", "code"], order="id", limit=1)
    mapping.sale_journal = journals[0] if journals else None
    return mapping
