"""Unknown items: a barcode no catalog item carries is never silently mapped; one tap reports it, with the raw scan
and an optional photo of the label, to the supervisor's list, where it stays until someone resolves it.

Devices send reports with their bearer token (`POST /api/v1/unknown-items`), made offline and sent when online;
the report's id is a UUID made on the device, so sending it twice files it once.
"""
from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timezone
from io import BytesIO

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from PIL import Image, UnidentifiedImageError
from sqlalchemy import or_, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from . import db
from .audit import record
from .auth import api_error, require_token, roles_required
from .models import UnknownItemReport, utcnow
from .scanning import parse_scan

api_bp = Blueprint("unknown_api", __name__, url_prefix="/api/v1")
bp = Blueprint("unknown", __name__, url_prefix="/unknown-items")

MAX_RAW = 1000
MAX_NOTE = 500
MAX_PHOTO_BYTES = 1024 * 1024  # the device shrinks the photo before sending; the API takes 2 MB per request
PHOTO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class BadReport(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _text(body: dict, name: str, limit: int, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadReport("bad_shape", f"The {name} is missing.")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadReport("bad_shape", f"The {name} must be a text of at most {limit} characters.")
    return value


def _photo(body: dict) -> tuple[bytes, str] | tuple[None, None]:
    """The photo as bytes and its type, from base64 or a data: URL; checked to be a PNG, JPEG or WebP image."""
    value = body.get("photo")
    if value in (None, ""):
        return None, None
    if not isinstance(value, str) or len(value) > MAX_PHOTO_BYTES * 4 // 3 + 100:
        raise BadReport("photo_too_large", f"The photo is too large: at most {MAX_PHOTO_BYTES // 1024} KB.")
    encoded = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadReport("bad_photo", "The photo is not base64 data.") from None
    if len(data) > MAX_PHOTO_BYTES:
        raise BadReport("photo_too_large", f"The photo is too large: at most {MAX_PHOTO_BYTES // 1024} KB.")
    try:
        image = Image.open(BytesIO(data), formats=list(PHOTO_TYPES))
    except (UnidentifiedImageError, OSError):
        raise BadReport("bad_photo", "The photo must be a PNG, JPEG or WebP image.") from None
    return data, PHOTO_TYPES[image.format]


def _device_time(value: object) -> datetime:
    if value is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadReport("bad_created_at", "The time of the report is not a date and time.") from None
    if moment.tzinfo is None:
        raise BadReport("bad_created_at", "The time of the report has no time zone.")
    return moment.astimezone(timezone.utc)


def file_report(body: object, token) -> tuple[UnknownItemReport, bool]:
    """Stores the report (or finds the one already filed under its id); returns it and whether it is new."""
    if not isinstance(body, dict):
        raise BadReport("bad_shape", 'Send {"id", "raw", "location", "note", "photo"}.')
    report_id = body.get("id")
    try:
        if not isinstance(report_id, str) or str(uuid.UUID(report_id)) != report_id.lower():
            raise ValueError
    except ValueError:
        raise BadReport("bad_id", "The report has no valid id (a UUID made on the device).") from None
    existing = db.session().get(UnknownItemReport, report_id.lower())
    if existing is not None:
        return existing, False
    raw = _text(body, "raw", MAX_RAW, required=True)
    location = _text(body, "location", 64)
    user = token.user
    if location is not None and location not in {loc.code for loc in user.locations}:
        raise BadReport("location_not_allowed", f"{user.login} may not report for {location}.")
    note = _text(body, "note", MAX_NOTE)
    photo, photo_type = _photo(body)
    scan = parse_scan(raw)
    report = UnknownItemReport(id=report_id.lower(), raw=raw, scan_kind=scan.kind, gtin=scan.gtin,
                               location_code=location, note=note, photo=photo, photo_type=photo_type,
                               user_id=user.id, device_id=token.device_id,
                               created_at=_device_time(body.get("created_at")))
    db.session().add(report)
    record("unknown_item_reported", actor=user.login, role=user.roles, device_id=token.device_id,
           subject=report.id, after={"raw": raw, "location": location, "photo": photo is not None})
    db.session().commit()
    return report, True


@api_bp.post("/unknown-items")
@require_token
def post_report():
    try:
        body = request.get_json(silent=True)
        report, new = file_report(body, g.api_token)
    except BadReport as error:
        status = 403 if error.code == "location_not_allowed" else 413 if error.code == "photo_too_large" else 400
        return api_error(status, error.code, error.message)
    return jsonify({"id": report.id, "status": "received" if new else "duplicate"}), 201 if new else 200


# ---- The supervisor's list ---------------------------------------------------------------------------------------

class ResolveForm(FlaskForm):
    resolution = StringField("What was done", validators=[DataRequired(), Length(max=500)])


def visible_reports():
    """Reports at the supervisor's locations, and those made without a location."""
    scope = [loc.code for loc in current_user.locations]
    return select(UnknownItemReport).where(or_(UnknownItemReport.location_code.in_(scope),
                                                UnknownItemReport.location_code.is_(None)))


def shown_raw(raw: str) -> str:
    """The raw scan with its invisible separators made visible."""
    return raw.replace("\x1d", "⟨GS⟩").replace("\r", "⟨CR⟩").replace("\n", "⟨LF⟩").replace("\t", "⟨TAB⟩")


def _report(report_id: str) -> UnknownItemReport:
    report = db.session().scalar(visible_reports().where(UnknownItemReport.id == report_id[:36]))
    if report is None:
        abort(404)
    return report


@bp.get("/")
@roles_required("supervisor")
def index():
    status = "resolved" if request.args.get("status") == "resolved" else "open"
    reports = db.session().scalars(visible_reports().where(UnknownItemReport.status == status)
                                   .order_by(UnknownItemReport.received_at.desc()).limit(200)).all()
    return render_template("unknown/index.html", reports=reports, status=status, form=ResolveForm(),
                           shown_raw=shown_raw)


@bp.get("/<report_id>/photo")
@roles_required("supervisor")
def photo(report_id: str):
    report = _report(report_id)
    if report.photo is None:
        abort(404)
    return Response(report.photo, mimetype=report.photo_type, headers={"Cache-Control": "private, no-store"})


@bp.post("/<report_id>/resolve")
@roles_required("supervisor")
def resolve(report_id: str):
    report = _report(report_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        flash("Say what was done about the item (mapped, relabelled, returned…).", "error")
        return redirect(url_for("unknown.index"))
    if report.status != "resolved":
        report.status, report.resolved_by, report.resolved_at = "resolved", current_user.login, utcnow()
        report.resolution = form.resolution.data.strip()
        record("unknown_item_resolved", actor=current_user.login, role=current_user.roles, subject=report.id,
               before={"status": "open"}, after={"status": "resolved"}, reason=report.resolution)
        db.session().commit()
        flash("Marked as resolved.", "info")
    return redirect(url_for("unknown.index"))
