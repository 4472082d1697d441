"""Push benchmark: 1,000 `issue` actions (3 billable lines each) pushed into Odoo by the sync engine, against the
same 1,000 pushed by a naive loop making one odoorpc call per record; then a full catalog pull.

Against the Odoo in ODOO_URL, ODOO_DB, ODOO_USER, ODOO_PASSWORD when set (the demo catalog is added to it where
missing), else against the in-memory Odoo double. Prints both push times and their ratio, checks that both ways
left the same records in Odoo (done pickings with the same lots and quantities, the same invoice lines), and the
catalog pull time. Not a test: it asserts nothing about speed.
Usage: .venv/bin/python bench/push.py [--actions 1000] [--batch 100]
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import odoorpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from pwa import db  # noqa: E402
from pwa.config import OdooSettings  # noqa: E402
from pwa.migrate import upgrade  # noqa: E402
from pwa.seed import DEPARTMENTS, demo_products, seed_demo  # noqa: E402
from sync import catalog  # noqa: E402
from sync.gateway import Gateway  # noqa: E402
from sync.retry import Backoff  # noqa: E402
from sync.worker import Worker  # noqa: E402
from tests.conftest import Api  # noqa: E402
from tests.sync.world import World, ensure_world  # noqa: E402

LINES = (("BAN-5CM", None), ("SYR-10ML", "lot"), ("SAL-100MLBAG", "lot"))  # three billable items, two by lot


def target() -> tuple[OdooSettings, object]:
    names = ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD")
    if all(os.environ.get(name) for name in names):
        return OdooSettings(os.environ["ODOO_URL"].rstrip("/"), *(os.environ[n] for n in names[1:])), None
    from tests.odoo_double import OdooDouble
    double = OdooDouble().start()
    return OdooSettings(double.url, double.db, double.login, double.password), double


def specs(count: int, run: str) -> list[dict]:
    """What each issue holds: a department, an encounter (five issues per encounter) and three lines."""
    rng = random.Random(7)
    lots = {ref: [f"{run}-{ref[:3]}-{i}" for i in range(5)] for ref, tracked in LINES if tracked}
    out = []
    for i in range(count):
        lines = [{"product": ref, "qty": rng.randint(1, 3), **({"lot": rng.choice(lots[ref])} if tracked else {})}
                 for ref, tracked in LINES]
        out.append({"location": DEPARTMENTS[i % len(DEPARTMENTS)], "encounter": f"{run}-{i // 5:05d}",
                    "lines": lines})
    return out


def journal_app(settings: OdooSettings, directory: Path):
    path = directory / "journal.db"
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    engine.dispose()
    return create_app({"SQLALCHEMY_DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench-secret-key-not-for-use",
                       "ODOO": settings, "TESTING": True})


def push_with_engine(app, work: list[dict], batch: int) -> tuple[float, int, dict[str, int]]:
    device = Api(app.test_client(), device_id="bench-tab").login("supervisor")
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    ids = {}
    actions = []
    for i, spec in enumerate(work):
        action_id = str(uuid.uuid4())
        ids[action_id] = i
        actions.append({"id": action_id, "type": "issue", "location": spec["location"], "lines": spec["lines"],
                        "encounter": spec["encounter"],
                        "created_at": (start + timedelta(milliseconds=i)).isoformat().replace("+00:00", "Z")})
    for first in range(0, len(actions), 500):
        statuses = {r["status"] for r in device.results(*actions[first:first + 500])}
        assert statuses == {"accepted"}, statuses
    worker = Worker(app, batch_size=batch, backoff=Backoff(base=0), echo=lambda _line: None)
    began = time.perf_counter()
    totals = worker.run(once=True)
    elapsed = time.perf_counter() - began
    assert totals["synced"] == len(work), totals
    return elapsed, worker.gateway.calls, ids


def push_naively(settings: OdooSettings, world: World, work: list[dict], run: str) -> tuple[float, int]:
    """What an integration without batching does: look up, create and validate record by record."""
    from urllib.parse import urlparse
    url = urlparse(settings.url)
    odoo = odoorpc.ODOO(url.hostname, port=url.port or 80, timeout=60)
    odoo.login(settings.db, settings.user, settings.password)
    calls = 0

    def call(model, method, *args, **kw):
        nonlocal calls
        calls += 1
        return odoo.execute_kw(model, method, list(args), kw)

    mapping = {code: world.locations[code] for code in world.locations}
    consumed = mapping["CONSUMED"]
    began = time.perf_counter()
    for i, spec in enumerate(work):
        ward = mapping[spec["location"]]
        picking = call("stock.picking", "create", {"picking_type_id": world.internal_type, "location_id": ward,
                                                   "location_dest_id": consumed, "origin": f"NAIVE:{run}:{i}"})
        charged = []
        for line in spec["lines"]:
            product = call("product.product", "search_read", [("default_code", "=", line["product"])],
                           fields=["uom_id", "sale_ok"], limit=1)[0]
            lot = None
            if line.get("lot"):
                found = call("stock.lot", "search", [("product_id", "=", product["id"]), ("name", "=", line["lot"])])
                lot = found[0] if found else call("stock.lot", "create", {"name": line["lot"],
                                                                          "product_id": product["id"]})
            move = call("stock.move", "create", {"name": f"NAIVE:{run}:{i}", "picking_id": picking,
                                                 "product_id": product["id"], "product_uom_qty": line["qty"],
                                                 "product_uom": product["uom_id"][0], "location_id": ward,
                                                 "location_dest_id": consumed})
            call("stock.move.line", "create", {"move_id": move, "picking_id": picking, "product_id": product["id"],
                                               "product_uom_id": product["uom_id"][0], "quantity": line["qty"],
                                               "location_id": ward, "location_dest_id": consumed,
                                               **({"lot_id": lot} if lot else {})})
            if product["sale_ok"]:
                charged.append((product["id"], line))
        call("stock.picking", "button_validate", [picking])
        partner = call("res.partner", "search", [("ref", "=", spec["encounter"])], limit=1)
        partner = partner[0] if partner else call("res.partner", "create", {"name": spec["encounter"],
                                                                            "ref": spec["encounter"]})
        invoice = call("account.move", "search", [("move_type", "=", "out_invoice"), ("state", "=", "draft"),
                                                  ("invoice_origin", "=", spec["encounter"])], limit=1)
        invoice = invoice[0] if invoice else call("account.move", "create", {
            "move_type": "out_invoice", "partner_id": partner, "invoice_origin": spec["encounter"],
            "ref": spec["encounter"]})
        for product_id, line in charged:
            call("account.move.line", "create", {"move_id": invoice, "product_id": product_id,
                                                 "quantity": line["qty"], "name": f"[NAIVE:{run}:{i}]"})
    return time.perf_counter() - began, calls


def effects(gateway: Gateway, origins: dict[str, int], lines_by: str) -> list:
    """Per action (by position): its done picking's lines and its invoice lines, as comparable tuples."""
    pickings = gateway.search_read("stock.picking", [("origin", "in", list(origins))], ["origin", "state"])
    position = {p["id"]: origins[p["origin"]] for p in pickings}
    moved = defaultdict(list)
    for line in gateway.search_read("stock.move.line", [("picking_id", "in", list(position))],
                                    ["picking_id", "product_id", "lot_id", "quantity", "state"]):
        moved[position[line["picking_id"][0]]].append((line["product_id"][0], line["lot_id"][1] if line["lot_id"]
                                                       else None, line["quantity"], line["state"]))
    charged = defaultdict(list)
    for line in gateway.search_read("account.move.line", [("name", "like", lines_by), ("display_type", "=", "product")],
                                    ["name", "product_id", "quantity", "price_unit", "move_id"]):
        key = line["name"].rsplit("[", 1)[1].rstrip("]")
        if key in origins:
            charged[origins[key]].append((line["product_id"][0], line["quantity"], line["price_unit"]))
    states = Counter(p["state"] for p in pickings)
    return [states] + [(sorted(moved[i]), sorted(charged[i])) for i in range(len(origins))]


def ensure_demo_catalog(gateway: Gateway) -> int:
    products = demo_products()
    have = {p["default_code"] for p in gateway.search_read("product.product",
                                                           [("default_code", "in", [p["ref"] for p in products])],
                                                           ["default_code"])}
    missing = [p for p in products if p["ref"] not in have]
    created = gateway.create("product.product", [{
        "name": p["name"], "default_code": p["ref"], "barcode": p["barcode"], "tracking": p["tracking"],
        "sale_ok": p["billable"], "list_price": p["price"], **gateway.dialect.storable_values()} for p in missing])
    gateway.create("product.packaging", [{"name": f"Box of {p['pack'][1]}", "product_id": pid, "qty": p["pack"][1],
                                          "barcode": p["pack"][0]} for p, pid in zip(missing, created) if p["pack"]])
    return len(missing)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100, help="actions the engine claims and pushes together")
    options = parser.parse_args()
    settings, double = target()
    gateway = Gateway.connect(settings)
    world = ensure_world(gateway)
    added = ensure_demo_catalog(gateway)
    run = uuid.uuid4().hex[:6].upper()
    print(f"Push benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")
    print(f"Odoo: {'the in-memory double' if double else gateway.describe()}; demo catalog: {added} products added")
    with tempfile.TemporaryDirectory() as directory:
        app = journal_app(settings, Path(directory))
        engine_work = specs(options.actions, f"E{run}")
        naive_work = specs(options.actions, f"N{run}")
        print(f"{options.actions} issues x {len(LINES)} billable lines", flush=True)
        engine_seconds, engine_calls, ids = push_with_engine(app, engine_work, options.batch)
        print(f"  sync engine (batches of {options.batch}): {engine_seconds:8.2f} s, {engine_calls:6d} Odoo calls",
              flush=True)
        naive_seconds, naive_calls = push_naively(settings, world, naive_work, run)
        print(f"  naive, one call per record:   {naive_seconds:8.2f} s, {naive_calls:6d} Odoo calls", flush=True)
        engine_effects = effects(gateway, {f"WS:{action_id}": i for action_id, i in ids.items()}, "[WS:")
        naive_effects = effects(gateway, {f"NAIVE:{run}:{i}": i for i in range(options.actions)}, f"[NAIVE:{run}:")

        def normal(rows):  # the same item, lot (by its place in the run) and quantity, whoever pushed it
            return [rows[0]] + [([(p, lot.split("-", 1)[1] if lot else None, q, s) for p, lot, q, s in moved], charged)
                                for moved, charged in rows[1:]]
        same = normal(engine_effects) == normal(naive_effects)
        print(f"  engine is {naive_seconds / engine_seconds:.1f}x faster; same Odoo records: {'yes' if same else 'NO'}")
        with app.app_context():
            session = db.session()
            began = time.perf_counter()
            calls_before = gateway.calls
            report = catalog.pull(gateway, session, full=True)
            pulled = time.perf_counter() - began
            from pwa.models import Product
            from sqlalchemy import func, select
            active = session.scalar(select(func.count()).select_from(Product).where(Product.active.is_(True)))
        print(f"Catalog pull (full): {pulled:.2f} s, {gateway.calls - calls_before} Odoo calls, {active} active "
              f"products; {report.summary()}")
        app.extensions["journal_engine"].dispose()
    if double:
        double.stop()
    if not same:
        sys.exit("the engine and the naive loop left different records in Odoo")


if __name__ == "__main__":
    main()
