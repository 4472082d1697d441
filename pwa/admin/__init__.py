"""Administration pages: users (roles, locations, badge and PIN, printable badge) and devices (enrol, revoke, what
a device still has to send), with the Odoo connection's status. Administrator role only; every change audited.
"""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import devices, users  # noqa: E402,F401  (register the views)
