"""`flask --app app odoo check`: is this Odoo ready for the mapping? Each finding says what is there, or what is
missing and how to fix it in Odoo; `--fix` creates the missing locations (idempotent: found by barcode first).
"""
from __future__ import annotations

from dataclasses import dataclass

from .gateway import Gateway
from .mapping import AppLocation, Mapping, Problem, load_mapping

KIND_LABEL = {"store": "central stock location", "department": "department location",
              "consumption": "consumption location", "scrap": "scrap location"}


@dataclass(frozen=True)
class Finding:
    subject: str
    ok: bool
    detail: str
    fixable: bool = False

    def line(self) -> str:
        return f"{'ok     ' if self.ok else 'MISSING'}  {self.subject}: {self.detail}"


def check(gateway: Gateway, app_locations: list[AppLocation]) -> list[Finding]:
    mapping = load_mapping(gateway, app_locations)
    findings = [_operation_types(mapping)]
    for location in sorted(app_locations, key=lambda loc: (list(KIND_LABEL).index(loc.kind), loc.code)):
        findings.append(_location(mapping, location))
    findings.append(Finding("sales journal", bool(mapping.sale_journal),
                            f"{mapping.sale_journal['name']} ({mapping.sale_journal['code']})" if mapping.sale_journal
                            else "none: install Invoicing and a chart of accounts (Accounting > Configuration > "
                                 "Journals, type Sales)"))
    findings.extend(_analytic(mapping, app_locations))
    return findings


def _operation_types(mapping: Mapping) -> Finding:
    warehouse = mapping.warehouse
    if not warehouse:
        return Finding("warehouse", False, "none: create a warehouse (Inventory > Configuration > Warehouses)")
    missing = [label for label, key in (("internal transfers", "int_type_id"), ("receipts", "in_type_id"))
               if not warehouse.get(key)]
    if missing:
        return Finding(f"warehouse {warehouse['code']}", False,
                       f"no operation type for {' and '.join(missing)}: set them on the warehouse (Inventory > "
                       f"Configuration > Warehouses)")
    return Finding(f"warehouse {warehouse['code']}", True,
                   f"internal transfers: {warehouse['int_type_id'][1]}; receipts: {warehouse['in_type_id'][1]}")


def _location(mapping: Mapping, location: AppLocation) -> Finding:
    subject = f"{KIND_LABEL[location.kind]} {location.code}"
    try:
        mapping.location_id(location.code)
    except Problem as problem:
        return Finding(subject, False, str(problem), fixable=location.code not in mapping.wrong_locations)
    name = mapping.locations[location.code]["complete_name"]
    store = _store_name(mapping)
    if location.kind == "department" and store and name.startswith(f"{store}/"):
        # Odoo reserves from a location and everything inside it: the store's transfers would take ward stock.
        return Finding(subject, False, f"{name} lies inside the central store {store}: transfers from the store "
                                       f"would reserve its stock. Move it out of {store} in Odoo (e.g. under the "
                                       f"warehouse itself).")
    return Finding(subject, True, name)


def _store_name(mapping: Mapping) -> str | None:
    try:
        return mapping.locations[mapping.code_of_kind("store")]["complete_name"]
    except (Problem, KeyError):
        return None


def _analytic(mapping: Mapping, app_locations: list[AppLocation]) -> list[Finding]:
    departments = sorted(loc.code for loc in app_locations if loc.kind == "department")
    if not mapping.analytic:
        return [Finding("analytic accounts", True, "none configured: charges carry no analytic distribution (to "
                        "configure, give an analytic account the department's code as reference)")]
    return [Finding(f"analytic account {code}", code in mapping.analytic,
                    f"id {mapping.analytic[code]}" if code in mapping.analytic else
                    f"none: create an analytic account with reference {code} (Accounting > Configuration > "
                    f"Analytic Accounts), or charges from {code} carry no analytic distribution")
            for code in departments]


def fix(gateway: Gateway, app_locations: list[AppLocation]) -> list[str]:
    """Creates the missing locations of the mapping; returns what it did, in words."""
    mapping = load_mapping(gateway, app_locations)
    done = []
    for location in sorted(app_locations, key=lambda loc: loc.code):
        if location.code in mapping.locations or location.code in mapping.wrong_locations:
            continue
        done.append(_fix_location(gateway, mapping, location))
    return [line for line in done if line]


def _fix_location(gateway: Gateway, mapping: Mapping, location: AppLocation) -> str | None:
    warehouse = mapping.warehouse
    if location.kind == "store":
        if not warehouse:
            return None
        stock = gateway.read("stock.location", [warehouse["lot_stock_id"][0]], ["barcode", "complete_name"])[0]
        gateway.write("stock.location", [stock["id"]], {"barcode": location.code})
        return f"set barcode {location.code} on {stock['complete_name']} (was {stock['barcode'] or 'none'})"
    if location.kind == "department":
        if not warehouse:
            return None
        # beside the central store, not inside it: Odoo reserves from a location and all it holds
        vals = {"name": location.name, "usage": "internal", "location_id": warehouse["view_location_id"][0]}
    else:
        virtual = gateway.call("ir.model.data", "check_object_reference", module="stock",
                               xml_id="stock_location_locations_virtual")
        vals = {"name": location.name, "usage": "inventory", "location_id": virtual[1],
                "scrap_location": location.kind == "scrap"}
    created = gateway.create("stock.location", [{**vals, "barcode": location.code}])[0]
    name = gateway.read("stock.location", [created], ["complete_name"])[0]["complete_name"]
    return f"created {KIND_LABEL[location.kind]} {name} with barcode {location.code}"
