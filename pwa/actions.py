"""The action contract (DESIGN §3): its schema, per-action validation, and the exactly-once intake into the journal."""
from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import db
from .auth import signed_in_on
from .freezes import Freeze, FreezeRefusal, active_freezes, check_freeze, settle_contributions
from .models import Action, ApiToken, Barcode, Location, Product, Rejection, User, utcnow
from .scanning import parse_scan


@dataclass(frozen=True)
class ActionType:
    roles: tuple[str, ...]
    label: str  # how a nurse would name the task, used in messages
    zero_qty_allowed: bool = False  # a count of an empty shelf is a real count


ACTION_TYPES: dict[str, ActionType] = {
    "requisition": ActionType(("requester", "supervisor"), "request supplies"),
    "transfer_confirm": ActionType(("requester", "receiver", "supervisor"), "confirm a delivery to the ward"),
    "receive": ActionType(("receiver", "supervisor"), "receive deliveries"),
    "issue": ActionType(("requester", "supervisor"), "issue supplies to patients"),
    "return": ActionType(("requester", "supervisor"), "return supplies"),
    "waste": ActionType(("requester", "receiver", "supervisor"), "record waste"),
    "count": ActionType(("counter", "supervisor"), "count stock", zero_qty_allowed=True),
}

MAX_LINES = 200
MAX_QTY = 1_000_000
TEXT_LIMITS = {"lot": 64, "serial": 64, "receipt": 64, "reason": 500, "count_session": 64, "product": 64,
               "scan": 200, "encounter": 64, "transfer": 64, "device_id": 100, "user": 80, "note": 500}
ENCOUNTER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,63}$")


@dataclass
class Outcome:
    """What happened to one action of a batch, in the API's words."""
    id: object
    status: str  # accepted, duplicate, rejected
    reason: str | None = None
    message: str | None = None

    def as_json(self) -> dict:
        body = {"id": self.id, "status": self.status}
        if self.reason:
            body["reason"] = self.reason
            body["message"] = self.message
        return body


class Refusal(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Catalog:
    """The slice of the catalog one batch needs, read in a few queries rather than one per line."""
    locations: dict[str, Location]
    by_barcode: dict[str, tuple[Product, float]] = field(default_factory=dict)
    by_ref: dict[str, Product] = field(default_factory=dict)
    freezes: dict[str, Freeze] = field(default_factory=dict)  # location code → the count session freezing it

    def product_for(self, key: str) -> tuple[Product, float] | None:
        if key in self.by_barcode:
            return self.by_barcode[key]
        if key in self.by_ref:
            return self.by_ref[key], 1.0
        return None


def canonical_json(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def gtin_forms(gtin: str) -> list[str]:
    """A GTIN-14 and the shorter forms (EAN-13, UPC-A, EAN-8) a catalog may have stored it under."""
    forms = [gtin, gtin[1:], gtin[2:]]
    if gtin.startswith("000000"):
        forms.append(gtin[6:])
    return forms


def lookup_keys(line: dict) -> list[str]:
    if isinstance(line.get("product"), str):
        return [line["product"].strip()]
    scan = parse_scan(line["scan"]) if isinstance(line.get("scan"), str) else None
    if scan is None:
        return []
    keys = [scan.code] if scan.code else []
    if scan.gtin:
        keys = gtin_forms(scan.gtin) + keys
    return keys


def load_catalog(session: Session, actions: list) -> Catalog:
    catalog = Catalog(locations={loc.code: loc for loc in session.scalars(select(Location))},
                      freezes=active_freezes(session))
    keys = {key for action in actions if isinstance(action, dict) and isinstance(action.get("lines"), list)
            for line in action["lines"] if isinstance(line, dict) for key in lookup_keys(line)}
    # Lines are checked one by one later; a key no barcode can equal must not reach the query (PostgreSQL
    # refuses NUL in text).
    keys = {key for key in keys if key and len(key) <= 64 and key.replace("\x1d", "").isprintable()}
    if keys:
        rows = session.execute(select(Barcode, Product).join(Product).where(Barcode.code.in_(keys))).all()
        catalog.by_barcode = {barcode.code: (product, barcode.qty) for barcode, product in rows}
        catalog.by_ref = {p.ref: p for p in session.scalars(select(Product).where(Product.ref.in_(keys)))}
    return catalog


def _text(value: object, name: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise Refusal("bad_shape", f"The {name.replace('_', ' ')} is missing.")
        return None
    # A scan may hold GS (ASCII 29), the GS1 separator; no other control character is text a person sent.
    printable = value.replace("\x1d", "") if name == "scan" and isinstance(value, str) else value
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_LIMITS.get(name, 200) \
            or not printable.isprintable():
        raise Refusal("bad_shape", f"The {name.replace('_', ' ')} must be a short text.")
    return value.strip()


def _device_time(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Refusal("bad_created_at", "The time the action was made is missing or not a date and time.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refusal("bad_created_at", "The time the action was made is not a date and time.") from None
    if moment.tzinfo is None:
        raise Refusal("bad_created_at", "The time the action was made has no time zone.")
    return moment.astimezone(timezone.utc)


def _quantity(value: object, number: int, kind: ActionType) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Refusal("bad_quantity", f"Line {number}: the quantity must be a number.")
    if value < 0 or (value == 0 and not kind.zero_qty_allowed) or value > MAX_QTY:
        raise Refusal("bad_quantity", f"Line {number}: the quantity must be more than zero.")
    return float(value)


def _expiry(value: object, number: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise Refusal("bad_shape", f"Line {number}: the expiry date must be written as YYYY-MM-DD.")


def resolve_line(line: object, number: int, kind: ActionType, catalog: Catalog) -> dict:
    """One line as the sync engine will use it: the product, the quantity in units, lot, serial and expiry."""
    if not isinstance(line, dict):
        raise Refusal("bad_shape", f"Line {number} is not an item with a quantity.")
    qty = _quantity(line.get("qty"), number, kind)
    product_key = _text(line.get("product"), "product")
    scan_text = _text(line.get("scan"), "scan")
    if product_key is None and scan_text is None:
        raise Refusal("bad_shape", f"Line {number} names no item: scan it or give its product code.")
    resolved = {"qty": qty}
    scan = parse_scan(scan_text) if scan_text is not None and product_key is None else None
    if scan is not None and scan.kind == "invalid":
        raise Refusal("bad_scan", f"Line {number}: the barcode {scan_text!r} could not be read ({scan.error}).")
    found = None
    for key in lookup_keys(line):
        found = catalog.product_for(key)
        if found:
            break
    if found is None or not found[0].active:
        shown = product_key or scan_text
        raise Refusal("unknown_item", f"Line {number}: {shown!r} is not in the catalog. Ask your supervisor.")
    product, pack_qty = found
    resolved.update(ref=product.ref, pack_qty=pack_qty, units=qty * pack_qty, uom=product.uom,
                    billable=product.billable, tracking=product.tracking)
    lot = _text(line.get("lot"), "lot") or (scan.lot if scan else None)
    serial = _text(line.get("serial"), "serial") or (scan.serial if scan else None)
    expiry = _expiry(line.get("expiry"), number) or (scan.expiry if scan else None)
    for name, value in (("lot", lot), ("serial", serial), ("expiry", expiry), ("scan", scan_text),
                        ("receipt", _text(line.get("receipt"), "receipt")),
                        ("reason", _text(line.get("reason"), "reason")),
                        ("count_session", _text(line.get("count_session"), "count_session"))):
        if value is not None:
            resolved[name] = value
    return resolved


def check_action(action: object, token: ApiToken, catalog: Catalog, users: dict[str, User]) -> dict:
    """Validates one action for this sender; returns the journal row's values or raises a Refusal."""
    if not isinstance(action, dict):
        raise Refusal("bad_shape", "This action is not an object with an id, a type and lines.")
    action_id = action.get("id")
    try:
        if not isinstance(action_id, str) or str(uuid.UUID(action_id)) != action_id.lower():
            raise ValueError
    except ValueError:
        raise Refusal("bad_id", "The action has no valid id (a UUID made on the device).") from None
    kind = ACTION_TYPES.get(action.get("type")) if isinstance(action.get("type"), str) else None
    if kind is None:
        raise Refusal("unknown_type", f"{str(action.get('type'))[:40]!r} is not something this app records.")
    device_id = _text(action.get("device_id"), "device_id") or token.device_id
    if device_id != token.device_id:
        raise Refusal("device_mismatch", "This action was made on another device; send it from that device.")
    user = _action_user(action, token, users)
    if not user.has_role(*kind.roles):
        raise Refusal("role_not_allowed", f"{user.login} ({', '.join(user.role_list)}) may not {kind.label}.")
    created_at = _device_time(action.get("created_at"))
    code = _text(action.get("location"), "location", required=True)
    location = catalog.locations.get(code)
    if location is None or not location.active:
        raise Refusal("unknown_location", f"{code!r} is not a location this hospital knows.")
    if location.code not in {loc.code for loc in user.locations}:
        raise Refusal("location_not_allowed", f"{user.login} may not record anything for {location.name}.")
    encounter = _text(action.get("encounter"), "encounter")
    if encounter is not None and not ENCOUNTER_PATTERN.match(encounter):
        raise Refusal("bad_encounter", "The encounter number has characters it cannot have.")
    if action["type"] == "issue" and encounter is None and action.get("floor_charge") is not True:
        raise Refusal("missing_encounter", "Scan the patient's encounter number first, or record a floor charge.")
    if action.get("floor_charge") is True and encounter is None and not may_floor_charge(user):
        raise Refusal("floor_charge_not_allowed",
                      f"{user.login} may not charge supplies to the department: scan the patient's encounter number.")
    for name in ("transfer", "receipt", "count_session", "reason", "note"):
        _text(action.get(name), name)
    lines = action.get("lines")
    if not isinstance(lines, list) or not lines:
        raise Refusal("bad_shape", "The action has no lines: scan at least one item.")
    if len(lines) > MAX_LINES:
        raise Refusal("bad_shape", f"An action may have at most {MAX_LINES} lines.")
    resolved = [resolve_line(line, number, kind, catalog) for number, line in enumerate(lines, start=1)]
    try:
        check_freeze(action, location, created_at, device_id, catalog.freezes, users)
    except FreezeRefusal as refusal:
        raise Refusal(refusal.code, refusal.message) from None
    canonical = canonical_json(action)
    return {"id": action_id.lower(), "type": action["type"], "payload": canonical,
            "payload_hash": payload_hash(canonical), "lines": resolved, "user_id": user.id,
            "device_id": device_id, "location_code": location.code, "encounter": encounter,
            "created_at": created_at}


def may_floor_charge(user: User) -> bool:
    """Whether policy lets this user charge an issue (or its return) to the department instead of a patient."""
    return user.has_role(*current_app.config["FLOOR_CHARGE_ROLES"])


def _action_user(action: dict, token: ApiToken, users: dict[str, User]) -> User:
    """Shared tablets replay actions of everyone who worked on them: each stays with the user who made it."""
    login = action.get("user")
    if login is None or login == token.user.login:
        return token.user
    if not isinstance(login, str) or len(login) > 80 or not login.isprintable():
        raise Refusal("bad_shape", "The user who made the action must be a login.")
    if login not in users:
        users[login] = db.session().scalar(select(User).where(User.login == login))
    user = users[login]
    if user is None or not user.active:
        raise Refusal("unknown_user", f"{login!r} is not an active user.")
    if not signed_in_on(user, token.device_id):
        raise Refusal("user_not_on_device", f"{login} never signed in on this device.")
    return user


def intake(actions: list, token: ApiToken) -> list[Outcome]:
    """Journals a batch in one transaction: each action accepted once, recognised as a duplicate, or refused."""
    session = db.session()
    catalog = load_catalog(session, actions)
    users: dict[str, User] = {}
    outcomes: list[Outcome] = []
    rows: dict[str, dict] = {}
    for action in actions:
        shown_id = action.get("id") if isinstance(action, dict) and isinstance(action.get("id"), (str, int)) else None
        try:
            row = check_action(action, token, catalog, users)
        except Refusal as refusal:
            outcomes.append(Outcome(shown_id, "rejected", refusal.code, refusal.message))
            continue
        earlier = rows.get(row["id"])
        if earlier is not None:
            outcomes.append(_repeat_outcome(shown_id, earlier["payload_hash"], row["payload_hash"]))
            continue
        rows[row["id"]] = row
        outcomes.append(Outcome(shown_id, "accepted"))
    inserted = _insert_new(session, list(rows.values()))
    settle_contributions(session, [rows[action_id] for action_id in inserted])
    existing = {}
    if len(inserted) < len(rows):
        missing = [action_id for action_id in rows if action_id not in inserted]
        existing = dict(session.execute(select(Action.id, Action.payload_hash).where(Action.id.in_(missing))).all())
    for outcome in outcomes:
        if outcome.status == "accepted" and str(outcome.id).lower() not in inserted:
            row = rows[str(outcome.id).lower()]
            new = _repeat_outcome(outcome.id, existing[row["id"]], row["payload_hash"])
            outcome.status, outcome.reason, outcome.message = new.status, new.reason, new.message
    for action, outcome in zip(actions, outcomes):
        if outcome.status == "rejected":
            shown = str(outcome.id).replace("\x00", "")[:100] if outcome.id is not None else None
            session.add(Rejection(action_id=shown,
                                  reason=outcome.reason, message=outcome.message, user_id=token.user_id,
                                  device_id=token.device_id, payload=canonical_json(action)[:20000]
                                  if isinstance(action, dict) else json.dumps(action)[:20000]))
    token.device.last_seen_at = utcnow()
    session.commit()
    return outcomes


def _repeat_outcome(shown_id: object, stored_hash: str, new_hash: str) -> Outcome:
    if stored_hash == new_hash:
        return Outcome(shown_id, "duplicate")
    return Outcome(shown_id, "rejected", "id_conflict",
                   "An action with this id was already received with different contents; it was not changed.")


def _insert_new(session: Session, rows: list[dict]) -> set[str]:
    """Inserts the rows whose id is new, in one statement; returns the ids that were new."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    values = [{**row, "received_at": now, "status": "received", "attempts": 0, "odoo_refs": {}} for row in rows]
    statement = insert(Action).values(values).on_conflict_do_nothing(index_elements=["id"]).returning(Action.id)
    return set(session.scalars(statement))
