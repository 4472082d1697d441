"""The supervisor's desk: the exception queue, count sessions, KPIs, recall lookup and the audit log.

Server-rendered pages with htmx fragments; every decision is written to the audit log, every query is limited to
the supervisor's locations.
"""
from flask import Blueprint

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

from . import audit_log, count_sessions, desk, exceptions, kpis, recall  # noqa: E402,F401  (register the views)
