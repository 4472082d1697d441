"""The installable, offline device: service worker, web app manifest, the outbox screen and the offline fallback.

The service worker is served at the site root so its scope is the whole app; its cache version is a digest of the
static files and templates (or `DEVICE_VERSION`), so every deploy that changes what a page needs installs a new one.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from . import db
from .auth import roles_required
from .home import WORKFLOWS
from .models import Product

bp = Blueprint("device", __name__)

# What the service worker stores at install: everything a screen loads, never the server-only sources.
PRECACHED_SUFFIXES = (".js", ".mjs", ".css", ".png", ".svg", ".ico", ".wasm", ".woff", ".woff2")
NOT_PRECACHED = ("js/sw.js",)
SENT_RETENTION_DAYS = 7


def static_files(app: Flask) -> list[Path]:
    root = Path(app.static_folder)
    return sorted(path for path in root.rglob("*") if path.is_file() and path.suffix in PRECACHED_SUFFIXES
                  and path.relative_to(root).as_posix() not in NOT_PRECACHED and ".d." not in path.name)


def device_version(app: Flask) -> str:
    """A short digest of every file a page uses: a deploy that changes one installs a new service worker."""
    if app.config.get("DEVICE_VERSION"):
        return str(app.config["DEVICE_VERSION"])
    cached = app.extensions.get("device_version")
    if cached is None:
        digest = hashlib.sha256()
        roots = [Path(app.static_folder), Path(app.root_path) / (app.template_folder or "templates")]
        for root in roots:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
        cached = app.extensions["device_version"] = digest.hexdigest()[:12]
    return cached


def precache_urls(app: Flask) -> list[str]:
    root = Path(app.static_folder)
    urls = [url_for("static", filename=path.relative_to(root).as_posix()) for path in static_files(app)]
    return urls + [url_for("device.manifest"), url_for("device.offline")]


def offline_pages() -> list[str]:
    """The screens this user can open: the device keeps a copy of each so they load with no network."""
    if not current_user.is_authenticated:
        return []
    pages = [url_for("home.index"), url_for("device.outbox")]
    pages += [url_for(w.endpoint) for w in WORKFLOWS if w.endpoint and current_user.has_role(*w.roles)]
    return list(dict.fromkeys(pages))


@bp.app_context_processor
def device_context() -> dict:
    return {"offline_pages": offline_pages}


@bp.after_app_request
def name_the_page_user(response: Response) -> Response:
    """Pages carry whose they are, so the service worker keeps each user's copies apart on a shared tablet."""
    if response.mimetype == "text/html" and current_user.is_authenticated:
        response.headers["X-Ward-User"] = current_user.login
    return response


@bp.get("/sw.js")
def service_worker():
    source = (Path(current_app.static_folder) / "js" / "sw.js").read_text()
    settings = {"version": device_version(current_app), "precache": precache_urls(current_app),
                "retentionDays": SENT_RETENTION_DAYS}
    body = f"const SETTINGS = {json.dumps(settings)};\n{source}"
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    icon = lambda size, purpose: {"src": url_for("static", filename=f"icons/icon-{purpose}-{size}.png"),  # noqa: E731
                                  "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
    body = {"name": "Ward Supply", "short_name": "Ward Supply", "id": "/", "start_url": url_for("home.index"),
            "scope": "/", "display": "standalone", "orientation": "any", "background_color": "#f6f8fb",
            "theme_color": "#0b5cad", "description": "Scan supplies on the ward, with or without a network.",
            "icons": [icon(192, "any"), icon(512, "any"), icon(192, "maskable"), icon(512, "maskable")]}
    return Response(json.dumps(body), mimetype="application/manifest+json")


@bp.get("/offline")
def offline():
    """Shown when a screen was never stored on this tablet and there is no network; the same for every user."""
    return render_template("device/offline.html", device_shell=True)


@bp.get("/outbox")
@roles_required()
def outbox():
    return render_template("outbox/index.html")


@bp.get("/device/catalog-size")
@roles_required()
def catalog_size():
    """How many items a first catalog sync will bring, for its progress bar (API v1 pages carry no total)."""
    count = db.session().scalar(select(func.count()).select_from(Product).where(Product.active.is_(True)))
    return jsonify({"products": count})


@bp.get("/device/ca.crt")
def certificate_authority():
    """The certificate of the self-signed HTTPS set-up (`HTTPS=1 make run`), for a tablet to trust."""
    path = Path(current_app.instance_path) / "tls" / "ca.crt"
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="application/x-x509-ca-cert", as_attachment=True,
                     download_name="ward-supply-ca.crt")
