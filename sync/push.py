"""Pushes claimed journal actions into Odoo exactly once, batched per action type (DESIGN §3–5).

Exactly once: every Odoo record an action creates carries the action's stamp `WS:<action id>` (picking and scrap
`origin`, stock move `name`, inventory move `name`, invoice line `name`), and an action that may have been tried
before looks for what it already made before making anything. An action claimed for the first time skips those
look-ups: its claim was committed before the first call, so nothing of it can be in Odoo yet.

Speed: a batch of actions goes through each step together — one `create` for all its pickings, one
`button_validate` for all of them, one `search_read` per kind of record it needs. A permanent error in a batched
call is narrowed down by pushing the batch's actions one by one, so only the culprit goes to the supervisor.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from pwa.journal import PushResult, QueuedAction
from pwa.models import NEEDS_ATTENTION, RETRYING, SYNCED

from .gateway import Gateway, OdooError, PermanentError, TransientError
from .mapping import Mapping, Problem
from .retry import Backoff

log = logging.getLogger(__name__)

STAMP = "WS:"


def stamp(action_id: str) -> str:
    return f"{STAMP}{action_id}"


def any_of(field_name: str, operator: str, values: list) -> list:
    """An Odoo domain matching any of `values` (prefix OR)."""
    leaves = [(field_name, operator, value) for value in values]
    return ["|"] * (len(leaves) - 1) + leaves


def line_lot(line: dict) -> str | None:
    return line.get("lot") or line.get("serial")


def odoo_datetime(day: str | None) -> str | None:
    """An expiry date (YYYY-MM-DD) as Odoo's datetime text."""
    return f"{day} 00:00:00" if day else None


PRODUCT_FIELDS = ["default_code", "display_name", "tracking", "sale_ok", "uom_id", "list_price", "active",
                  "barcode", "name"]


@dataclass
class Batch:
    """What one batch of pushes shares: the Odoo connection, the mapping, and products and lots read once."""
    gateway: Gateway
    mapping: Mapping
    products: dict[str, dict] = field(default_factory=dict)
    lots: dict[tuple[int, str], int] = field(default_factory=dict)

    def load_products(self, refs: set[str]) -> None:
        wanted = sorted(refs - set(self.products))
        if not wanted:
            return
        fields = PRODUCT_FIELDS + self.gateway.dialect.product_fields()
        for product in self.gateway.search_read("product.product", [("default_code", "in", wanted),
                                                                    ("active", "in", [True, False])], fields):
            current = self.products.get(product["default_code"])
            if current is None or (product["active"] and not current["active"]):
                self.products[product["default_code"]] = product

    def product(self, ref: str) -> dict:
        product = self.products.get(ref)
        if product is None:
            raise Problem(f"{ref} is not a product in Odoo (no product with internal reference {ref}). Create it in "
                          f"Odoo, or correct the item in the app.")
        if not product["active"]:
            raise Problem(f"{ref} is archived in Odoo. Unarchive it there, or void this action.")
        if product.get("type") == "service":
            raise Problem(f"{ref} is a service in Odoo, not goods: it cannot be moved in stock.")
        return product

    def ensure_lots(self, wanted: dict[tuple[int, str], str | None]) -> None:
        """Finds, or creates with their expiry, the lots (product id, name) named by actions. A lot is unique per
        product in Odoo, so one made by an interrupted push is found, not made twice."""
        missing = [key for key in wanted if key not in self.lots]
        if not missing:
            return
        names = sorted({name for _pid, name in missing})
        products = sorted({pid for pid, _name in missing})
        for lot in self.gateway.search_read("stock.lot", [("product_id", "in", products), ("name", "in", names)],
                                            ["name", "product_id"]):
            self.lots[(lot["product_id"][0], lot["name"])] = lot["id"]
        to_create = [key for key in missing if key not in self.lots]
        vals = [{"name": name, "product_id": pid, **({"expiration_date": odoo_datetime(wanted[(pid, name)])}
                                                       if wanted[(pid, name)] else {})}
                for pid, name in to_create]
        for key, lot_id in zip(to_create, self.gateway.create("stock.lot", vals)):
            self.lots[key] = lot_id

    def lot_id(self, product_id: int, name: str) -> int:
        return self.lots[(product_id, name)]


class Allocator:
    """Picks lots the way Odoo reserves them (first expiry first) for tracked items scanned without a lot, from
    the quantities Odoo holds at the location; quantities handed out are remembered across the batch."""

    def __init__(self, batch: Batch, needs: list[tuple[int, int]]):
        self.free: dict[tuple[int, int], list[list]] = defaultdict(list)  # (location, product) -> [[lot, qty]]
        if not needs:
            return
        locations = sorted({loc for loc, _pid in needs})
        products = sorted({pid for _loc, pid in needs})
        quants = batch.gateway.search_read(
            "stock.quant", [("location_id", "in", locations), ("product_id", "in", products),
                            ("lot_id", "!=", False), ("quantity", ">", 0)],
            ["location_id", "product_id", "lot_id", "quantity", "reserved_quantity"])
        lot_ids = sorted({quant["lot_id"][0] for quant in quants})
        expiry = {lot["id"]: lot.get("expiration_date") or "9999" for lot in
                  batch.gateway.read("stock.lot", lot_ids, ["expiration_date"])} if lot_ids else {}
        quants.sort(key=lambda q: (expiry.get(q["lot_id"][0], "9999"), q["lot_id"][0]))
        for quant in quants:
            available = quant["quantity"] - (quant.get("reserved_quantity") or 0)
            if available > 0:
                self.free[(quant["location_id"][0], quant["product_id"][0])].append([quant["lot_id"][0], available])

    def take(self, location_id: int, product: dict, quantity: float, where: str) -> list[tuple[int, float]]:
        pieces, left = [], quantity
        for entry in self.free[(location_id, product["id"])]:
            if left <= 0:
                break
            used = min(entry[1], left)
            if used > 0:
                pieces.append((entry[0], used))
                entry[1] -= used
                left -= used
        if left > 1e-9:
            for lot, used in pieces:  # give back what this line took
                for entry in self.free[(location_id, product["id"])]:
                    if entry[0] == lot:
                        entry[1] += used
            raise Problem(f"{product['default_code']} is tracked by lot in Odoo and the scan named none; Odoo holds "
                          f"only {quantity - left:g} with a lot at {where}. Scan the lot on the box, or record "
                          f"the stock in Odoo first.")
        if product["tracking"] == "serial":
            return [(lot, 1.0) for lot, used in pieces for _ in range(int(round(used)))]
        return pieces


def synced(action: QueuedAction, refs: dict) -> PushResult:
    return PushResult(action.id, SYNCED, refs=refs)


def needs_attention(action: QueuedAction, message: str, refs: dict | None = None) -> PushResult:
    return PushResult(action.id, NEEDS_ATTENTION, refs=refs or None, error=message)


def retrying(action: QueuedAction, error: OdooError | str, backoff: Backoff, now: datetime) -> PushResult:
    return PushResult(action.id, RETRYING, error=str(error),
                      next_attempt_at=backoff.next_attempt(action.attempts, now))


def _pushers() -> dict:
    from . import pickings, quants, scraps  # the modules that map each type
    return {"requisition": pickings.push_requisitions, "transfer_confirm": pickings.push_transfer_confirms,
            "receive": pickings.push_receipts, "issue": pickings.push_issues, "return": pickings.push_returns,
            "waste": scraps.push_waste, "count": quants.push_counts}


def push_actions(gateway: Gateway, mapping: Mapping, actions: list[QueuedAction], backoff: Backoff,
                 now: datetime) -> list[PushResult]:
    """Pushes a claimed batch; every action gets a result. Actions of one location are pushed in batch order."""
    batch = Batch(gateway, mapping)
    results: dict[str, PushResult] = {}
    try:
        batch.load_products({line["ref"] for action in actions for line in action.lines if line.get("ref")})
    except TransientError as error:
        return [retrying(action, error, backoff, now) for action in actions]
    groups: dict[str, list[QueuedAction]] = defaultdict(list)
    for action in actions:
        groups[action.type].append(action)
    pushers = _pushers()
    for kind, group in groups.items():
        pusher = pushers.get(kind)
        if pusher is None:
            results.update({a.id: needs_attention(a, f"{kind!r} actions cannot be pushed to Odoo.") for a in group})
            continue
        results.update(_push_group(batch, pusher, group, backoff, now))
    return [results[action.id] for action in actions]


def _push_group(batch: Batch, pusher, group: list[QueuedAction], backoff: Backoff,
                now: datetime) -> dict[str, PushResult]:
    """A pusher fills `results` as actions finish. A transient error leaves the unfinished ones to retry; a
    permanent one in a batched call is narrowed down by pushing the unfinished ones one by one."""
    results: dict[str, PushResult] = {}
    try:
        pusher(batch, group, False, results)
        return results
    except TransientError as error:
        return {**results, **{a.id: retrying(a, error, backoff, now) for a in group if a.id not in results}}
    except PermanentError as error:
        failure: Exception = error
    except Exception as error:  # a fault of this program: the actions wait for a supervisor, never dropped
        log.exception("pushing %d %s actions failed", len(group), group[0].type)
        failure = error
    unfinished = [action for action in group if action.id not in results]
    if len(group) == 1:
        return {**results, **{a.id: needs_attention(a, _refusal(failure)) for a in unfinished}}
    log.info("a batch of %d %s actions failed (%s); pushing them one by one", len(group), group[0].type, failure)
    for position, action in enumerate(unfinished):
        try:
            pusher(batch, [action], True, results)
        except TransientError as error:
            for waiting in unfinished[position:]:  # the rest waits: nothing of a location may overtake
                results[waiting.id] = retrying(waiting, error, backoff, now)
            break
        except Exception as error:
            if not isinstance(error, PermanentError):
                log.exception("pushing action %s failed", action.id)
            results[action.id] = needs_attention(action, _refusal(error))
    return results


def _refusal(error: Exception) -> str:
    if isinstance(error, PermanentError):
        return f"Odoo refused it: {error.message}"
    return _internal(error)


def _internal(error: Exception) -> str:
    return f"The sync engine failed on this action ({type(error).__name__}: {error}). Nothing was lost; tell IT."


def guard(action: QueuedAction, results: dict[str, PushResult], step) -> object:
    """Runs a per-action step; a Problem becomes the action's result (needs attention) instead of stopping others."""
    try:
        return step()
    except Problem as problem:
        results[action.id] = needs_attention(action, str(problem))
        return None
