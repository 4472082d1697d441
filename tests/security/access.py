"""Who may use each route of the app: the one table the route matrix tests check every route against.

A route missing here fails `test_every_route_is_in_the_access_table`: add it with the roles that may use it.
"""
from __future__ import annotations

PUBLIC = "public"  # no sign-in (the sign-in itself, the service worker, static files…)
SIGNED_IN = "signed in"  # any role, signed in on the page
TOKEN = "any token"  # any role, with a device token (API v1)

ROLES = ("requester", "receiver", "counter", "supervisor", "admin")
WARD = frozenset({"requester", "supervisor"})  # issue, return, requisition
WASTE = frozenset({"requester", "receiver", "supervisor"})
ARRIVAL = frozenset({"requester", "receiver", "supervisor"})

PAGES: dict[str, str | frozenset[str]] = {
    "static": PUBLIC, "auth.login": PUBLIC, "auth.logout": PUBLIC, "badges.switch": PUBLIC,
    "device.manifest": PUBLIC, "device.offline": PUBLIC, "device.service_worker": PUBLIC,
    "device.certificate_authority": PUBLIC,
    "home.index": SIGNED_IN, "device.outbox": SIGNED_IN, "device.catalog_size": SIGNED_IN,
    "issue.index": WARD, "issue.item": WARD, "returns.index": WARD, "returns.item": WARD,
    "requisition.index": WARD, "requisition.item": WARD, "requisition.mine": WARD, "requisition.par": WARD,
    "waste.index": WASTE, "waste.item": WASTE,
    "arrival.index": ARRIVAL, "arrival.item": ARRIVAL, "arrival.transfer": ARRIVAL, "arrival.transfers": ARRIVAL,
    "receive.index": frozenset({"receiver", "supervisor"}), "receive.receipt": frozenset({"receiver", "supervisor"}),
    "receive.item": frozenset({"receiver", "supervisor"}), "receive.receipts": frozenset({"receiver", "supervisor"}),
    "count.index": frozenset({"counter", "supervisor"}), "count.item": frozenset({"counter", "supervisor"}),
    "count.recount": frozenset({"counter", "supervisor"}),
    "home.journal": frozenset({"supervisor"}),
    "unknown.index": frozenset({"supervisor"}), "unknown.photo": frozenset({"supervisor"}),
    "unknown.resolve": frozenset({"supervisor"}),
    "labels.index": frozenset({"supervisor", "admin"}), "labels.sheet_html": frozenset({"supervisor", "admin"}),
    "labels.sheet_pdf": frozenset({"supervisor", "admin"}), "labels.sheet_zpl": frozenset({"supervisor", "admin"}),
    "supervisor.audit": frozenset({"supervisor", "admin"}), "supervisor.audit_csv": frozenset({"supervisor", "admin"}),
}
SUPERVISOR_ONLY = ("index", "exceptions", "retry", "void", "fix", "barcode", "counts", "start_count",
                   "count_session", "count_csv", "reconcile_count", "apply_count", "decide_line", "cancel_count",
                   "kpis", "kpi_csv", "recall", "recall_csv")
PAGES.update({f"supervisor.{name}": frozenset({"supervisor"}) for name in SUPERVISOR_ONLY})
ADMIN_ONLY = ("index", "users", "new_user", "edit_user", "set_active", "badge", "devices", "enrol_device", "device",
              "name_device", "revoke_device", "reinstate_device")
PAGES.update({f"admin.{name}": frozenset({"admin"}) for name in ADMIN_ONLY})

API: dict[str, str | frozenset[str]] = {
    "api.login": PUBLIC, "api.badge_login": PUBLIC,
    "api.post_actions": TOKEN, "api.get_action": TOKEN, "api.get_catalog": TOKEN,
    "unknown_api.post_report": TOKEN, "decode.decode": TOKEN,
    "api.list_count_sessions": frozenset({"counter", "supervisor"}),
    "api.get_count_session": frozenset({"counter", "supervisor"}),
    "api.create_count_session": frozenset({"supervisor"}),
    "api.close_count_session": frozenset({"supervisor"}),
    "api.cancel_count_session": frozenset({"supervisor"}),
}

# Values for the routes' parameters: an existing thing where one is needed to get past the lookup, otherwise an
# id that does not exist (an allowed role then gets 404, a forbidden one 403: the role is checked first).
NO_SUCH = "00000000-0000-4000-8000-000000000000"
SAMPLE_ARGS = {"filename": "css/app.css", "device_id": "no-such-device", "login": "nurse",
               "session_id": NO_SUCH, "line_id": 1, "kind": "action", "key": NO_SUCH, "name": "locations",
               "report_id": NO_SUCH, "action_id": NO_SUCH, "receipt": "WH/IN/NONE"}
NAME_ARGS = {"supervisor.kpi_csv": {"name": "sync-backlog"}}

# The intake: which roles may record which action type (DESIGN §1), checked independently of pwa.actions.
MAY_RECORD = {
    "requester": {"requisition", "transfer_confirm", "issue", "return", "waste"},
    "receiver": {"transfer_confirm", "receive", "waste"},
    "counter": {"count"},
    "supervisor": {"requisition", "transfer_confirm", "receive", "issue", "return", "waste", "count"},
    "admin": set(),
}
