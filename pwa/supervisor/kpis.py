"""KPIs on one page, each with a small server-drawn chart and its CSV: sync backlog, exceptions by age, items below
par, stockouts, charge capture, count accuracy and count variance value — for the supervisor's locations.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import abort, render_template, request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db
from ..auth import roles_required
from ..models import (APPLIED, OPEN_STATUSES, SYNCED, VOIDED, Action, CountLine, CountSession, Location, ParLevel,
                      Product)
from ..onhand import known_on_hand, totals_by_location
from . import bp
from .charts import Bar, bar_chart, percent
from .common import age, ago, aware, csv_response, scope
from .exceptions import queue

DEFAULT_DAYS = 30
AGE_BUCKETS = (("under 1 hour", timedelta(hours=1)), ("1 to 24 hours", timedelta(days=1)),
               ("1 to 7 days", timedelta(days=7)), ("over 7 days", None))


@dataclass
class Kpi:
    name: str
    title: str
    summary: str
    chart: Markup
    header: list[str]
    rows: list[list] = field(default_factory=list)
    shown_rows: int = 0  # how many of the rows the page lists under the chart (the CSV has them all)


@dataclass(frozen=True)
class Period:
    days: int
    now: datetime

    @property
    def since(self) -> datetime:
        return self.now - timedelta(days=self.days)


def _departments(session: Session, codes: set[str]) -> dict[str, str]:
    return dict(session.execute(select(Location.code, Location.name).where(
        Location.code.in_(codes), Location.kind == "department").order_by(Location.code)).all())


def sync_backlog(session: Session, codes: set[str], period: Period) -> Kpi:
    per_location: dict[str, dict] = {}
    for code, status, made in session.execute(select(Action.location_code, Action.status, Action.created_at)
                                              .where(Action.status.in_(OPEN_STATUSES),
                                                     Action.location_code.in_(codes))):
        entry = per_location.setdefault(code, {"waiting": 0, "retrying": 0, "oldest": aware(made)})
        entry["waiting"] += 1
        entry["retrying"] += status == "retrying"
        entry["oldest"] = min(entry["oldest"], aware(made))
    total = sum(e["waiting"] for e in per_location.values())
    oldest = min((e["oldest"] for e in per_location.values()), default=None)
    summary = (f"{total} action(s) not yet in Odoo; the oldest was made {ago(oldest, period.now)}."
               if total else "Everything received is in Odoo.")
    bars = [Bar(code, e["waiting"], f"{e['waiting']}, oldest {age(e['oldest'], period.now)}",
                _age_tone(period.now - e["oldest"])) for code, e in sorted(per_location.items())]
    rows = [[code, e["waiting"], e["retrying"], e["oldest"], round((period.now - e["oldest"]).total_seconds() / 3600,
                                                                   2)] for code, e in sorted(per_location.items())]
    return Kpi("sync-backlog", "Sync backlog", summary, bar_chart("Actions waiting for Odoo per location", bars,
                                                                   "Nothing waiting."),
               ["location", "waiting", "of which retrying", "oldest made at", "oldest age (hours)"], rows)


def _age_tone(waited: timedelta) -> str:
    return "bad" if waited > timedelta(days=1) else "warn" if waited > timedelta(hours=1) else "normal"


def exceptions_by_age(session: Session, codes: set[str], period: Period) -> Kpi:
    items = queue(session, codes)
    counts = dict.fromkeys([label for label, _ in AGE_BUCKETS], 0)
    rows = []
    for item in items:
        waited = period.now - item.made_at
        label = next(label for label, limit in AGE_BUCKETS if limit is None or waited < limit)
        counts[label] += 1
        rows.append([item.kind, item.made_at, label, item.type, item.location, item.user, item.heading, item.detail])
    bars = [Bar(label, n, str(n), "bad" if n and index >= 2 else "warn" if n else "normal")
            for index, (label, n) in enumerate(counts.items())]
    summary = f"{len(items)} waiting for a decision." if items else "No exception is waiting."
    return Kpi("exceptions-by-age", "Exceptions by age", summary,
               bar_chart("Exceptions waiting, by how long", bars if items else []),
               ["kind", "made at", "age", "type", "location", "user", "reason", "detail"], rows)


def _stock(session: Session, codes: set[str]) -> tuple[dict[str, str], dict[tuple[str, str], float], list[ParLevel],
                                                        dict[str, str]]:
    departments = _departments(session, codes)
    on_hand = totals_by_location(known_on_hand(session, set(departments)))
    pars = list(session.scalars(select(ParLevel).join(ParLevel.location).where(
        Location.code.in_(departments), ParLevel.active.is_(True))))
    names = dict(session.execute(select(Product.ref, Product.name)).all())
    return departments, on_hand, pars, names


def below_par(session: Session, codes: set[str], period: Period) -> Kpi:
    departments, on_hand, pars, names = _stock(session, codes)
    rows = []
    per_department = dict.fromkeys(departments, 0)
    for par in pars:
        qty = on_hand.get((par.location.code, par.product.ref), 0.0)
        if qty < par.min_qty:
            per_department[par.location.code] += 1
            rows.append([par.location.code, par.product.ref, names.get(par.product.ref, ""), qty, par.min_qty,
                         par.max_qty])
    rows.sort(key=lambda row: (row[0], row[3] - row[4]))
    bars = [Bar(code, n, f"{n} item(s)", "warn" if n else "normal") for code, n in per_department.items()]
    return Kpi("below-par", "Items below par", f"{len(rows)} par item(s) below their minimum.",
               bar_chart("Items below par per department", bars), ["location", "product", "name", "on hand", "min",
                                                                   "max"], rows, shown_rows=10)


def stockouts(session: Session, codes: set[str], period: Period) -> Kpi:
    """On hand 0 (or less) where there is demand: a par minimum, or issues in the period."""
    departments, on_hand, pars, names = _stock(session, codes)
    issued: dict[tuple[str, str], float] = defaultdict(float)
    for action in session.scalars(select(Action).where(Action.type == "issue", Action.status != VOIDED,
                                                       Action.location_code.in_(departments),
                                                       Action.created_at >= period.since)):
        for line in action.lines:
            issued[(action.location_code, line["ref"])] += line["units"]
    demand = {(par.location.code, par.product.ref) for par in pars if par.min_qty > 0} | set(issued)
    rows = [[code, ref, names.get(ref, ""), on_hand.get((code, ref), 0.0), issued.get((code, ref), 0.0)]
            for code, ref in sorted(demand) if on_hand.get((code, ref), 0.0) <= 0]
    per_department = dict.fromkeys(departments, 0)
    for row in rows:
        per_department[row[0]] += 1
    bars = [Bar(code, n, f"{n} item(s)", "bad" if n else "normal") for code, n in per_department.items()]
    return Kpi("stockouts", "Stockouts", f"{len(rows)} item(s) out of stock where they are used.",
               bar_chart("Stockouts per department", bars),
               ["location", "product", "name", "on hand", f"issued in the last {period.days} days"], rows,
               shown_rows=10)


def charge_capture(session: Session, codes: set[str], period: Period) -> Kpi:
    """Billable lines issued in the period, against those Odoo has charged (a line on the encounter's invoice)."""
    per_location: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # issued, charged, not yet synced
    for action in session.scalars(select(Action).where(Action.type == "issue", Action.status != VOIDED,
                                                       Action.location_code.in_(codes),
                                                       Action.created_at >= period.since)):
        billable = sum(1 for line in action.lines if line.get("billable"))
        if not billable:
            continue
        entry = per_location[action.location_code]
        entry[0] += billable
        if action.status == SYNCED and (action.odoo_refs or {}).get("invoice_lines"):
            entry[1] += billable
        elif action.status in OPEN_STATUSES:
            entry[2] += billable
    issued = sum(e[0] for e in per_location.values())
    charged = sum(e[1] for e in per_location.values())
    bars = [Bar(code, 100 * e[1] / e[0], percent(e[1], e[0]),
                "normal" if e[1] >= 0.95 * e[0] else "warn" if e[1] >= 0.8 * e[0] else "bad")
            for code, e in sorted(per_location.items())]
    rows = [[code, e[0], e[1], e[2], e[0] - e[1] - e[2], percent(e[1], e[0])] for code, e in sorted(per_location.items())]
    summary = (f"{percent(charged, issued)} of {issued} billable line(s) issued in the last {period.days} days are "
               "charged." if issued else f"No billable item issued in the last {period.days} days.")
    return Kpi("charge-capture", "Charge capture", summary,
               bar_chart("Billable lines charged, per location", bars),
               ["location", "billable lines issued", "charged", "waiting for Odoo", "not charged", "rate"], rows)


def _applied_sessions(session: Session, codes: set[str], period: Period) -> list[tuple[CountSession, list[CountLine]]]:
    sessions = [cs for cs in session.scalars(select(CountSession).where(CountSession.status == APPLIED,
                                                                        CountSession.ended_at >= period.since)
                                             .order_by(CountSession.ended_at))
                if {loc.code for loc in cs.locations} & codes]
    lines: dict[str, list[CountLine]] = defaultdict(list)
    if sessions:
        for line in session.scalars(select(CountLine).where(CountLine.session_id.in_([cs.id for cs in sessions]))):
            lines[line.session_id].append(line)
    return [(cs, lines[cs.id]) for cs in sessions]


def _label(cs: CountSession) -> str:
    return f"{aware(cs.ended_at):%d %b} {', '.join(loc.code for loc in cs.locations)}"


def count_accuracy(session: Session, codes: set[str], period: Period) -> Kpi:
    """The share of counted lines within the variance (those applied without needing approval)."""
    applied = _applied_sessions(session, codes, period)
    rows, bars, total, within = [], [], 0, 0
    for cs, lines in applied:
        good = sum(1 for line in lines if not line.needs_approval)
        total, within = total + len(lines), within + good
        rows.append([aware(cs.ended_at), ", ".join(loc.code for loc in cs.locations), len(lines), good,
                     percent(good, len(lines))])
        bars.append(Bar(_label(cs), 100 * good / len(lines) if lines else 0, percent(good, len(lines)),
                        "normal" if not lines or good >= 0.95 * len(lines) else "warn"))
    summary = (f"{percent(within, total)} of {total} counted line(s) were within the variance."
               if total else f"No count applied in the last {period.days} days.")
    return Kpi("count-accuracy", "Count accuracy", summary, bar_chart("Lines within the variance, per count", bars),
               ["applied at", "locations", "lines", "within variance", "accuracy"], rows)


def count_variance_value(session: Session, codes: set[str], period: Period) -> Kpi:
    applied = _applied_sessions(session, codes, period)
    rows, bars, total = [], [], 0.0
    for cs, lines in applied:
        values = [(line.counted - line.expected - line.moved_before_count) * line.unit_value for line in lines]
        absolute, net = sum(abs(v) for v in values), sum(values)
        total += absolute
        rows.append([aware(cs.ended_at), ", ".join(loc.code for loc in cs.locations), round(net, 2),
                     round(absolute, 2), sum(1 for v in values if v)])
        bars.append(Bar(_label(cs), absolute, f"{absolute:,.2f} (net {net:+,.2f})", "warn" if absolute else "normal"))
    summary = (f"{total:,.2f} of stock value counted differently from what was expected, over {len(applied)} "
               "count(s)." if applied else f"No count applied in the last {period.days} days.")
    return Kpi("count-variance-value", "Count variance value", summary,
               bar_chart("Value of the differences, per count", bars),
               ["applied at", "locations", "net value", "absolute value", "lines with a difference"], rows)


KPIS = {"sync-backlog": sync_backlog, "exceptions-by-age": exceptions_by_age, "below-par": below_par,
        "stockouts": stockouts, "charge-capture": charge_capture, "count-accuracy": count_accuracy,
        "count-variance-value": count_variance_value}


def _period() -> Period:
    raw = request.args.get("days", "")
    days = int(raw) if raw.isdigit() and 0 < int(raw) <= 365 else DEFAULT_DAYS
    return Period(days, datetime.now(timezone.utc))


@bp.get("/kpis")
@roles_required("supervisor")
def kpis():
    session, codes, period = db.session(), scope(), _period()
    return render_template("supervisor/kpis.html", kpis=[make(session, codes, period) for make in KPIS.values()],
                           period=period)


@bp.get("/kpis/<name>.csv")
@roles_required("supervisor")
def kpi_csv(name: str):
    if name not in KPIS:
        abort(404)
    kpi = KPIS[name](db.session(), scope(), _period())
    return csv_response(f"{name}.csv", kpi.header, kpi.rows)
