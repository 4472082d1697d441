"""The one place that talks to Odoo: connect, detect the version, call with a timeout, re-login, classify errors.

Two transports sit behind the same `Gateway`: JSON-RPC through odoorpc (Odoo 17 and 18) and Odoo 19's JSON-2 API
(`POST /json/2/<model>/<method>` with a bearer API key). Calls are made with named parameters, as JSON-2 wants
them; the JSON-RPC transport turns them into `execute_kw`'s positional arguments. Version differences the rest of
`sync/` must not see are answered by the gateway's `Dialect`.
"""
from __future__ import annotations

import http.client
import json
import socket
import urllib.error
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import odoorpc
import requests

from pwa.config import OdooSettings

DEFAULT_TIMEOUT = 30.0

# Odoo exception names (error.data.name) that say "try again": the transaction was rolled back by a concurrent
# update or a lost session, nothing about the request itself is wrong.
TRANSIENT_NAMES = ("SessionExpired", "SerializationFailure", "TransactionRollbackError", "LockNotAvailable",
                   "DeadlockDetected", "ConcurrencyError", "OperationalError", "InterfaceError",
                   "ServiceUnavailable", "RetryableJobError")


class OdooError(Exception):
    """A call that failed; `transient` says whether the same call may succeed later."""

    transient = False

    def __init__(self, message: str, name: str | None = None):
        super().__init__(message)
        self.message = message
        self.name = name

    def __str__(self) -> str:
        return self.message


class TransientError(OdooError):
    transient = True


class PermanentError(OdooError):
    transient = False


class SessionExpired(TransientError):
    pass


class ConnectError(TransientError):
    """Odoo could not be reached or refused the login; nothing about any action is at fault."""


def classify_rpc_error(error: dict) -> OdooError:
    """An Odoo JSON error object (`{"message", "data": {"name", "message"}}`) as a transient or permanent error."""
    data = error.get("data") or {}
    name = str(data.get("name") or error.get("name") or "")
    message = str(data.get("message") or error.get("message") or "Odoo refused the request")
    if "SessionExpired" in name or error.get("code") == 100:
        return SessionExpired(f"Odoo session expired: {message}", name)
    if any(marker in name for marker in TRANSIENT_NAMES):
        return TransientError(f"Odoo was busy ({name.rsplit('.', 1)[-1]}): {message}", name)
    return PermanentError(message, name)


def classify_http_status(status: int, body: str = "") -> OdooError:
    if status >= 500 or status in (408, 429):
        return TransientError(f"Odoo answered HTTP {status}{': ' + body[:200] if body else ''}")
    return PermanentError(f"Odoo answered HTTP {status}{': ' + body[:200] if body else ''}")


def _network_error(error: BaseException, url: str) -> TransientError:
    if isinstance(error, (socket.timeout, TimeoutError)) or "timed out" in str(error):
        return TransientError(f"Odoo at {url} did not answer in time")
    return TransientError(f"Odoo at {url} cannot be reached: {getattr(error, 'reason', error)}")


# Transports: `call(model, method, params)` with JSON-2's named parameters.

POSITIONAL = {  # how JSON-RPC's execute_kw wants each model method's parameters
    "create": ("vals_list",),
    "write": ("ids", "vals"),
    "search_read": ("domain",),
    "search": ("domain",),
    "search_count": ("domain",),
    "read": ("ids",),
    "fields_get": (),
}


class JsonRpcTransport:
    """Odoo's `/jsonrpc` endpoint through odoorpc; credentials travel with each call, as execute_kw wants."""

    def __init__(self, settings: OdooSettings, timeout: float):
        self.settings = settings
        self.timeout = timeout
        parsed = urlparse(settings.url)
        self.host = parsed.hostname
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.protocol = "jsonrpc+ssl" if parsed.scheme == "https" else "jsonrpc"
        self.odoo: odoorpc.ODOO | None = None

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except odoorpc.error.RPCError as error:
            info = error.info if isinstance(error.info, dict) else {"data": {"message": str(error)}}
            raise classify_rpc_error(info) from None
        except urllib.error.HTTPError as error:
            raise classify_http_status(error.code) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            if isinstance(error, ValueError) and not isinstance(error, json.JSONDecodeError):
                raise
            raise _network_error(error, self.settings.url) from None

    def version(self) -> dict:
        def connect():
            self.odoo = odoorpc.ODOO(self.host, protocol=self.protocol, port=self.port, timeout=self.timeout)
            return self.odoo.json("/web/webclient/version_info", {})["result"]
        return self._guard(connect)

    def login(self) -> int:
        if self.odoo is None:
            self.version()
        try:
            self._guard(self.odoo.login, self.settings.db, self.settings.user, self.settings.password)
        except PermanentError as error:
            raise ConnectError(f"Odoo refused the login of {self.settings.user!r} on database "
                               f"{self.settings.db!r}: {error.message}") from None
        return self.odoo.env.uid

    def call(self, model: str, method: str, params: dict) -> Any:
        params = dict(params)
        names = POSITIONAL.get(method, ("ids",) if "ids" in params else ())
        args = [params.pop(name) for name in names if name in params]
        return self._guard(self.odoo.execute_kw, model, method, args, params)


class Json2Transport:
    """Odoo 19's JSON-2 API: one POST per call, the API key as bearer token, the database in a header."""

    def __init__(self, settings: OdooSettings, timeout: float):
        self.settings = settings
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"bearer {settings.password}",
                                  "X-Odoo-Database": settings.db, "Content-Type": "application/json"})

    def _post(self, path: str, body: dict) -> Any:
        url = f"{self.settings.url}{path}"
        try:
            response = self.http.post(url, data=json.dumps(body), timeout=self.timeout)
        except requests.RequestException as error:
            raise _network_error(error, self.settings.url) from None
        if response.status_code == 200:
            return response.json()
        try:
            error = response.json()
        except ValueError:
            raise classify_http_status(response.status_code, response.text) from None
        if response.status_code >= 500 and not error.get("name"):
            raise classify_http_status(response.status_code)
        if response.status_code in (401, 403) and "AccessDenied" in str(error.get("name")):
            raise ConnectError(f"Odoo refused the API key for database {self.settings.db!r}: "
                               f"{error.get('message')}")
        raise classify_rpc_error({"data": error})

    def version(self) -> dict:
        return self._post("/web/webclient/version_info", {}).get("result", {})

    def login(self) -> int:
        user = self._post("/json/2/res.users/context_get", {})
        return int(user.get("uid") or 0)

    def call(self, model: str, method: str, params: dict) -> Any:
        return self._post(f"/json/2/{model}/{method}", params)


# The gateway

@dataclass(frozen=True)
class Dialect:
    """What differs between the Odoo versions the engine supports, answered in one place."""
    major: int
    storable_field: str  # 18: `is_storable` (with type `consu`); 17: `detailed_type` = `product`
    scrap_reasons: bool  # stock.scrap has reason tags

    def goods_domain(self) -> list:
        """Products that are stocked or consumed (not services)."""
        if self.storable_field == "is_storable":
            return [("type", "=", "consu")]
        return [("detailed_type", "in", ["product", "consu"])]

    def product_fields(self) -> list[str]:
        return ["type", self.storable_field]

    def is_stocked(self, product: dict) -> bool:
        if self.storable_field == "is_storable":
            return bool(product.get("is_storable"))
        return product.get("detailed_type") == "product"

    def storable_values(self) -> dict:
        """What makes a new product storable in this version."""
        if self.storable_field == "is_storable":
            return {"type": "consu", "is_storable": True}
        return {"detailed_type": "product"}


@dataclass
class Gateway:
    settings: OdooSettings
    timeout: float = DEFAULT_TIMEOUT
    transport_name: str = "auto"  # "jsonrpc", "json2", or "auto": JSON-2 from Odoo 19 on
    uid: int = 0
    version: dict = field(default_factory=dict)
    dialect: Dialect | None = None
    calls: int = 0  # Odoo calls made, for the benchmark and the logs

    TRANSPORTS = {"jsonrpc": JsonRpcTransport, "json2": Json2Transport}

    def __post_init__(self):
        if self.transport_name not in (*self.TRANSPORTS, "auto"):
            raise ValueError(f"unknown Odoo transport {self.transport_name!r}")
        self.transport = self.TRANSPORTS.get(self.transport_name, JsonRpcTransport)(self.settings, self.timeout)

    @classmethod
    def connect(cls, settings: OdooSettings, timeout: float = DEFAULT_TIMEOUT, transport: str = "auto") -> "Gateway":
        """Logs in and learns the version; raises ConnectError (transient) when Odoo cannot be used now."""
        gateway = cls(settings, timeout, transport)
        gateway.login()
        return gateway

    def login(self) -> None:
        try:
            self.version = self.transport.version() or {}
            if self.transport_name == "auto":
                self.transport_name = "json2" if self.major >= 19 else "jsonrpc"
                if self.transport_name == "json2":
                    self.transport = Json2Transport(self.settings, self.timeout)
            self.uid = self.transport.login()
        except ConnectError:
            raise
        except OdooError as error:
            raise ConnectError(error.message, error.name) from None
        if not self.uid:
            raise ConnectError(f"Odoo refused the login of {self.settings.user!r} on database {self.settings.db!r}")
        if self.dialect is None:
            self.dialect = self._detect_dialect()

    @property
    def major(self) -> int:
        info = self.version.get("server_version_info") or [0]
        return int(info[0]) if str(info[0]).isdigit() else 0

    def _detect_dialect(self) -> Dialect:
        products = self.fields("product.product")
        moves = self.fields("stock.move")
        lines = self.fields("stock.move.line")
        missing = [name for name, have in (("stock.move.quantity", "quantity" in moves),
                                           ("stock.move.picked", "picked" in moves),
                                           ("stock.move.line.quantity", "quantity" in lines)) if not have]
        if "is_storable" in products:
            storable = "is_storable"
        elif "detailed_type" in products:
            storable = "detailed_type"
        else:
            missing.append("product.product.is_storable or detailed_type")
        if missing:
            raise ConnectError(f"Odoo {self.version.get('server_version', '?')} lacks what the sync needs "
                               f"({', '.join(missing)}): Ward Supply supports Odoo 17 and 18.")
        return Dialect(major=self.major, storable_field=storable,
                       scrap_reasons="scrap_reason_tag_ids" in self.fields("stock.scrap"))

    # Calls

    def call(self, model: str, method: str, **params) -> Any:
        """One Odoo call (one Odoo transaction). A lost session is renewed once, then the call is repeated."""
        params = {name: value for name, value in params.items() if value is not None}
        for attempt in (1, 2):
            self.calls += 1
            try:
                return self.transport.call(model, method, params)
            except SessionExpired:
                if attempt == 2:
                    raise
                self.login()

    def search_read(self, model: str, domain: list, fields: list[str], order: str | None = None,
                    limit: int | None = None, context: dict | None = None) -> list[dict]:
        return self.call(model, "search_read", domain=domain, fields=fields, order=order, limit=limit,
                         context=context) or []

    def search_ids(self, model: str, domain: list, limit: int | None = None, order: str | None = None) -> list[int]:
        return self.call(model, "search", domain=domain, limit=limit, order=order) or []

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict]:
        if not ids:
            return []
        return self.call(model, "read", ids=list(ids), fields=fields) or []

    def create(self, model: str, vals_list: list[dict], context: dict | None = None) -> list[int]:
        if not vals_list:
            return []
        return self.call(model, "create", vals_list=vals_list, context=context)

    def write(self, model: str, ids: list[int], vals: dict, context: dict | None = None) -> None:
        if ids:
            self.call(model, "write", ids=list(ids), vals=vals, context=context)

    def write_each(self, model: str, values_by_id: dict[int, dict], context: dict | None = None) -> None:
        """Writes per-record values in as few calls as there are distinct values."""
        groups: dict[str, list[int]] = {}
        for record_id, vals in values_by_id.items():
            groups.setdefault(json.dumps(vals, sort_keys=True), []).append(record_id)
        for vals, ids in groups.items():
            self.write(model, ids, json.loads(vals), context)

    def unlink(self, model: str, ids: list[int]) -> None:
        if ids:
            self.call(model, "unlink", ids=list(ids))

    def execute(self, model: str, method: str, ids: list[int], context: dict | None = None) -> Any:
        """A workflow method on records (`button_validate`, `action_confirm`, …)."""
        return self.call(model, method, ids=list(ids), context=context)

    def fields(self, model: str) -> dict:
        return self.call(model, "fields_get", attributes=["type", "required", "relation"]) or {}

    def describe(self) -> str:
        return (f"Odoo {self.version.get('server_version', '?')} at {self.settings.url}, database "
                f"{self.settings.db}, user {self.settings.user} (id {self.uid}), over {self.transport_name}")
