"""Counts (DESIGN §5): the counted quantity of each product (and lot) at the location becomes the quant's
inventory quantity, applied at once. The inventory moves Odoo makes are named after the action's stamp
(`inventory_name`), which is how an interrupted push knows the count was already applied.

Products the count does not name are left alone: a count says what it saw, not what it did not look at.
"""
from __future__ import annotations

from collections import defaultdict

from pwa.journal import QueuedAction

from .mapping import Problem
from .push import Batch, guard, line_lot, stamp, synced

INVENTORY = {"inventory_mode": True}


def push_counts(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict) -> None:
    for action in actions:
        guard(action, results, lambda a=action: _count(batch, a, fresh=not resume and a.first_attempt,
                                                       results=results))


def _inventory_moves(batch: Batch, action: QueuedAction) -> list[int]:
    return batch.gateway.search_ids("stock.move", [("name", "=like", f"{stamp(action.id)}%"),
                                                   ("is_inventory", "=", True)], order="id")


def _count(batch: Batch, action: QueuedAction, fresh: bool, results: dict) -> None:
    if not fresh:
        moves = _inventory_moves(batch, action)
        if moves:
            results[action.id] = synced(action, {"inventory_moves": moves})
            return
    location = batch.mapping.location_id(action.location_code)
    counted: dict[tuple[int, str | None], float] = defaultdict(float)
    for line in action.lines:
        product = batch.product(line["ref"])
        lot = line_lot(line)
        if product["tracking"] != "none" and not lot:
            raise Problem(f"{product['default_code']} is tracked by lot in Odoo: count it per lot (scan the lot "
                          f"of each box).")
        counted[(product["id"], lot if product["tracking"] != "none" else None)] += line["units"]
    batch.ensure_lots({(pid, lot): None for pid, lot in counted if lot})
    vals = [{"product_id": pid, "location_id": location, "inventory_quantity": quantity,
             **({"lot_id": batch.lot_id(pid, lot)} if lot else {})} for (pid, lot), quantity in counted.items()]
    gateway = batch.gateway
    quants = gateway.create("stock.quant", vals, context=INVENTORY)
    answer = gateway.execute("stock.quant", "action_apply_inventory", quants,
                             context={**INVENTORY, "inventory_name": stamp(action.id)})
    if isinstance(answer, dict):
        gateway.execute("stock.quant", "action_clear_inventory_quantity", quants, context=INVENTORY)
        raise Problem(f"Odoo asks for a decision before applying this count ({answer.get('name')}); settle it in "
                      f"Odoo (Inventory > Physical Inventory), then resolve or retry.")
    results[action.id] = synced(action, {"quants": quants, "inventory_moves": _inventory_moves(batch, action)})
