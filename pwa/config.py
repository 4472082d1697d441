"""Settings read from the environment, checked once at start so a wrong value is one readable line."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .models import ROLES

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it and says how to fix it."""


@dataclass(frozen=True)
class OdooSettings:
    url: str
    db: str
    user: str
    password: str


def database_url(raw: str | None, instance_path: Path) -> str:
    if not raw:
        return f"sqlite:///{instance_path / 'wardsupply.db'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL: {raw!r} (e.g. postgresql://user@host/db)") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return raw
    raise ConfigError(f"DATABASE_URL must be sqlite:// or postgresql://, not {backend}://")


def secret_key(raw: str | None, instance_path: Path) -> str:
    """The environment wins; otherwise one key is generated into instance/ and kept, so sessions survive restarts."""
    if raw:
        if len(raw) < 16:
            raise ConfigError("SECRET_KEY is too short: use at least 16 random characters")
        return raw
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def odoo_settings(env: os._Environ | dict) -> OdooSettings | None:
    names = ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD")
    values = {name: (env.get(name) or "").strip() for name in names}
    if not values["ODOO_PASSWORD"] and env.get("ODOO_API_KEY"):
        values["ODOO_PASSWORD"] = env["ODOO_API_KEY"].strip()
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(f"Odoo is half configured: set {', '.join(missing)} too, or unset all ODOO_* settings")
    parsed = urlparse(values["ODOO_URL"])
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"ODOO_URL must look like https://odoo.example.org, not {values['ODOO_URL']!r}")
    return OdooSettings(values["ODOO_URL"].rstrip("/"), values["ODOO_DB"], values["ODOO_USER"], values["ODOO_PASSWORD"])


def port(raw: str | None) -> int:
    if not raw:
        return 5000
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"PORT must be a number from 1 to 65535, not {raw!r}")
    return int(raw)


def role_names(name: str, raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list of roles, separated by spaces or commas; each must be one of the app's roles."""
    if raw is None or not raw.strip():
        return default
    names = tuple(dict.fromkeys(part for part in raw.replace(",", " ").split()))
    unknown = [part for part in names if part not in ROLES]
    if unknown:
        raise ConfigError(f"{name} names roles that do not exist: {', '.join(unknown)} (roles: {', '.join(ROLES)})")
    return names


def positive_int(name: str, raw: str | None, default: int) -> int:
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"{name} must be a whole number above 0, not {raw!r}")
    return int(raw)


def whole_number(name: str, raw: str | None) -> int:
    if not raw:
        return 0
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def non_negative_number(name: str, raw: str | None, default: float) -> float:
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{name} must be a number of 0 or more, not {raw!r}")
    return value


def from_environment(env: os._Environ | dict | None = None, instance_path: Path | None = None) -> dict:
    """The app's settings as a mapping for `app.config.from_mapping`."""
    env = os.environ if env is None else env
    instance_path = instance_path or ROOT / "instance"
    return {
        "SQLALCHEMY_DATABASE_URL": database_url(env.get("DATABASE_URL"), instance_path),
        "SECRET_KEY": secret_key(env.get("SECRET_KEY"), instance_path),
        "ODOO": odoo_settings(env),
        "HOST": env.get("HOST") or "127.0.0.1",
        "PORT": port(env.get("PORT")),
        "IDLE_TIMEOUT_MINUTES": positive_int("IDLE_TIMEOUT_MINUTES", env.get("IDLE_TIMEOUT_MINUTES"), 15),
        "TOKEN_DAYS": positive_int("TOKEN_DAYS", env.get("TOKEN_DAYS"), 30),
        # Who may record a floor charge (an issue charged to the department, no patient); pwa.actions enforces it.
        "FLOOR_CHARGE_ROLES": role_names("FLOOR_CHARGE_ROLES", env.get("FLOOR_CHARGE_ROLES"),
                                         ("requester", "supervisor")),
        # Behind a TLS reverse proxy, how many proxies set X-Forwarded-*: login throttling must see the real client.
        "PROXY_COUNT": whole_number("PROXY_COUNT", env.get("PROXY_COUNT")),
        # A counted difference above either needs a supervisor's approval before it is applied.
        "COUNT_VARIANCE_UNITS": non_negative_number("COUNT_VARIANCE_UNITS", env.get("COUNT_VARIANCE_UNITS"), 5),
        "COUNT_VARIANCE_VALUE": non_negative_number("COUNT_VARIANCE_VALUE", env.get("COUNT_VARIANCE_VALUE"), 50),
    }


DEFAULTS = {
    "MAX_BATCH_ACTIONS": 500,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "LOGIN_FAILURES_ALLOWED": 5,
    "LOGIN_FAILURE_WINDOW_SECONDS": 300,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
}
