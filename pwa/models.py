"""The journal's tables: actions, who made them, where, and the catalog the devices scan against.

Nothing here is ever deleted: users and devices are disabled or revoked, actions end as resolved or voided.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without their zone; every time in the journal is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


ROLES = ("requester", "receiver", "counter", "supervisor", "admin")

# Lifecycle on the server (DESIGN §3).
RECEIVED, SYNCING, SYNCED, RETRYING, NEEDS_ATTENTION, RESOLVED, VOIDED = (
    "received", "syncing", "synced", "retrying", "needs_attention", "resolved", "voided")
STATUSES = (RECEIVED, SYNCING, SYNCED, RETRYING, NEEDS_ATTENTION, RESOLVED, VOIDED)
OPEN_STATUSES = (RECEIVED, SYNCING, RETRYING)


class Location(Base):
    __tablename__ = "locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # store (central), department, consumption, scrap
    kind: Mapped[str] = mapped_column(String(20), default="department")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    odoo_id: Mapped[int | None] = mapped_column(Integer)
    rev: Mapped[int] = mapped_column(Integer, default=0, index=True)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    uom: Mapped[str] = mapped_column(String(32), default="Units")
    tracking: Mapped[str] = mapped_column(String(10), default="none")  # none, lot, serial
    billable: Mapped[bool] = mapped_column(Boolean, default=False)
    price: Mapped[float] = mapped_column(Numeric(12, 2), default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    odoo_id: Mapped[int | None] = mapped_column(Integer)
    rev: Mapped[int] = mapped_column(Integer, default=0, index=True)
    barcodes: Mapped[list[Barcode]] = relationship(back_populates="product", cascade="all, delete-orphan",
                                                   order_by="Barcode.qty")


class Barcode(Base):
    """Every code that names a product: its unit barcode (qty 1) and its packaging barcodes (qty per pack)."""
    __tablename__ = "barcodes"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    qty: Mapped[float] = mapped_column(Float, default=1)
    product: Mapped[Product] = relationship(back_populates="barcodes")


class ParLevel(Base):
    __tablename__ = "par_levels"
    __table_args__ = (UniqueConstraint("location_id", "product_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    min_qty: Mapped[float] = mapped_column(Float, default=0)
    max_qty: Mapped[float] = mapped_column(Float, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rev: Mapped[int] = mapped_column(Integer, default=0, index=True)
    location: Mapped[Location] = relationship()
    product: Mapped[Product] = relationship()


class StockLevel(Base):
    """The last known quantity on hand of a product (and lot) at a location, as Odoo (or the demo) last reported it."""
    __tablename__ = "stock_levels"
    __table_args__ = (UniqueConstraint("location_id", "product_id", "lot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot: Mapped[str] = mapped_column(String(64), default="")  # "" when the product is not lot-tracked
    qty: Mapped[float] = mapped_column(Float, default=0)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rev: Mapped[int] = mapped_column(Integer, default=0, index=True)
    location: Mapped[Location] = relationship()
    product: Mapped[Product] = relationship()


class Counter(Base):
    """Named monotonic counters; `catalog` numbers every catalog change so devices pull deltas by revision."""
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    roles: Mapped[str] = mapped_column(String(200))  # space separated, from ROLES
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locations: Mapped[list[Location]] = relationship(secondary="user_locations", order_by="Location.code")
    # Quick switching on a shared tablet: the badge's code (printed as BADGE:<code>, not a secret) and a PIN,
    # hashed; too many wrong PINs lock the PIN (not the password) for a while.
    badge_code: Mapped[str | None] = mapped_column(String(80), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(300))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def role_list(self) -> list[str]:
        return self.roles.split()

    def has_role(self, *roles: str) -> bool:
        return any(role in self.role_list for role in roles)

    # flask-login's user protocol
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class UserLocation(Base):
    __tablename__ = "user_locations"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(80))


class ApiToken(Base):
    """A bearer token: one sign-in of one user on one device. Only its hash is kept."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()
    device: Mapped[Device] = relationship()


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(100), index=True)
    login: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Action(Base):
    """One thing a user did, exactly as the device recorded it, and where it stands with Odoo."""
    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_queue", "status", "next_attempt_at"),
        Index("ix_actions_location_order", "location_code", "created_at", "seq"),
    )
    # Arrival order in this journal; breaks ties between actions made at the same device instant.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)  # the UUID the device made
    type: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON: sorted keys, no whitespace
    payload_hash: Mapped[str] = mapped_column(String(64))
    lines: Mapped[list] = mapped_column(JSON)  # resolved lines: product ref, unit quantity, lot, expiry…
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    location_code: Mapped[str] = mapped_column(String(64))
    encounter: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=RECEIVED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    odoo_refs: Mapped[dict] = mapped_column(JSON, default=dict)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    user: Mapped[User] = relationship()


class Rejection(Base):
    """An action the intake refused, kept so a supervisor can see what a device tried to send."""
    __tablename__ = "rejections"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[str | None] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    payload: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # The supervisor's decision on it: open until retried (accepted after a fix), corrected (a new action
    # replaces it) or voided (dismissed with a reason).
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open", index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(200))
    device_id: Mapped[str | None] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


# Count sessions (DESIGN §5): a supervisor freezes locations, counters count blind, the result is reconciled
# against a snapshot and the moves made after it, then applied as `count` actions.
COUNTING, RECONCILING, APPLIED, CANCELLED = "counting", "reconciling", "applied", "cancelled"
SESSION_STATUSES = (COUNTING, RECONCILING, APPLIED, CANCELLED)
FREEZING_STATUSES = (COUNTING, RECONCILING)  # the locations stay frozen until the session is applied or cancelled


class CountSession(Base):
    __tablename__ = "count_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=COUNTING, index=True)
    blind: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    # Server time: the freeze starts and the snapshot of expected quantities is taken at this instant.
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_by: Mapped[str] = mapped_column(String(80))
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(80))
    locations: Mapped[list[Location]] = relationship(secondary="count_session_locations", order_by="Location.code")


class CountSessionLocation(Base):
    __tablename__ = "count_session_locations"
    session_id: Mapped[str] = mapped_column(ForeignKey("count_sessions.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)


class CountExpected(Base):
    """The snapshot: what the journal knew to be on hand per product and lot when the freeze started."""
    __tablename__ = "count_expected"
    __table_args__ = (UniqueConstraint("session_id", "location_code", "ref", "lot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("count_sessions.id"), index=True)
    location_code: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(64))
    lot: Mapped[str] = mapped_column(String(64), default="")  # "" when the product carries no lot
    qty: Mapped[float] = mapped_column(Float, default=0)


class CountLine(Base):
    """One product and lot at one location in the reconciliation, with the supervisor's decision on it."""
    __tablename__ = "count_lines"
    __table_args__ = (UniqueConstraint("session_id", "location_code", "ref", "lot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("count_sessions.id"), index=True)
    location_code: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(64))
    lot: Mapped[str] = mapped_column(String(64), default="")
    expected: Mapped[float] = mapped_column(Float, default=0)  # at the snapshot
    moved_before_count: Mapped[float] = mapped_column(Float, default=0)  # moves after the snapshot, before the count
    moved_after_count: Mapped[float] = mapped_column(Float, default=0)  # moves made after the count itself
    counted: Mapped[float] = mapped_column(Float, default=0)
    counts: Mapped[list] = mapped_column(JSON, default=list)  # [{action, user, qty, at}]: who counted what
    unit_value: Mapped[float] = mapped_column(Float, default=0)
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    decision: Mapped[str] = mapped_column(String(20), default="pending")  # pending, use_count, recount
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recount_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_action_id: Mapped[str | None] = mapped_column(String(36))


class UnknownItemReport(Base):
    """A barcode a user scanned that no catalog item carries, reported for the supervisor with the raw scan as read
    (never mapped to anything by the app) and, if taken, a photo of the label."""
    __tablename__ = "unknown_item_reports"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID made on the device: resending is safe
    raw: Mapped[str] = mapped_column(Text)
    scan_kind: Mapped[str] = mapped_column(String(20))  # what the server's parser reads: gs1, ean, hibcc, internal…
    gtin: Mapped[str | None] = mapped_column(String(14))
    location_code: Mapped[str | None] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # on the device
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open, resolved
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    user: Mapped[User] = relationship()


# Internal transfers from the central store to a department (a requisition becomes one in Odoo), as the catalog
# pull last saw them: what a ward expects to arrive, and where each requisition stands.
TRANSFER_STATUSES = ("sent", "picked", "on_its_way", "arrived", "cancelled")
OPEN_TRANSFER_STATUSES = ("sent", "picked", "on_its_way")


class Transfer(Base):
    __tablename__ = "transfers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # Odoo's reference, e.g. WH/INT/00012
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)  # where it goes
    requisition_id: Mapped[str | None] = mapped_column(String(36), index=True)  # the action it came from, if any
    status: Mapped[str] = mapped_column(String(20), default="sent")  # one of TRANSFER_STATUSES
    lines: Mapped[list] = mapped_column(JSON, default=list)  # [{"ref", "qty"}]: units it carries (or carried)
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # last reported by Odoo
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rev: Mapped[int] = mapped_column(Integer, default=0, index=True)
    location: Mapped[Location] = relationship()


class Receipt(Base):
    """An open delivery from a supplier (a purchase order's receipt in Odoo) as the catalog pull last saw it: what
    the receivers expect to arrive, line by line."""
    __tablename__ = "receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # Odoo's reference, e.g. WH/IN/00004
    odoo_id: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str | None] = mapped_column(String(200))  # the purchase order, e.g. P00012
    partner: Mapped[str | None] = mapped_column(String(200))  # the supplier
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)  # where it is received
    lines: Mapped[list] = mapped_column(JSON, default=list)  # [{"ref", "qty"}]: units still expected
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # last reported by Odoo
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rev: Mapped[int] = mapped_column(Integer, default=0, index=True)
    location: Mapped[Location] = relationship()
