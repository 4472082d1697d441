"""The double's HTTP face: Odoo's `/jsonrpc`, `/web/webclient/version_info` and Odoo 19's `/json/2/<model>/<method>`,
on a free loopback port, with switchable faults.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from . import models
from .orm import AccessError, InvalidValue, NoMethod, OdooException, Registry

MODEL_METHODS = {("ir.model.data", "check_object_reference"), ("res.users", "context_get")}
MUTATING = {"create", "write", "unlink"}


class AccessDenied(OdooException):
    name = "odoo.exceptions.AccessDenied"


@dataclass
class Faults:
    """What goes wrong, switched on by the tests. Counters count down one per object call."""
    delay: float = 0.0  # seconds before each object call is handled (and still committed)
    http_500: int = 0  # the next n requests answer HTTP 500
    expire_sessions: int = 0  # the next n object calls answer "session expired"
    # called after each committed object call with (model, method, params); True drops the connection unanswered
    after_call: Callable | None = None
    # (model, method) -> message, or (message, predicate(env, args, kwargs)): refused as Odoo refuses (UserError)
    reject: dict = field(default_factory=dict)

    def clear(self) -> None:
        self.delay, self.http_500, self.expire_sessions, self.after_call = 0.0, 0, 0, None
        self.reject = {}

    def crash_after(self, model: str, method: str, nth: int = 1, hook: Callable | None = None) -> None:
        """Commit the nth matching call, then drop the connection (and run `hook`, e.g. kill the worker)."""
        seen = {"count": 0}

        def after(call_model, call_method, _params):
            if (call_model, call_method) != (model, method):
                return False
            seen["count"] += 1
            if seen["count"] != nth:
                return False
            self.after_call = None
            if hook:
                hook()
            return True
        self.after_call = after


class DroppedConnection(Exception):
    pass


class OdooDouble:
    """An Odoo that lives in memory, speaks HTTP on 127.0.0.1 and can be made to fail on purpose."""

    def __init__(self, version: int = 18, db: str = "wardsupply", login: str = "admin", password: str = "admin",
                 api_key: str = "test-api-key"):
        self.version, self.db, self.login, self.password, self.api_key = version, db, login, password, api_key
        self.env: Registry = models.build(version)
        self.faults = Faults()
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    # Life cycle

    def start(self, port: int = 0) -> "OdooDouble":
        handler = type("Handler", (_Handler,), {"double": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", port or self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def go_down(self) -> None:
        """Connections are refused until `come_up`; what Odoo holds is kept."""
        self.stop()

    def come_up(self) -> None:
        self.start(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def version_info(self) -> dict:
        return {"server_version": f"{self.version}.0", "server_version_info": [self.version, 0, 0, "final", 0, ""],
                "server_serie": f"{self.version}.0", "protocol_version": 1}

    # Calls, as Odoo's RPC layer runs them

    def execute(self, model: str, method: str, args: list, kwargs: dict) -> object:
        if method.startswith("_"):
            raise AccessError(f"Private methods (such as '{model}.{method}') cannot be called remotely.")
        kwargs = dict(kwargs or {})
        context = kwargs.pop("context", None) or {}
        env = self.env
        rule = self.faults.reject.get((model, method))
        if rule:
            message, when = rule if isinstance(rule, tuple) else (rule, None)
            if when is None or when(env, args, kwargs):
                raise models.UserError(message)
        env.model(model)
        handler = GENERIC.get(method)
        custom = env.methods.get((model, method))
        if handler is None and custom is None:
            raise NoMethod(f"The method '{model}.{method}' does not exist")

        def run():
            if custom is not None:
                if (model, method) in MODEL_METHODS:
                    return custom(env, *args, **kwargs)
                ids, rest = (args[0], args[1:]) if args else (kwargs.pop("ids"), [])
                return custom(env, _ids(ids), *rest, **kwargs)
            return handler(env, model, *args, **kwargs)
        with self.lock:
            self.calls.append((model, method))
            return self.env.transaction(run, context)

    def call_count(self) -> int:
        return len(self.calls)


def _ids(ids) -> list[int]:
    if isinstance(ids, int):
        return [ids]
    return [int(i) for i in ids]


def _create(env, model, vals_list=None, **kw):
    if vals_list is None:
        raise TypeError("create() missing 1 required positional argument: 'vals_list'")
    return models.rpc_create(env, model, vals_list)


def _write(env, model, ids, vals):
    env.write(model, env.browse(model, _ids(ids)), vals)
    return True


def _unlink(env, model, ids):
    records = env.browse(model, _ids(ids))
    if model == "stock.move.line":
        for line in records:
            move = env.get("stock.move", line.get("move_id"))
            if move and move["state"] == "done":
                raise models.UserError("You can not delete product moves if the picking is done. You can only correct "
                                       "the done quantities.")
    if model == "stock.move":
        for move in records:
            if move["state"] not in ("draft", "cancel"):
                raise models.UserError("You can only delete draft or cancelled moves.")
    env.unlink(model, records)
    return True


def _read(env, model, ids, fields=None, load=None):
    return [env.read_record(model, rec, fields) for rec in env.browse(model, _ids(ids))]


def _search(env, model, domain=None, offset=0, limit=None, order=None, count=False):
    found = env.search(model, domain or [], order=order, limit=limit, offset=offset)
    return len(found) if count else [rec["id"] for rec in found]


def _search_read(env, model, domain=None, fields=None, offset=0, limit=None, order=None):
    return [env.read_record(model, rec, fields) for rec in env.search(model, domain or [], order=order, limit=limit,
                                                                       offset=offset)]


def _search_count(env, model, domain=None, limit=None):
    return len(env.search(model, domain or [], limit=limit))


def _fields_get(env, model, allfields=None, attributes=None):
    spec = env.model(model).fields
    wanted = attributes or ["type", "string", "required", "relation", "readonly"]
    out = {}
    for name, fld in spec.items():
        if allfields and name not in allfields:
            continue
        values = {"type": fld.type, "string": fld.string or name.replace("_", " ").title(),
                  "required": fld.required, "readonly": fld.readonly or bool(fld.compute and not fld.setter),
                  "relation": fld.relation}
        out[name] = {key: value for key, value in values.items() if key in wanted and value is not None}
    return out


GENERIC = {"create": _create, "write": _write, "unlink": _unlink, "read": _read, "search": _search,
           "search_read": _search_read, "search_count": _search_count, "fields_get": _fields_get}


class _Handler(BaseHTTPRequestHandler):
    double: OdooDouble
    protocol_version = "HTTP/1.0"

    def log_message(self, *_args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        double = self.double
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b"{}"
        if double.faults.http_500 > 0:
            double.faults.http_500 -= 1
            return self._send(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return self._send(400, b"bad json", "text/plain")
        try:
            if self.path.startswith("/json/2/"):
                return self._json2(request)
            if self.path == "/web/webclient/version_info":
                return self._reply(request, double.version_info)
            if self.path == "/jsonrpc":
                return self._jsonrpc(request)
            return self._send(404, b"Not Found", "text/plain")
        except DroppedConnection:
            self.close_connection = True

    # JSON-RPC

    def _jsonrpc(self, request: dict) -> None:
        double = self.double
        params = request.get("params") or {}
        service, method, args = params.get("service"), params.get("method"), list(params.get("args") or [])
        try:
            if service == "common":
                if method == "version":
                    return self._reply(request, double.version_info)
                if method in ("login", "authenticate"):
                    db, login, password = args[:3]
                    ok = db == double.db and login == double.login and password in (double.password, double.api_key)
                    return self._reply(request, 2 if ok else False)
                raise NoMethod(f"The method 'common.{method}' does not exist")
            if service != "object" or method not in ("execute", "execute_kw"):
                raise NoMethod(f"The method '{service}.{method}' does not exist")
            db, uid, password, model, name = args[:5]
            if db != double.db or uid != 2 or password not in (double.password, double.api_key):
                raise AccessDenied("Access Denied")
            if method == "execute_kw":
                call_args = args[5] if len(args) > 5 else []
                call_kwargs = args[6] if len(args) > 6 else {}
            else:
                call_args, call_kwargs = args[5:], {}
            if double.faults.expire_sessions > 0 and method == "execute_kw":  # not the login's own call
                double.faults.expire_sessions -= 1
                return self._error(request, {"code": 100, "message": "Odoo Session Expired",
                                             "data": {"name": "odoo.http.SessionExpiredException",
                                                      "message": "Session expired", "arguments": ["Session expired"],
                                                      "context": {}, "debug": ""}})
            result = self._run(model, name, call_args, call_kwargs)
            return self._reply(request, result)
        except OdooException as error:
            return self._error(request, _error_object(error))
        except (TypeError, KeyError, IndexError) as error:
            return self._error(request, _error_object(InvalidValue(f"{type(error).__name__}: {error}"),
                                                      name=f"builtins.{type(error).__name__}"))

    def _run(self, model: str, method: str, args: list, kwargs: dict):
        double = self.double
        if double.faults.delay:
            time.sleep(double.faults.delay)
        result = double.execute(model, method, args, kwargs)
        hook = double.faults.after_call
        if hook is not None and hook(model, method, kwargs):
            raise DroppedConnection()
        return result

    def _reply(self, request: dict, result) -> None:
        payload = {"jsonrpc": "2.0", "id": request.get("id")}
        if result is not None:  # Odoo leaves "result" out when a method returns None
            payload["result"] = result
        self._send(200, json.dumps(payload).encode(), "application/json")

    def _error(self, request: dict, error: dict) -> None:
        self._send(200, json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "error": error}).encode(),
                   "application/json")

    # JSON-2 (Odoo 19)

    def _json2(self, request: dict) -> None:
        double = self.double
        _, _, _, model, method = self.path.split("/", 4)
        key = (self.headers.get("Authorization") or "").partition(" ")[2]
        database = self.headers.get("X-Odoo-Database") or double.db
        try:
            if key != double.api_key or database != double.db:
                raise AccessDenied("Access Denied")
            named = dict(request)
            if method in GENERIC or (model, method) in MODEL_METHODS:
                args: list = []
            else:
                args = [named.pop("ids", [])]
            if (model, method) == ("res.users", "context_get"):
                return self._send(200, json.dumps({"uid": 2, "lang": "en_US", "tz": "Europe/Brussels"}).encode(),
                                  "application/json")
            result = self._run(model, method, args, named)
            return self._send(200, json.dumps(result).encode(), "application/json")
        except OdooException as error:
            status = {"odoo.exceptions.AccessDenied": 401, "odoo.exceptions.AccessError": 403,
                      "odoo.exceptions.MissingError": 404, "odoo.exceptions.UserError": 422,
                      "odoo.exceptions.ValidationError": 422}.get(error.name, 400)
            body = {"name": error.name, "message": error.message, "arguments": [error.message], "context": {},
                    "debug": ""}
            return self._send(status, json.dumps(body).encode(), "application/json")
        except TypeError as error:
            body = {"name": "builtins.TypeError", "message": str(error), "arguments": [], "context": {}, "debug": ""}
            return self._send(400, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout): the call was still made, as in Odoo


def _error_object(error: OdooException, name: str | None = None) -> dict:
    return {"code": 200, "message": "Odoo Server Error",
            "data": {"name": name or error.name, "message": error.message, "arguments": [error.message],
                     "context": {}, "debug": f"Traceback (most recent call last):\n{error.name}: {error.message}"}}
