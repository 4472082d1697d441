"""What the journal knows to be on hand: Odoo's last report (stock levels) plus the journal's moves not yet in it.

Used for the snapshot a count session is reconciled against and for the supervisor's stock KPIs. A move is in
Odoo's report when its action was synced before the report was taken; everything else the journal has received
(including actions still waiting for Odoo or stuck in the supervisor's queue: the shelf changed all the same) is
added on top.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .freezes import aware
from .models import RESOLVED, VOIDED, Action, Location, Product, StockLevel

Key = tuple[str, str, str]  # location code, product ref, lot ("" when none)

# The sign of each action type's effect on the shelf of its location; requisitions only ask, counts set.
DIRECTION = {"receive": 1, "transfer_confirm": 1, "return": 1, "issue": -1, "waste": -1}
MOVING_TYPES = tuple(DIRECTION) + ("count",)


@dataclass(frozen=True)
class Movement:
    action_id: str
    type: str
    key: Key
    qty: float  # the signed change, or the quantity found when `absolute`
    absolute: bool
    created_at: datetime
    received_at: datetime
    reflected_after: datetime | None  # when Odoo took it in (synced_at), None while it has not


def line_lot(line: dict) -> str:
    return line.get("lot") or line.get("serial") or ""


def is_count_contribution(action: Action) -> bool:
    """A counter's share of a count session: it adds to the session's result, it never sets stock by itself."""
    if action.type != "count":
        return False
    payload = json.loads(action.payload)
    if payload.get("generated_by") == "count_session":
        return False
    return bool(payload.get("count_session")) or any(line.get("count_session") for line in action.lines)


def central_store(session: Session) -> str | None:
    """Arrivals confirmed on a ward leave the central store; only when there is exactly one is it known which."""
    stores = list(session.scalars(select(Location.code).where(Location.kind == "store", Location.active.is_(True))))
    return stores[0] if len(stores) == 1 else None


def movements(session: Session, codes: set[str], *, received_after: datetime | None = None,
              received_until: datetime | None = None, unsynced_or_after: datetime | None = None) -> list[Movement]:
    """The stock effect of every live action at these locations, in the order the actions were made; with
    `unsynced_or_after`, only actions Odoo had not taken in by then."""
    store = central_store(session)
    where = [Action.type.in_(MOVING_TYPES), Action.status.notin_((VOIDED, RESOLVED))]
    if store in codes:
        where.append(or_(Action.location_code.in_(codes), Action.type == "transfer_confirm"))
    else:
        where.append(Action.location_code.in_(codes))
    if received_after is not None:
        where.append(Action.received_at > received_after)
    if received_until is not None:
        where.append(Action.received_at <= received_until)
    if unsynced_or_after is not None:
        where.append(or_(Action.synced_at.is_(None), Action.synced_at > unsynced_or_after))
    found: list[Movement] = []
    for action in session.scalars(select(Action).where(*where).order_by(Action.created_at, Action.seq)):
        if is_count_contribution(action):
            continue
        legs = []
        if action.location_code in codes:
            legs.append((action.location_code, DIRECTION.get(action.type, 1)))
        if action.type == "transfer_confirm" and store in codes:
            legs.append((store, -1))
        for code, sign in legs:
            for line in action.lines:
                found.append(Movement(action.id, action.type, (code, line["ref"], line_lot(line)),
                                      line["units"] if action.type == "count" else sign * line["units"],
                                      action.type == "count", aware(action.created_at), aware(action.received_at),
                                      aware(action.synced_at) if action.synced_at else None))
    return found


def apply(levels: dict[Key, float], moves: list[Movement]) -> dict[Key, float]:
    """Plays moves over levels; the lines of one count of one product and lot add up to what it set."""
    counted: set[tuple[str, Key]] = set()
    for move in moves:
        if move.absolute:
            if (move.action_id, move.key) not in counted:
                levels[move.key] = 0.0
                counted.add((move.action_id, move.key))
            levels[move.key] += move.qty
        else:
            levels[move.key] = levels.get(move.key, 0.0) + move.qty
    return levels


def known_on_hand(session: Session, codes: set[str], at: datetime | None = None) -> dict[Key, float]:
    """Per location, product and lot: Odoo's last report plus every move received (up to `at`) since."""
    levels: dict[Key, float] = {}
    as_of: dict[str, datetime] = {}
    rows = session.execute(select(Location.code, StockLevel).join(StockLevel.location)
                           .where(Location.code.in_(codes), StockLevel.active.is_(True))).all()
    products = _refs(session, {level.product_id for _, level in rows})
    for code, level in rows:
        levels[(code, products[level.product_id], level.lot or "")] = level.qty
        moment = aware(level.as_of)
        as_of[code] = max(as_of.get(code, moment), moment)
    # Actions Odoo took in before its oldest report here are in every report: no need to read them.
    oldest = min(as_of.values()) if as_of and set(as_of) >= codes else None
    fresh = [move for move in movements(session, codes, received_until=at, unsynced_or_after=oldest)
             if move.reflected_after is None or move.key[0] not in as_of
             or move.reflected_after > as_of[move.key[0]]]
    return apply(levels, fresh)


def _refs(session: Session, product_ids: set[int]) -> dict[int, str]:
    if not product_ids:
        return {}
    return dict(session.execute(select(Product.id, Product.ref).where(Product.id.in_(product_ids))).all())


def totals_by_location(levels: dict[Key, float]) -> dict[tuple[str, str], float]:
    """Lots summed: per location and product."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for (code, ref, _lot), qty in levels.items():
        totals[(code, ref)] += qty
    return dict(totals)

