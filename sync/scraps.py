"""Waste (DESIGN §5): each wasted line is a `stock.scrap` from the department, with the reason as a scrap reason
tag, done at once. Its `origin` is the action's stamp, which is how an interrupted push finds its scraps.
"""
from __future__ import annotations

from collections import defaultdict

from pwa.journal import QueuedAction

from .push import Allocator, Batch, any_of, guard, line_lot, stamp, synced

SCRAP_FIELDS = ["name", "state", "origin"]


def _reason(action: QueuedAction, line: dict) -> str | None:
    return line.get("reason") or action.payload.get("reason")


def push_waste(batch: Batch, actions: list[QueuedAction], resume: bool, results: dict) -> None:
    gateway, mapping = batch.gateway, batch.mapping
    maybe_there = [stamp(a.id) for a in actions if resume or not a.first_attempt]
    existing: dict[str, list[dict]] = defaultdict(list)
    if maybe_there:
        for scrap in gateway.search_read("stock.scrap", any_of("origin", "=like", [f"{m}%" for m in maybe_there]),
                                         SCRAP_FIELDS, order="id"):
            existing[next(m for m in maybe_there if (scrap["origin"] or "").startswith(m))].append(scrap)
    fresh = [a for a in actions if not existing.get(stamp(a.id))]
    batch.ensure_lots({(batch.products[line["ref"]]["id"], line_lot(line)): line.get("expiry")
                       for a in fresh for line in a.lines if line_lot(line) and line["ref"] in batch.products
                       and batch.products[line["ref"]]["tracking"] != "none"})
    needs = []
    for action in fresh:
        location = guard(action, results, lambda a=action: mapping.location_id(a.location_code))
        for line in action.lines if location else []:
            product = batch.products.get(line["ref"])
            if product and product["tracking"] != "none" and not line_lot(line):
                needs.append((location, product["id"]))
    allocator = Allocator(batch, sorted(set(needs)))
    tags = _reason_tags(batch, {_reason(a, line) for a in fresh for line in a.lines} - {None})
    planned: list[tuple[QueuedAction, list[dict]]] = []
    for action in fresh:
        if action.id in results:
            continue
        vals = guard(action, results, lambda a=action: _scrap_vals(batch, a, allocator, tags))
        if vals:
            planned.append((action, vals))
    created = gateway.create("stock.scrap", [vals for _a, scraps in planned for vals in scraps])
    position = 0
    for action, scraps in planned:
        existing[stamp(action.id)] = [{"id": sid, "state": "draft"} for sid in created[position:position + len(scraps)]]
        position += len(scraps)
    to_do = [scrap["id"] for a in actions if a.id not in results for scrap in existing[stamp(a.id)]
             if scrap["state"] != "done"]
    if to_do:
        # do_scrap, not action_validate: what was wasted is gone whatever Odoo believed was on the shelf
        gateway.execute("stock.scrap", "do_scrap", to_do)
    ids = [scrap["id"] for a in actions if a.id not in results for scrap in existing[stamp(a.id)]]
    names = {scrap["id"]: scrap["name"] for scrap in gateway.read("stock.scrap", ids, ["name"])}
    for action in actions:
        if action.id not in results:
            scraps = [scrap["id"] for scrap in existing[stamp(action.id)]]
            results[action.id] = synced(action, {"scraps": scraps, "scrap_names": [names[s] for s in scraps]})


def _reason_tags(batch: Batch, reasons: set[str]) -> dict[str, int]:
    if not reasons or not batch.gateway.dialect.scrap_reasons:
        return {}
    names = sorted(reason[:100] for reason in reasons)
    tags = {tag["name"]: tag["id"] for tag in batch.gateway.search_read("stock.scrap.reason.tag",
                                                                        [("name", "in", names)], ["name"])}
    missing = [name for name in names if name not in tags]
    tags.update(zip(missing, batch.gateway.create("stock.scrap.reason.tag", [{"name": n} for n in missing])))
    return tags


def _scrap_vals(batch: Batch, action: QueuedAction, allocator: Allocator, tags: dict[str, int]) -> list[dict]:
    location = batch.mapping.location_id(action.location_code)
    scrap_location = batch.mapping.scrap_id
    vals = []
    for line in action.lines:
        product = batch.product(line["ref"])
        lot = line_lot(line) if product["tracking"] != "none" else None
        if lot:
            pieces = [(batch.lot_id(product["id"], lot), line["units"])]
        elif product["tracking"] != "none":
            pieces = allocator.take(location, product, line["units"], action.location_code)
        else:
            pieces = [(None, line["units"])]
        reason = _reason(action, line)
        for lot_id, quantity in pieces:
            scrap = {"product_id": product["id"], "scrap_qty": quantity, "product_uom_id": product["uom_id"][0],
                     "location_id": location, "scrap_location_id": scrap_location, "origin": stamp(action.id)}
            if lot_id:
                scrap["lot_id"] = lot_id
            if reason and reason[:100] in tags:
                scrap["scrap_reason_tag_ids"] = [[6, 0, [tags[reason[:100]]]]]
            vals.append(scrap)
    return vals
