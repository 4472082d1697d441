"""Stock pickings (DESIGN §5): a requisition is an internal transfer from the central store, confirmed; its
confirmation validates that transfer with what arrived; a receipt fills the open incoming picking with quantities
and lots and validates it; an issue is a done transfer from the department to the consumption location (and a
charge), a return the reverse (and a credit).

One picking per action keeps each action's identity: its `origin` is the action's stamp, and so is the `name` of
every move in it. Pickings the action only validates (receipts, transfers) get the stamp appended to their origin;
a backorder copies its parent's origin, so a stamp that the parent also carries is inherited, not the action's.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pwa.journal import PushResult, QueuedAction

from . import invoices
from .mapping import Problem
from .push import Allocator, Batch, any_of, guard, line_lot, needs_attention, stamp, synced

PICKING_FIELDS = ["name", "state", "origin", "backorder_id", "location_id", "location_dest_id", "picking_type_id"]
MOVE_FIELDS = ["picking_id", "product_id", "product_uom_qty", "product_uom", "move_line_ids", "location_id",
               "location_dest_id", "state"]
OPEN = ("draft", "waiting", "confirmed", "assigned")


def _inherited(picking: dict, mark: str, by_id: dict[int, dict]) -> bool:
    parent = by_id.get(picking["backorder_id"][0]) if picking.get("backorder_id") else None
    return parent is not None and mark in (parent.get("origin") or "")


def own_pickings(batch: Batch, marks: list[str], appended: bool) -> dict[str, list[dict]]:
    """The pickings each stamp's action made (origin starts with the stamp) or validated (stamp in the origin)."""
    if not marks:
        return {}
    patterns = [f"%{mark}%" if appended else f"{mark}%" for mark in marks]
    found = batch.gateway.search_read("stock.picking", any_of("origin", "=like", patterns), PICKING_FIELDS, order="id")
    parents = {p["backorder_id"][0] for p in found if p.get("backorder_id")} - {p["id"] for p in found}
    by_id = {p["id"]: p for p in found + batch.gateway.read("stock.picking", sorted(parents), PICKING_FIELDS)}
    mine: dict[str, list[dict]] = defaultdict(list)
    for picking in found:
        origin = picking.get("origin") or ""
        for mark in marks:
            if (mark in origin if appended else origin.startswith(mark)) and not _inherited(picking, mark, by_id):
                mine[mark].append(picking)
    return mine


def note(action: QueuedAction) -> str:
    who = action.user_login or "someone"
    return (f"<p>Ward Supply {action.type.replace('_', ' ')} by {who} on {action.device_id or 'a device'} at "
            f"{action.created_at:%Y-%m-%d %H:%M} UTC (action {action.id})</p>")


def finish_wizard(batch: Batch, answer: object, backorder: bool) -> object:
    """Answers Odoo's backorder question the way the action needs; the wizard wants button_validate's context."""
    if isinstance(answer, dict) and answer.get("res_model") == "stock.backorder.confirmation":
        context = answer.get("context") or {}
        wizard = batch.gateway.create("stock.backorder.confirmation", [{}], context=context)
        method = "process" if backorder else "process_cancel_backorder"
        return batch.gateway.execute("stock.backorder.confirmation", method, wizard, context=context)
    return answer


def validate(batch: Batch, picking_ids: list[int], backorder: bool) -> dict[int, dict]:
    """Validates pickings in one call (one by one only if Odoo stops short on some); returns them as they end."""
    if not picking_ids:
        return {}
    finish_wizard(batch, batch.gateway.execute("stock.picking", "button_validate", picking_ids), backorder)
    pickings = {p["id"]: p for p in batch.gateway.read("stock.picking", picking_ids, PICKING_FIELDS)}
    stuck = [pid for pid, p in pickings.items() if p["state"] != "done"]
    if stuck and len(picking_ids) > 1:
        for pid in stuck:
            finish_wizard(batch, batch.gateway.execute("stock.picking", "button_validate", [pid]), backorder)
        pickings.update({p["id"]: p for p in batch.gateway.read("stock.picking", stuck, PICKING_FIELDS)})
    return pickings


def refs_of(picking: dict, **more) -> dict:
    return {"picking": picking["id"], "picking_name": picking["name"], **{k: v for k, v in more.items() if v}}


# Requisitions

def push_requisitions(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict) -> None:
    gateway = batch.gateway
    existing = own_pickings(batch, [stamp(a.id) for a in actions if resume or not a.first_attempt], appended=False)
    planned: list[tuple[QueuedAction, dict]] = []
    to_confirm: list[tuple[QueuedAction, int]] = []
    for action in actions:
        found = existing.get(stamp(action.id))
        if found:
            to_confirm.append((action, found[0]["id"]))
            continue
        vals = guard(action, results, lambda a=action: _requisition_vals(batch, a))
        if vals:
            planned.append((action, vals))
    created = gateway.create("stock.picking", [vals for _a, vals in planned])
    to_confirm += [(action, pid) for (action, _vals), pid in zip(planned, created)]
    ids = [pid for _a, pid in to_confirm]
    states = {p["id"]: p for p in gateway.read("stock.picking", ids, PICKING_FIELDS)}
    drafts = [pid for pid in ids if states[pid]["state"] == "draft"]
    if drafts:
        gateway.execute("stock.picking", "action_confirm", drafts)
        states.update({p["id"]: p for p in gateway.read("stock.picking", drafts, PICKING_FIELDS)})
    for action, pid in to_confirm:
        results[action.id] = synced(action, refs_of(states[pid]))


def _requisition_vals(batch: Batch, action: QueuedAction) -> dict:
    mapping = batch.mapping
    source, destination = mapping.store_id, mapping.location_id(action.location_code)
    moves = []
    for line in action.lines:
        product = batch.product(line["ref"])
        moves.append([0, 0, {"name": stamp(action.id), "product_id": product["id"], "product_uom_qty": line["units"],
                             "product_uom": product["uom_id"][0], "location_id": source,
                             "location_dest_id": destination}])
    return {"picking_type_id": mapping.internal_type_id, "location_id": source, "location_dest_id": destination,
            "origin": stamp(action.id), "note": note(action), "move_ids": moves}


# Issues and returns: a done picking per action, with the lots the nurse scanned, then the charge or credit.

@dataclass
class LinePlan:
    product: dict
    units: float
    lot: str | None = None  # the lot (or serial) the scan named
    expiry: str | None = None
    pieces: list[tuple[int | None, float]] = field(default_factory=list)  # (lot id, quantity) per move line


@dataclass
class PickingPlan:
    action: QueuedAction
    source: int
    destination: int
    lines: list[LinePlan]
    picking: dict | None = None  # the picking once it exists


def push_issues(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict) -> None:
    _push_consumption(batch, actions, resume, results, returning=False)


def push_returns(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict) -> None:
    _push_consumption(batch, actions, resume, results, returning=True)


def _consumption_plan(batch: Batch, action: QueuedAction, returning: bool) -> PickingPlan:
    department = batch.mapping.location_id(action.location_code)
    consumed = batch.mapping.consumption_id
    lines = []
    for line in action.lines:
        product = batch.product(line["ref"])
        lot = line_lot(line)
        if product["tracking"] == "serial" and lot and line["units"] != 1:
            raise Problem(f"{product['default_code']} has serial numbers in Odoo: record one item per serial "
                          f"number ({lot} was given for {line['units']:g}).")
        if returning and product["tracking"] != "none" and not lot:
            raise Problem(f"{product['default_code']} is tracked by lot in Odoo: scan the lot of what comes back.")
        lines.append(LinePlan(product, line["units"], lot, line.get("expiry")))
    source, destination = (consumed, department) if returning else (department, consumed)
    return PickingPlan(action, source, destination, lines)


def _push_consumption(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict,
                      returning: bool) -> None:
    gateway = batch.gateway
    existing = own_pickings(batch, [stamp(a.id) for a in actions if resume or not a.first_attempt], appended=False)
    plans: list[PickingPlan] = []
    for action in actions:
        plan = guard(action, results, lambda a=action: _consumption_plan(batch, a, returning))
        if plan:
            found = existing.get(stamp(action.id))
            plan.picking = found[0] if found else None
            plans.append(plan)
    pending = [plan for plan in plans if not plan.picking or plan.picking["state"] != "done"]
    batch.ensure_lots({(line.product["id"], line.lot): line.expiry for plan in pending for line in plan.lines
                       if line.lot and line.product["tracking"] != "none"})
    _plan_pieces(batch, pending, results)
    pending = [plan for plan in pending if plan.action.id not in results]
    new = [plan for plan in pending if plan.picking is None]
    for plan, pid in zip(new, gateway.create("stock.picking", [_picking_vals(batch, plan) for plan in new])):
        plan.picking = {"id": pid}
    _fill_move_lines(batch, pending, results)
    pending = [plan for plan in pending if plan.action.id not in results]
    validated = validate(batch, [plan.picking["id"] for plan in pending], backorder=False)
    for plan in pending:
        picking = validated[plan.picking["id"]]
        plan.picking = picking
        if picking["state"] != "done":
            results[plan.action.id] = needs_attention(plan.action, f"Odoo did not complete {picking['name']} (it is "
                                                                   f"{picking['state']}).", refs_of(picking))
    done = [plan for plan in plans if plan.action.id not in results]
    charges = []
    for plan in done:
        charge = guard(plan.action, results, lambda p=plan: invoices.charge_for(batch, p.action, returning))
        if charge:
            charges.append(charge)
    posted = invoices.post_charges(batch, [c for c in charges if c.action.id not in results], resume)
    for plan in done:
        if plan.action.id not in results:
            results[plan.action.id] = synced(plan.action, refs_of(plan.picking, **posted.get(plan.action.id, {})))


def _plan_pieces(batch: Batch, plans: list[PickingPlan], results: dict) -> None:
    """Decides the move lines of each line: the scanned lot, no lot for untracked items, or lots Odoo holds
    (first expiry first) for a tracked item scanned without one."""
    needs = sorted({(plan.source, line.product["id"]) for plan in plans for line in plan.lines
                    if line.product["tracking"] != "none" and not line.lot})
    allocator = Allocator(batch, needs)
    for plan in plans:
        def decide(plan=plan):
            where = plan.action.location_code
            for line in plan.lines:
                if line.product["tracking"] == "none":
                    line.pieces = [(None, line.units)]
                elif line.lot:
                    line.pieces = [(batch.lot_id(line.product["id"], line.lot), line.units)]
                else:
                    line.pieces = allocator.take(plan.source, line.product, line.units, where)
        guard(plan.action, results, decide)


def _picking_vals(batch: Batch, plan: PickingPlan) -> dict:
    mark = stamp(plan.action.id)
    moves = [[0, 0, {"name": mark, "product_id": line.product["id"], "product_uom_qty": line.units,
                     "product_uom": line.product["uom_id"][0], "location_id": plan.source,
                     "location_dest_id": plan.destination}] for line in plan.lines]
    return {"picking_type_id": batch.mapping.internal_type_id, "location_id": plan.source,
            "location_dest_id": plan.destination, "origin": mark, "note": note(plan.action), "move_ids": moves}


def _fill_move_lines(batch: Batch, plans: list[PickingPlan], results: dict) -> None:
    """Gives every move of the plans' pickings its move lines (lot and quantity), in one call."""
    ids = [plan.picking["id"] for plan in plans]
    if not ids:
        return
    moves = defaultdict(list)
    for move in batch.gateway.search_read("stock.move", [("picking_id", "in", ids)], MOVE_FIELDS, order="id"):
        moves[move["picking_id"][0]].append(move)
    vals = []
    for plan in plans:
        picking_moves = [m for m in moves[plan.picking["id"]] if m["state"] != "cancel"]
        if [m["product_id"][0] for m in picking_moves] != [line.product["id"] for line in plan.lines]:
            results[plan.action.id] = _changed(plan)
            continue
        for move, line in zip(picking_moves, plan.lines):
            if move["move_line_ids"] or move["state"] == "done":
                continue
            for lot_id, quantity in line.pieces:
                vals.append({"move_id": move["id"], "picking_id": plan.picking["id"], "product_id": move["product_id"][0],
                             "product_uom_id": move["product_uom"][0], "quantity": quantity,
                             "location_id": move["location_id"][0], "location_dest_id": move["location_dest_id"][0],
                             **({"lot_id": lot_id} if lot_id else {})})
    batch.gateway.create("stock.move.line", vals)


def _changed(plan: PickingPlan) -> PushResult:
    return needs_attention(plan.action, f"The picking this action started in Odoo (id {plan.picking['id']}) was "
                                        f"changed there; finish or cancel it in Odoo, then resolve or retry.")


# Receipts and transfer confirmations: quantities (and lots) set on an open picking, which is then validated.

def push_receipts(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict) -> None:
    for action in actions:
        guard(action, results, lambda a=action: _receive(batch, a, fresh=not resume and a.first_attempt, results=results))


def push_transfer_confirms(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict) -> None:
    for action in actions:
        guard(action, results, lambda a=action: _confirm_transfer(batch, a, fresh=not resume and a.first_attempt,
                                                                  results=results))


def _already_validated(batch: Batch, action: QueuedAction) -> dict | None:
    mark = stamp(action.id)
    for picking in own_pickings(batch, [mark], appended=True).get(mark, []):
        if picking["state"] == "done":
            return _validated_refs(batch, picking)
    return None


def _validated_refs(batch: Batch, picking: dict) -> dict:
    backorders = batch.gateway.search_read("stock.picking", [("backorder_id", "=", picking["id"])], ["name"],
                                           order="id")
    return refs_of(picking, backorder=backorders[0]["id"] if backorders else None,
                   backorder_name=backorders[0]["name"] if backorders else None)


def _one_value(action: QueuedAction, name: str) -> str | None:
    values = {line.get(name) for line in action.lines if line.get(name)}
    if action.payload.get(name):
        values.add(action.payload[name])
    if len(values) > 1:
        raise Problem(f"The action names several {name}s ({', '.join(sorted(values))}); record one {name} per "
                      f"action.")
    return values.pop() if values else None


def _open_moves(batch: Batch, picking: dict) -> list[dict]:
    return batch.gateway.search_read("stock.move", [("picking_id", "=", picking["id"]),
                                                    ("state", "not in", ["done", "cancel"])], MOVE_FIELDS, order="id")


def _received(batch: Batch, action: QueuedAction, moves: list[dict], picking: dict, what: str) -> dict[int, float]:
    """Units received per product id, checked against what the picking still expects."""
    expected: dict[int, float] = defaultdict(float)
    for move in moves:
        expected[move["product_id"][0]] += move["product_uom_qty"]
    received: dict[int, float] = defaultdict(float)
    for line in action.lines:
        product = batch.product(line["ref"])
        if product["id"] not in expected:
            raise Problem(f"{product['default_code']} is not on {what} {picking['name']}: record it on its own "
                          f"{what} or ask the buyer.")
        received[product["id"]] += line["units"]
    for product_id, units in received.items():
        if units > expected[product_id] + 1e-9:
            ref = next(p["default_code"] for p in batch.products.values() if p["id"] == product_id)
            raise Problem(f"More {ref} arrived ({units:g}) than {what} {picking['name']} still expects "
                          f"({expected[product_id]:g}); check the delivery with the buyer.")
    return received


def _append_stamp(batch: Batch, picking: dict, action: QueuedAction) -> None:
    mark = stamp(action.id)
    if mark not in (picking.get("origin") or ""):
        origin = f"{picking['origin']} {mark}" if picking.get("origin") else mark
        batch.gateway.write("stock.picking", [picking["id"]], {"origin": origin})


def _spread(moves: list[dict], pieces: list[tuple[int, int | None, float]]) -> dict[int, list[tuple[int | None, float]]]:
    """Hands each (product, lot, units) to the product's moves in turn, filling each up to its demand."""
    room = {move["id"]: move["product_uom_qty"] for move in moves}
    by_product = defaultdict(list)
    for move in moves:
        by_product[move["product_id"][0]].append(move["id"])
    lines: dict[int, list[tuple[int | None, float]]] = defaultdict(list)
    for product_id, lot_id, units in pieces:
        targets = by_product[product_id]
        for position, move_id in enumerate(targets):
            take = units if position == len(targets) - 1 else min(units, room[move_id])
            if take <= 0:
                continue
            lines[move_id].append((lot_id, take))
            room[move_id] -= take
            units -= take
            if units <= 1e-9:
                break
    return lines


def _set_move_lines(batch: Batch, picking: dict, moves: list[dict], lines: dict[int, list]) -> None:
    """Replaces the moves' lines by the given (lot, quantity) ones and marks picked the moves that have some."""
    gateway = batch.gateway
    gateway.unlink("stock.move.line", [line_id for move in moves for line_id in move["move_line_ids"]])
    vals = [{"move_id": move["id"], "picking_id": picking["id"], "product_id": move["product_id"][0],
             "product_uom_id": move["product_uom"][0], "quantity": quantity,
             "location_id": move["location_id"][0], "location_dest_id": move["location_dest_id"][0],
             **({"lot_id": lot_id} if lot_id else {})}
            for move in moves for lot_id, quantity in lines.get(move["id"], [])]
    gateway.create("stock.move.line", vals)
    gateway.write_each("stock.move", {move["id"]: {"picked": bool(lines.get(move["id"]))} for move in moves})


def _lot_pieces(batch: Batch, action: QueuedAction, require_lots: bool) -> list[tuple[int, int | None, float]]:
    wanted = {}
    for line in action.lines:
        product = batch.product(line["ref"])
        lot = line_lot(line)
        if product["tracking"] == "none":
            continue
        if not lot and require_lots:
            raise Problem(f"{product['default_code']} is tracked by lot in Odoo: record the lot (and expiry) of what "
                          f"was received.")
        if product["tracking"] == "serial" and lot and line["units"] != 1:
            raise Problem(f"{product['default_code']} has serial numbers in Odoo: record one item per serial "
                          f"number.")
        if lot:
            wanted[(product["id"], lot)] = line.get("expiry")
    batch.ensure_lots(wanted)
    pieces = []
    for line in action.lines:
        product = batch.product(line["ref"])
        lot = line_lot(line) if product["tracking"] != "none" else None
        pieces.append((product["id"], batch.lot_id(product["id"], lot) if lot else None, line["units"]))
    return pieces


def _receive(batch: Batch, action: QueuedAction, fresh: bool, results: dict) -> None:
    if not fresh:
        done = _already_validated(batch, action)
        if done:
            results[action.id] = synced(action, done)
            return
    name = _one_value(action, "receipt")
    if not name:
        raise Problem("The receipt names no delivery: scan the receipt (purchase order) first.")
    gateway = batch.gateway
    found = gateway.search_read("stock.picking", [("name", "=", name), ("picking_type_code", "=", "incoming")],
                                PICKING_FIELDS, limit=1) or \
        gateway.search_read("stock.picking", [("origin", "=", name), ("picking_type_code", "=", "incoming"),
                                              ("state", "in", list(OPEN))], PICKING_FIELDS, order="id", limit=1)
    if not found:
        raise Problem(f"Odoo has no receipt {name}.")
    picking = found[0]
    if picking["state"] not in OPEN:
        raise Problem(f"Receipt {picking['name']} is {picking['state']} in Odoo: it can no longer be received. "
                      f"Receive on its backorder, or ask the buyer.")
    moves = _open_moves(batch, picking)
    _received(batch, action, moves, picking, "receipt")
    lines = _spread(moves, _lot_pieces(batch, action, require_lots=True))
    _append_stamp(batch, picking, action)
    _set_move_lines(batch, picking, moves, lines)
    picking = validate(batch, [picking["id"]], backorder=True)[picking["id"]]
    if picking["state"] != "done":
        raise Problem(f"Odoo did not complete receipt {picking['name']} (it is {picking['state']}).")
    results[action.id] = synced(action, _validated_refs(batch, picking))


def _find_transfer(batch: Batch, key: str) -> dict:
    gateway = batch.gateway
    if len(key) == 36 and key.count("-") == 4:  # the requisition's action id: its open transfer (or backorder)
        found = gateway.search_read("stock.picking", [("origin", "=like", f"{stamp(key.lower())}%"),
                                                      ("state", "in", list(OPEN))], PICKING_FIELDS, order="id desc",
                                    limit=1)
        if not found:
            raise Problem(f"Odoo has no open transfer for requisition {key}: it was completed or cancelled there.")
        return found[0]
    found = gateway.search_read("stock.picking", [("name", "=", key), ("picking_type_code", "=", "internal")],
                                PICKING_FIELDS, limit=1)
    if not found:
        raise Problem(f"Odoo has no transfer {key}.")
    return found[0]


def _confirm_transfer(batch: Batch, action: QueuedAction, fresh: bool, results: dict) -> None:
    if not fresh:
        done = _already_validated(batch, action)
        if done:
            results[action.id] = synced(action, done)
            return
    key = action.payload.get("transfer") or _one_value(action, "transfer")
    if not key:
        raise Problem("The confirmation names no transfer: scan the delivery note of the transfer.")
    picking = _find_transfer(batch, key)
    if picking["location_dest_id"][0] != batch.mapping.location_id(action.location_code):
        raise Problem(f"Transfer {picking['name']} goes to {picking['location_dest_id'][1]}, not to "
                      f"{action.location_code}.")
    if picking["state"] not in OPEN:
        raise Problem(f"Transfer {picking['name']} is {picking['state']} in Odoo: it can no longer be confirmed.")
    moves = _open_moves(batch, picking)
    received = _received(batch, action, moves, picking, "transfer")
    _append_stamp(batch, picking, action)
    if any(line_lot(line) for line in action.lines):
        _set_move_lines(batch, picking, moves, _spread(moves, _lot_pieces(batch, action, require_lots=False)))
    else:
        left = dict(received)
        values = {}
        for move in moves:
            take = min(left.get(move["product_id"][0], 0.0), move["product_uom_qty"])
            left[move["product_id"][0]] = left.get(move["product_id"][0], 0.0) - take
            values[move["id"]] = {"quantity": take, "picked": take > 0}
        batch.gateway.write_each("stock.move", values)
    picking = validate(batch, [picking["id"]], backorder=True)[picking["id"]]
    if picking["state"] != "done":
        raise Problem(f"Odoo did not complete transfer {picking['name']} (it is {picking['state']}).")
    results[action.id] = synced(action, _validated_refs(batch, picking))
