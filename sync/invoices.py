"""Charge capture (DESIGN §5): billable items issued to a patient become lines of the encounter's draft customer
invoice; a return of a charged item becomes a credit line (negative quantity) on it. A floor charge goes to the
department's own charge account instead.

One draft invoice per account: found by its `invoice_origin` (the encounter number, or `FLOOR-<department>`),
created when there is none, for a partner that carries only that number (no names, nothing clinical). Each line's
`name` ends with `[WS:<action id>]`: that is where the action is found on an invoice line, and how a push that
was interrupted knows its lines are already there.
"""
from __future__ import annotations

from dataclasses import dataclass

from pwa.journal import QueuedAction

from .push import Batch, any_of, line_lot, stamp


@dataclass
class Charge:
    action: QueuedAction
    account: str  # the encounter number, or FLOOR-<department code>
    partner_name: str
    lines: list[dict]  # account.move.line values without move_id


def floor_account(department_code: str) -> str:
    return f"FLOOR-{department_code}"


def charge_for(batch: Batch, action: QueuedAction, returning: bool) -> Charge | None:
    """The invoice lines an issue (or the credit lines a return) brings, or None when nothing is charged."""
    if action.encounter:
        account, partner_name = action.encounter, action.encounter
    elif action.floor_charge:
        department = batch.mapping.app_locations.get(action.location_code)
        account = floor_account(action.location_code)
        partner_name = f"{department.name if department else action.location_code} (floor charge)"
    else:
        return None
    distribution = batch.mapping.analytic_distribution(action.location_code)
    lines = []
    for line in action.lines:
        product = batch.product(line["ref"])
        if not product["sale_ok"]:
            continue
        lot = line_lot(line)
        label = f"{'Return: ' if returning else ''}{product['display_name']}{f' (lot {lot})' if lot else ''} " \
                f"[{stamp(action.id)}]"
        vals = {"product_id": product["id"], "quantity": -line["units"] if returning else line["units"],
                "name": label}
        if distribution:
            vals["analytic_distribution"] = distribution
        lines.append(vals)
    return Charge(action, account, partner_name, lines) if lines else None


def post_charges(batch: Batch, charges: list[Charge], resume: bool) -> dict[str, dict]:
    """Adds every charge's lines in one call; returns per action id its invoice and line ids."""
    gateway = batch.gateway
    posted: dict[str, dict] = {}
    maybe_there = [c for c in charges if resume or not c.action.first_attempt]
    if maybe_there:
        marks = {stamp(c.action.id): c.action.id for c in maybe_there}
        for line in gateway.search_read("account.move.line", ["&", ("display_type", "=", "product")] +
                                        any_of("name", "like", [f"[{mark}]" for mark in marks]),
                                        ["move_id", "name"], order="id"):
            for mark, action_id in marks.items():
                if f"[{mark}]" in (line["name"] or ""):
                    entry = posted.setdefault(action_id, {"invoice": line["move_id"][0], "invoice_lines": []})
                    entry["invoice_lines"].append(line["id"])
    todo = [c for c in charges if c.action.id not in posted]
    if not todo:
        return posted
    invoices = _draft_invoices(batch, {c.account: c.partner_name for c in todo})
    vals, owners = [], []
    for charge in todo:
        for line in charge.lines:
            vals.append({**line, "move_id": invoices[charge.account]})
            owners.append(charge.action.id)
    for action_id, line_id in zip(owners, gateway.create("account.move.line", vals)):
        entry = posted.setdefault(action_id, {"invoice": None, "invoice_lines": []})
        entry["invoice_lines"].append(line_id)
    for charge in todo:
        posted[charge.action.id]["invoice"] = invoices[charge.account]
    return posted


def _draft_invoices(batch: Batch, accounts: dict[str, str]) -> dict[str, int]:
    """The open draft invoice of each account (encounter), made with its partner when there is none yet."""
    gateway = batch.gateway
    keys = sorted(accounts)
    invoices: dict[str, int] = {}
    for move in gateway.search_read("account.move", [("move_type", "=", "out_invoice"), ("state", "=", "draft"),
                                                     ("invoice_origin", "in", keys)], ["invoice_origin"], order="id"):
        invoices.setdefault(move["invoice_origin"], move["id"])
    missing = [key for key in keys if key not in invoices]
    if not missing:
        return invoices
    partners: dict[str, int] = {}
    for partner in gateway.search_read("res.partner", [("ref", "in", missing)], ["ref"], order="id"):
        partners.setdefault(partner["ref"], partner["id"])
    new_partners = [key for key in missing if key not in partners]
    created = gateway.create("res.partner", [{"name": accounts[key], "ref": key} for key in new_partners])
    partners.update(zip(new_partners, created))
    created = gateway.create("account.move", [{"move_type": "out_invoice", "partner_id": partners[key],
                                               "invoice_origin": key, "ref": key} for key in missing])
    invoices.update(zip(missing, created))
    return invoices
