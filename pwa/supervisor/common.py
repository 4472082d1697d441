"""What the desk's pages share: the supervisor's locations, htmx-aware rendering, CSV downloads and times."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from flask import Response, render_template, request
from flask_login import current_user

from ..models import aware

# A cell a spreadsheet would run as a formula is written as text (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def scope() -> set[str]:
    """The location codes the signed-in user may see and act for."""
    return {location.code for location in current_user.locations}


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def page_or_fragment(page: str, fragment: str, **context) -> Response:
    """One URL serves the full page or, for htmx, just the fragment (and says it varies on that)."""
    response = Response(render_template(fragment if is_htmx() else page, **context))
    response.headers["Vary"] = "HX-Request"
    return response


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):  # numbers as numbers, a minus sign included
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        value = aware(value).isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(filename: str, header: list[str], rows: list[list]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the words a supervisor reads at a glance."""
    if moment is None:
        return "—"
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - aware(moment)).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    text = age(moment, now)
    return text if text in ("just now", "—") else f"{text} ago"


def when(moment: datetime | None) -> str:
    return aware(moment).strftime("%d %b %Y %H:%M") if moment else "—"
