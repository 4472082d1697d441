"""The exception queue: every action Odoo would not take (`needs_attention`) and every action the intake refused
(`rejections`), oldest first, each with its reason in plain words and the raw scans.

Decisions: retry, void with a reason, map an unknown barcode to a product, or correct — a new action in the
journal that names the one it replaces (`"corrects"`); the original is never edited, only voided or settled.
Every decision goes to the audit log.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import db, generated, journal
from ..actions import ENCOUNTER_PATTERN, Refusal, check_action, load_catalog, lookup_keys
from ..audit import record
from ..auth import roles_required
from ..catalog import stamp
from ..freezes import settle_contributions
from ..models import (NEEDS_ATTENTION, RECEIVED, Action, Barcode, Device, Location, Product, Rejection, User,
                      utcnow)
from ..scanning import parse_scan
from . import bp
from .common import aware, is_htmx, scope

LIMIT = 300

# The intake's refusal codes, as a heading a supervisor reads before the sentence the device was given.
REASON_WORDS = {
    "bad_shape": "The device sent something incomplete",
    "bad_id": "The device sent an action without a proper id",
    "unknown_type": "Not something this app records",
    "bad_created_at": "The device's clock gave no usable time",
    "bad_quantity": "A quantity was not a number above zero",
    "bad_scan": "A barcode could not be read",
    "unknown_item": "An item is not in the catalog",
    "unknown_location": "The location is unknown",
    "location_not_allowed": "Outside the user's locations",
    "role_not_allowed": "The user's role may not do this",
    "missing_encounter": "An issue without a patient encounter",
    "bad_encounter": "The encounter number is malformed",
    "floor_charge_not_allowed": "Floor charge not allowed for this user",
    "device_mismatch": "Sent from another device",
    "unknown_user": "The user is unknown or disabled",
    "user_not_on_device": "The user never signed in on that device",
    "id_conflict": "Same id, different content",
    "location_frozen": "The location was being counted",
    "bad_override": "An override without a reason",
    "override_not_allowed": "An override by someone who may not override",
    "count_session_closed": "A count for a session that had ended",
    "device_revoked": "Sent by a revoked device",
}
# Lines a correction keeps from the original as they were.
KEPT_LINE_FIELDS = ("lot", "expiry", "serial", "reason", "receipt", "count_session")
KEPT_ACTION_FIELDS = ("encounter", "floor_charge", "transfer", "receipt", "note")


class DeskError(Exception):
    """A decision that cannot be taken as asked; the message says why and what to do instead."""


@dataclass
class QueueLine:
    number: int
    item: str  # what the line names, as sent: a product code or the raw scan
    product: str  # the catalog product it resolves to, or "" when unknown
    name: str
    qty: float
    scan: str | None
    unknown_code: str | None  # the barcode a supervisor could map to a product
    lot: str | None = None
    expiry: str | None = None
    serial: str | None = None


@dataclass
class QueueItem:
    kind: str  # action | rejection
    key: str  # the action's id, or the rejection's number
    action_id: str | None
    made_at: datetime
    type: str | None
    location: str | None
    user: str
    device: str | None
    heading: str
    detail: str
    status: str
    lines: list[QueueLine] = field(default_factory=list)
    payload: dict = field(default_factory=dict)
    outcome: str | None = None  # after a decision: what happened, shown in place of the buttons

    @property
    def dom_id(self) -> str:
        return f"exception-{self.kind}-{self.key}"

    @property
    def unknown_codes(self) -> list[str]:
        return list(dict.fromkeys(line.unknown_code for line in self.lines if line.unknown_code))


# Reading the queue

def _payload(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _lines(session: Session, payload: dict, resolved: list[dict] | None = None) -> list[QueueLine]:
    raw = payload.get("lines") if isinstance(payload.get("lines"), list) else []
    catalog = load_catalog(session, [payload])
    lines = []
    for number, line in enumerate(raw, start=1):
        if not isinstance(line, dict):
            continue
        product, pack = next((found for key in _keys(line) if (found := catalog.product_for(key))), (None, 1.0))
        scan_text = line.get("scan") if isinstance(line.get("scan"), str) else None
        scan = parse_scan(scan_text) if scan_text else None
        unknown = None
        if product is None:
            unknown = (scan.gtin or scan.code) if scan and scan.kind != "invalid" else \
                (line.get("product") if isinstance(line.get("product"), str) else None)
        qty = line.get("qty")
        qty = float(qty) if isinstance(qty, (int, float)) and not isinstance(qty, bool) else 0.0
        lines.append(QueueLine(
            number=number, item=str(line.get("product") or scan_text or "?")[:200],
            product=product.ref if product else "", name=product.name if product else "not in the catalog",
            qty=qty * pack,  # in units once the item is known: a correction names the product, not the pack
            scan=scan_text, unknown_code=unknown[:64] if unknown else None,
            lot=_text(line.get("lot")) or (scan.lot if scan else None),
            expiry=_text(line.get("expiry")) or (scan.expiry if scan else None),
            serial=_text(line.get("serial")) or (scan.serial if scan else None)))
    for line, done in zip(lines, resolved or []):
        line.product, line.qty = done.get("ref", line.product), done.get("units", line.qty)
    return lines


def _keys(line: dict) -> list[str]:
    try:
        return lookup_keys(line)
    except (TypeError, AttributeError):
        return []


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _action_item(session: Session, action: Action) -> QueueItem:
    payload = _payload(action.payload)
    return QueueItem("action", action.id, action.id, aware(action.created_at), action.type, action.location_code,
                     action.user.login, action.device_id, "Odoo did not take it",
                     action.last_error or "No reason was recorded.", action.status,
                     _lines(session, payload, action.lines), payload)


def _rejection_item(session: Session, rejection: Rejection, users: dict[int, str]) -> QueueItem:
    payload = _payload(rejection.payload)
    action_id = rejection.action_id if isinstance(payload.get("id"), str) else None
    location = payload.get("location") if isinstance(payload.get("location"), str) else None
    return QueueItem("rejection", str(rejection.id), action_id, aware(rejection.at),
                     payload.get("type") if isinstance(payload.get("type"), str) else None, location,
                     users.get(rejection.user_id, "?"), rejection.device_id,
                     REASON_WORDS.get(rejection.reason, "Refused by the server"), rejection.message,
                     rejection.status, _lines(session, payload), payload)


def _visible(item_location: str | None, sender_locations: set[str], codes: set[str], known: set[str]) -> bool:
    """At one of the supervisor's locations; a refusal naming no known location shows where its sender works."""
    if item_location in known:
        return item_location in codes
    return bool(sender_locations & codes)


def queue(session: Session, codes: set[str]) -> list[QueueItem]:
    """Everything waiting for a decision at these locations, oldest first."""
    actions = session.scalars(select(Action).where(Action.status == NEEDS_ATTENTION,
                                                   Action.location_code.in_(codes))
                              .order_by(Action.created_at, Action.seq).limit(LIMIT))
    items = [_action_item(session, action) for action in actions]
    items += _open_rejections(session, codes)
    items.sort(key=lambda item: item.made_at)
    return items


def _open_rejections(session: Session, codes: set[str]) -> list[QueueItem]:
    known = set(session.scalars(select(Location.code)))
    users = dict(session.execute(select(User.id, User.login)).all())
    scopes = _user_scopes(session)
    latest: dict[str, Rejection] = {}
    for rejection in session.scalars(select(Rejection).where(Rejection.status == "open")
                                     .order_by(Rejection.at).limit(LIMIT * 4)):
        # A device that sends a refused action again adds a row each time: the queue shows the latest.
        latest[rejection.action_id or f"#{rejection.id}"] = rejection
    items = []
    for rejection in latest.values():
        item = _rejection_item(session, rejection, users)
        if _visible(item.location, scopes.get(rejection.user_id, set()), codes, known):
            items.append(item)
    return items[:LIMIT]


def _user_scopes(session: Session) -> dict[int, set[str]]:
    scopes: dict[int, set[str]] = {}
    for user in session.scalars(select(User)):
        scopes[user.id] = {loc.code for loc in user.locations}
    return scopes


def find_item(session: Session, kind: str, key: str, codes: set[str]) -> tuple[QueueItem, Action | Rejection]:
    """The queue item behind a decision, if it is at one of the supervisor's locations; else 404."""
    if kind == "action":
        action = session.scalar(select(Action).where(Action.id == key.lower()[:36]))
        if action is None or action.location_code not in codes:
            abort(404)
        return _action_item(session, action), action
    if kind == "rejection" and key.isdigit():
        rejection = session.get(Rejection, int(key))
        if rejection is not None:
            users = dict(session.execute(select(User.id, User.login)).all())
            item = _rejection_item(session, rejection, users)
            known = set(session.scalars(select(Location.code)))
            if _visible(item.location, _user_scopes(session).get(rejection.user_id, set()), codes, known):
                return item, rejection
    abort(404)


# Decisions

def _same_rejections(session: Session, rejection: Rejection) -> list[Rejection]:
    if rejection.action_id is None:
        return [rejection]
    return list(session.scalars(select(Rejection).where(Rejection.action_id == rejection.action_id,
                                                        Rejection.status == "open")))


def _settle(session: Session, rejection: Rejection, status: str, supervisor: User, resolution: str) -> None:
    for row in _same_rejections(session, rejection) or [rejection]:
        row.status, row.resolved_by, row.resolved_at, row.resolution = status, supervisor.login, utcnow(), resolution


def retry_rejection(session: Session, rejection: Rejection, supervisor: User, note: str | None) -> str:
    """Runs the refused action through the intake again, as its own user on its own device (after a fix)."""
    if rejection.status != "open":
        raise DeskError("This refusal was already dealt with.")
    payload = _payload(rejection.payload)
    if not payload:
        raise DeskError("What the device sent was not an action: void it with a reason.")
    action_id = str(payload.get("id", "")).lower()
    if session.scalar(select(func.count()).select_from(Action).where(Action.id == action_id[:36])):
        _settle(session, rejection, "retried", supervisor, "The device sent it again and it was accepted.")
        _audit(supervisor, "rejection_retried", rejection, "retried", note)
        session.commit()
        return "It is already in the journal: the device sent it again after the fix."
    user, device = session.get(User, rejection.user_id), session.get(Device, rejection.device_id)
    if not user.active or device.revoked_at is not None:
        raise DeskError("Its user is disabled or its device revoked: correct it instead (a new action in your "
                        "name) or void it.")
    sender = SimpleNamespace(user=user, user_id=user.id, device_id=device.id, device=device)
    try:
        row = check_action(payload, sender, load_catalog(session, [payload]), {})
    except Refusal as refusal:
        session.rollback()
        raise DeskError(f"Still refused: {refusal.message}") from None
    session.add(Action(**row, received_at=utcnow(), status=RECEIVED, attempts=0, odoo_refs={}))
    session.flush()
    settle_contributions(session, [row])
    _settle(session, rejection, "retried", supervisor, f"Accepted on retry as action {row['id']}.")
    _audit(supervisor, "rejection_retried", rejection, "retried", note)
    session.commit()
    return "Accepted into the journal; it goes to Odoo with the next sync."


def void_rejection(session: Session, rejection: Rejection, supervisor: User, reason: str) -> str:
    if rejection.status != "open":
        raise DeskError("This refusal was already dealt with.")
    if not reason.strip():
        raise DeskError("Say why it is voided.")
    _settle(session, rejection, "voided", supervisor, reason.strip())
    _audit(supervisor, "rejection_voided", rejection, "voided", reason.strip())
    session.commit()
    return "Voided: it will never be recorded."


def _audit(supervisor: User, event: str, rejection: Rejection, status: str, reason: str | None) -> None:
    record(event, actor=supervisor.login, role=supervisor.roles,
           subject=f"action {rejection.action_id}" if rejection.action_id else f"rejection {rejection.id}",
           before={"status": "open", "reason": rejection.reason}, after={"status": status},
           reason=(reason or "").strip() or None)


def map_barcode(session: Session, code: str, product_ref: str, pack_qty: float, supervisor: User) -> Product:
    """Adds a barcode to a product, stamped so every device gets it with its next catalog pull."""
    code, product_ref = code.strip(), product_ref.strip()
    if not code or len(code) > 64 or not code.isprintable():
        raise DeskError("The barcode must be a short code.")
    if not 0 < pack_qty <= 100000:
        raise DeskError("The quantity per scan must be a number above zero.")
    product = session.scalar(select(Product).where(Product.ref == product_ref, Product.active.is_(True)))
    if product is None:
        raise DeskError(f"{product_ref!r} is not an active product reference.")
    taken = session.get(Barcode, code)
    if taken is not None:
        raise DeskError(f"{code} already names {taken.product.ref} ({taken.product.name}).")
    session.add(Barcode(code=code, product_id=product.id, qty=pack_qty))
    stamp(session, product)
    record("barcode_mapped", actor=supervisor.login, role=supervisor.roles, subject=f"product {product.ref}",
           after={"barcode": code, "product": product.ref, "qty": pack_qty})
    session.commit()
    return product


def correct(session: Session, item: QueueItem, original: Action | Rejection, supervisor: User,
            quantities: dict[int, float], products: dict[int, str], encounter: str | None, reason: str) -> Action:
    """Journals a new action replacing the original (kept as it was, then voided or settled), in the
    supervisor's name; a quantity of 0 leaves a line out."""
    if not reason.strip():
        raise DeskError("Say why the action is corrected.")
    if item.type not in ("requisition", "transfer_confirm", "receive", "issue", "return", "waste") \
            or item.location is None:
        raise DeskError("Only a stock action at a known location can be corrected; void this one.")
    if isinstance(original, Rejection) and original.status != "open" or \
            isinstance(original, Action) and original.status != NEEDS_ATTENTION:
        raise DeskError("This was already dealt with.")
    lines = []
    for line in item.lines:
        qty = quantities.get(line.number, line.qty)
        if qty <= 0:
            continue
        new_line = {"product": products.get(line.number) or line.product or line.item, "qty": qty}
        raw = item.payload["lines"][line.number - 1]
        for name in KEPT_LINE_FIELDS:
            value = _text(raw.get(name)) or getattr(line, name, None)
            if value:
                new_line[name] = value
        lines.append(new_line)
    if not lines:
        raise DeskError("Every quantity is 0: void the action instead.")
    fields = {name: item.payload[name] for name in KEPT_ACTION_FIELDS if item.payload.get(name) not in (None, "")}
    if item.type == "issue":
        if encounter:
            if not ENCOUNTER_PATTERN.match(encounter):
                raise DeskError("The encounter number has characters it cannot have.")
            fields["encounter"] = encounter
            fields.pop("floor_charge", None)
        if not fields.get("encounter") and fields.get("floor_charge") is not True:
            raise DeskError("An issue needs the patient's encounter number.")
    replaced = item.action_id or f"rejection {item.key}"
    new = generated.new_action(item.type, item.location, lines, supervisor, corrects=replaced, made_by=item.user,
                               **fields)
    try:
        row = generated.journal(session, new, supervisor)
    except Refusal as refusal:
        session.rollback()
        raise DeskError(refusal.message) from None
    record("action_corrected", actor=supervisor.login, role=supervisor.roles, subject=f"action {replaced}",
           before={"lines": [{"item": line.item, "qty": line.qty} for line in item.lines]},
           after={"corrected_by": row.id, "lines": lines}, reason=reason.strip())
    resolution = f"Replaced by corrected action {row.id}: {reason.strip()}"
    if isinstance(original, Action):
        try:
            journal.void(session, original.id, supervisor.login, resolution)
        except journal.SupervisorError as error:
            raise DeskError(str(error)) from None
    else:
        _settle(session, original, "corrected", supervisor, resolution)
        session.commit()
    return row


# Pages

def _queue_page(**extra):
    items = queue(db.session(), scope())
    return render_template("supervisor/exceptions.html", items=items, reasons=REASON_WORDS, **extra)


@bp.get("/exceptions")
@roles_required("supervisor")
def exceptions():
    return _queue_page()


def _answer(item: QueueItem, message: str, error: bool = False):
    """htmx: the row, redrawn with what happened; otherwise back to the queue with a flash."""
    if is_htmx():
        item.outcome = message
        response = render_template("supervisor/_exception.html", item=item, error=error)
        return response, 200
    flash(message, "error" if error else "info")
    return redirect(url_for("supervisor.exceptions") + f"#{item.dom_id}")


@bp.post("/exceptions/<kind>/<key>/retry")
@roles_required("supervisor")
def retry(kind: str, key: str):
    session = db.session()
    item, original = find_item(session, kind, key, scope())
    note = request.form.get("reason", "")[:500]
    try:
        if isinstance(original, Action):
            journal.retry(session, original.id, current_user.login, note.strip() or None)
            message = "Back in the queue: it goes to Odoo with the next sync."
        else:
            message = retry_rejection(session, original, current_user, note)
    except (DeskError, journal.SupervisorError) as error:
        return _answer(item, str(error), error=True)
    item.status = "settled"
    return _answer(item, message)


@bp.post("/exceptions/<kind>/<key>/void")
@roles_required("supervisor")
def void(kind: str, key: str):
    session = db.session()
    item, original = find_item(session, kind, key, scope())
    reason = request.form.get("reason", "")[:500].strip()
    try:
        if not reason:
            raise DeskError("Say why it is voided.")
        if isinstance(original, Action):
            journal.void(session, original.id, current_user.login, reason)
            message = "Voided: it will never reach Odoo. It stays in the journal."
        else:
            message = void_rejection(session, original, current_user, reason)
    except (DeskError, journal.SupervisorError) as error:
        return _answer(item, str(error), error=True)
    item.status = "settled"
    return _answer(item, message)


@bp.route("/exceptions/<kind>/<key>/fix", methods=["GET", "POST"])
@roles_required("supervisor")
def fix(kind: str, key: str):
    """The correction form (GET), and the corrected action it makes (POST)."""
    session = db.session()
    item, original = find_item(session, kind, key, scope())
    error = None
    if request.method == "POST":
        quantities, products = {}, {}
        try:
            for line in item.lines:
                raw_qty = request.form.get(f"qty-{line.number}", "").strip()
                if raw_qty:
                    quantities[line.number] = float(raw_qty)
                    if not 0 <= quantities[line.number] <= 1_000_000:
                        raise ValueError
                product = request.form.get(f"product-{line.number}", "").strip()[:64]
                if product:
                    products[line.number] = product
        except ValueError:
            error = "Each quantity must be a number of 0 or more."
        if error is None:
            try:
                row = correct(session, item, original, current_user, quantities, products,
                              request.form.get("encounter", "").strip()[:64] or None,
                              request.form.get("reason", "")[:500])
            except DeskError as problem:
                error = str(problem)
            else:
                item.status = "settled"
                answer = _answer(item, f"Corrected: action {row.id} replaces it and goes to Odoo with the next "
                                       "sync.")
                if is_htmx():  # the form asked to be replaced; the whole row is redrawn instead
                    answer = (answer[0], 200, {"HX-Retarget": f"#{item.dom_id}", "HX-Reswap": "outerHTML"})
                return answer
    if is_htmx():  # htmx swaps only 2xx answers: the form comes back with its error in place
        return render_template("supervisor/_fix.html", item=item, error=error, form=request.form)
    return render_template("supervisor/fix.html", item=item, error=error, form=request.form), 400 if error else 200


@bp.post("/barcodes")
@roles_required("supervisor")
def barcode():
    session = db.session()
    kind, key = request.form.get("kind", ""), request.form.get("key", "")
    item, _original = find_item(session, kind, key, scope())
    try:
        qty = float(request.form.get("qty") or 1)
        product = map_barcode(session, request.form.get("code", ""), request.form.get("product", ""), qty,
                              current_user)
    except ValueError:
        return _answer(item, "The quantity per scan must be a number above zero.", error=True)
    except DeskError as error:
        session.rollback()
        return _answer(item, str(error), error=True)
    item, _original = find_item(session, kind, key, scope())
    return _answer(item, f"Mapped to {product.ref} ({product.name}); every device learns it with its next "
                         "catalog sync. Retry the action now.")
