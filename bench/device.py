"""Device benchmark (Debian's Chromium, loopback): first catalog sync of a 50,000-item catalog into IndexedDB, then,
offline on the real Waste screen, scan → item shown through htmx and the device's local answer, and confirm →
"Saved." (the outbox write committed). Prints p50 / p95 / max. Not a test: it asserts nothing about speed.
Usage: .venv/bin/python bench/device.py [--items 50000] [--scans 1000] [--saves 300]
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from pwa.catalog import next_revisions  # noqa: E402
from pwa.migrate import upgrade  # noqa: E402
from pwa.models import Barcode, Product  # noqa: E402
from pwa.seed import gs1_check_digit, seed_demo  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

# Runs in the page: the device's own catalog sync (catalog.js) into a fresh IndexedDB, with the signed-in
# user's token, timed from the first request to the last page written.
FIRST_SYNC = """async () => {
  const { openCatalog, syncCatalog } = await import('/static/js/catalog.js');
  const { openDevice, knownUser } = await import('/static/js/outbox.js');
  const device = await openDevice();
  const user = await knownUser(device, document.querySelector('meta[name="ws-user"]').content);
  const name = 'bench-first-sync';
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = r.onerror = resolve; });
  const db = await openCatalog(name);
  const t0 = performance.now();
  const result = await syncCatalog(db, { token: user.token, scope: user.locations });
  const ms = performance.now() - t0;
  const count = await db.count('products');
  db.close();
  indexedDB.deleteDatabase(name);
  return { ms, count, loaded: result.loaded };
}"""

# Runs in the page, offline, on the Waste screen: each scan goes through the scan form exactly as a wedge
# scanner's Enter would (htmx request → answered on the device from IndexedDB → fragment swapped in).
SCANS = """async (codes) => {
  const form = document.querySelector('form[data-local]');
  const input = form.querySelector('input[name=scan]');
  const target = document.querySelector('#waste-item');
  const times = [];
  let found = 0;
  for (const [code, ref] of codes) {
    const answered = new Promise((resolve) => document.addEventListener('ws:local-answer', resolve, { once: true }));
    const t0 = performance.now();
    input.value = code;
    form.requestSubmit();
    await answered;
    if (target.textContent.includes(ref)) found += 1;
    times.push(performance.now() - t0);
  }
  return { times, found };
}"""

# Runs in the page, offline: add one line, then time confirm → "Saved." on screen.
SAVES = """async ({ count, code }) => {
  const scanForm = document.querySelector('form[data-local]');
  const actionForm = document.querySelector('form[data-action]');
  const result = document.querySelector('#waste-result');
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const answered = new Promise((resolve) => document.addEventListener('ws:local-answer', resolve, { once: true }));
    scanForm.querySelector('input[name=scan]').value = code;
    scanForm.requestSubmit();
    await answered;
    document.querySelector('form[data-line-add]').requestSubmit();
    result.replaceChildren();
    const saved = new Promise((resolve) => {
      const watch = new MutationObserver(() => {
        if (result.textContent.includes('Saved.')) { watch.disconnect(); resolve(); }
      });
      watch.observe(result, { childList: true, subtree: true, characterData: true });
    });
    const t0 = performance.now();
    actionForm.requestSubmit();
    await saved;
    times.push(performance.now() - t0);
  }
  return { times };
}"""


def gtin14(indicator: int, number: int) -> str:
    body = f"{indicator}999{number:09d}"
    return body + gs1_check_digit(body)


def add_items(session: Session, count: int) -> None:
    """`count` more active products, each with a unit GTIN and a box GTIN, stamped like any catalog change."""
    revisions = next_revisions(session, count)
    first_id = (session.scalar(select(Product.id).order_by(Product.id.desc()).limit(1)) or 0) + 1
    for start in range(0, count, 5000):
        numbers = range(start, min(count, start + 5000))
        session.execute(insert(Product), [
            {"id": first_id + n, "ref": f"BENCH-{n}", "name": f"Bench item {n}", "uom": "Units", "tracking": "lot",
             "billable": True, "price": 1, "active": True, "rev": revisions[n]} for n in numbers])
        session.execute(insert(Barcode), [
            row for n in numbers for row in ({"code": gtin14(0, n), "product_id": first_id + n, "qty": 1},
                                             {"code": gtin14(1, n), "product_id": first_id + n, "qty": 10})])


def serve(workdir: Path, items: int):
    url = f"sqlite:///{workdir / 'journal.db'}"
    engine = create_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed_demo(session)
        add_items(session, items)
        session.commit()
    engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789", "ODOO": None})
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
            f"max {max(values):.1f} ms (n={len(values)})")


def scan_codes(items: int, scans: int) -> list[tuple[str, str]]:
    """Every kind a ward scans: GS1 DataMatrix with lot and expiry, bracketed GS1, EAN-13, box GTIN, reference."""
    kinds = (lambda n: f"]d201{gtin14(0, n)}17280630" + f"10L{n}",
             lambda n: f"(01){gtin14(1, n)}(17)280630(10)L{n}",
             lambda n: gtin14(0, n)[1:],
             lambda n: f"BENCH-{n}")
    step = max(1, items // scans)
    return [(kinds[i % len(kinds)]((i * step * 7919) % items), f"BENCH-{(i * step * 7919) % items}")
            for i in range(scans)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--scans", type=int, default=1_000)
    parser.add_argument("--saves", type=int, default=300)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ws-bench-device-"))
    started = time.monotonic()
    server, base = serve(workdir, options.items)
    print(f"Device benchmark — {platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"server catalog: {options.items:,} bench items + the demo's, built in {time.monotonic() - started:.1f} s")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=base)
            page = context.new_page()
            page.set_default_timeout(120_000)
            sign_in_started = time.monotonic()
            page.goto("/login")
            page.get_by_label("Login").fill("nurse")
            page.get_by_label("Password").fill("demo")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()
            expect(page.locator("html")).to_have_attribute("data-device-ready", "true", timeout=120_000)
            print(f"sign-in → device ready (service worker, screens stored, catalog synced): "
                  f"{time.monotonic() - sign_in_started:.1f} s")
            sync = page.evaluate(FIRST_SYNC)
            print(f"first catalog sync, {sync['count']:,} items on loopback: {sync['ms'] / 1000:.2f} s")

            page.goto("/waste/")
            context.set_offline(True)
            page.reload()
            expect(page.get_by_role("heading", name="Record waste")).to_be_visible()
            scans = page.evaluate(SCANS, scan_codes(options.items, options.scans))
            print(f"scan → item shown, offline ({scans['found']}/{len(scans['times'])} found): "
                  f"{summary(scans['times'])}")
            saves = page.evaluate(SAVES, {"count": options.saves, "code": gtin14(0, 42)})
            print(f"confirm → \"Saved.\" (outbox write committed): {summary(saves['times'])}")
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
