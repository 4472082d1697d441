"""Scan benchmark, on the device (Debian's Chromium, offline): parse + resolve against a 50,000-item IndexedDB
catalog through the same pipeline the screens use, and camera frame → result latency on a fake camera showing a
GS1 DataMatrix. Prints p50 / p95 / max and throughput. Not a test: it asserts nothing about speed.
Usage: .venv/bin/python bench/scan.py [--items 50000] [--scans 2000] [--camera-seconds 6]
"""
from __future__ import annotations

import argparse
import logging
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from pwa.migrate import upgrade  # noqa: E402
from pwa.seed import seed_demo  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
LABEL = "(01)07612340000041(17)280630(10)L2611A"

# Runs in the page: fills a catalog of `items` products (GTIN, box GTIN, reference each) in pages of 5,000 the way
# a sync does, then resolves `scans` scans of every kind through the pipeline, timing each one.
DEVICE_BENCH = """async ({ items, scans }) => {
  const { applyPage, findItem, openCatalog } = await import('/static/js/catalog.js');
  const { resolveScan } = await import('/static/js/scan/pipeline.js');
  const name = 'bench-catalog-' + items;
  indexedDB.deleteDatabase(name);
  const db = await openCatalog(name);
  const check = (body) => {
    let sum = 0;
    for (let i = body.length - 1, w = 3; i >= 0; i -= 1, w = 4 - w) sum += Number(body[i]) * w;
    return body + ((10 - (sum % 10)) % 10);
  };
  const gtin = (indicator, n) => check(`${indicator}999${String(n).padStart(9, '0')}`);
  const fillStarted = performance.now();
  for (let start = 0; start < items; start += 5000) {
    const products = [];
    for (let n = start; n < Math.min(items, start + 5000); n += 1) {
      products.push({ ref: `BENCH-${n}`, name: `Bench item ${n}`, barcodes: [gtin(0, n)],
                      packs: [{ barcode: gtin(1, n), qty: 10 }], uom: 'Units', tracking: 'lot', billable: true,
                      price: 1, active: true });
    }
    await applyPage(db, { products, locations: start ? [] : [{ code: 'WARD-4B', name: 'Ward 4B', kind: 'department',
                                                               active: true }], cursor: String(start) });
  }
  const fillMs = performance.now() - fillStarted;
  const catalog = { item: (raw) => findItem(db, raw),
                    location: async (code) => (await db.get('locations', code)) || null };
  const kinds = [
    (n) => `]d201${gtin(0, n)}17280630` + `10L${n}\\x1d21S${n}`,
    (n) => `(01)${gtin(1, n)}(17)280630(10)L${n}`,
    (n) => gtin(0, n).slice(1),
    (n) => `BENCH-${n}`,
    () => 'WARD-4B',
    () => 'ENC-2026-000123',
    (n) => `(01)${gtin(0, items + n)}(10)X`,
  ];
  const times = [];
  const counts = {};
  const started = performance.now();
  for (let i = 0; i < scans; i += 1) {
    const n = Math.floor(Math.random() * items);
    const raw = kinds[i % kinds.length](n);
    const t0 = performance.now();
    const result = await resolveScan(raw, { catalog });
    times.push(performance.now() - t0);
    counts[result.type] = (counts[result.type] || 0) + 1;
  }
  const totalMs = performance.now() - started;
  const products = await db.count('products');
  db.close();
  indexedDB.deleteDatabase(name);
  return { times, totalMs, fillMs, counts, products };
}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):.2f} ms, p95 {percentile(values, 0.95):.2f} ms, "
            f"max {max(values):.2f} ms (n={len(values)})")


def fake_camera_clip(path: Path) -> Path:
    barcode = zxingcpp.create_barcode(LABEL, zxingcpp.BarcodeFormat.DataMatrix, gs1=True).to_image(scale=7)
    height, width = barcode.shape[:2]
    symbol = Image.frombytes("L", (width, height), bytes(memoryview(barcode)))
    frame = Image.new("L", (640, 480), 235)
    frame.paste(symbol, ((640 - width) // 2, (480 - height) // 2))
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(5):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def serve(workdir: Path):
    url = f"sqlite:///{workdir / 'journal.db'}"
    engine = create_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789", "ODOO": None})
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--scans", type=int, default=2_000)
    parser.add_argument("--camera-seconds", type=float, default=6)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ws-bench-scan-"))
    server, base = serve(workdir)
    clip = fake_camera_clip(workdir / "label.y4m")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    print(f"Scan benchmark — {platform.node()}, {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS + [
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={clip}"])
            context = browser.new_context(base_url=base, permissions=["camera"])
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Login").fill("nurse")
            page.get_by_label("Password").fill("demo")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", name="What would you like to do?").wait_for()
            page.locator("html[data-device-ready=true]").wait_for(timeout=60000)
            context.set_offline(True)
            page.reload()
            page.get_by_role("link", name="Waste").first.click()
            page.locator("html[data-scan-ready=true]").wait_for()

            device = page.evaluate(DEVICE_BENCH, {"items": options.items, "scans": options.scans})
            print(f"catalog: {device['products']:,} products written to IndexedDB in {device['fillMs'] / 1000:.1f} s")
            kinds = ", ".join(f"{kind} {count}" for kind, count in device["counts"].items())
            print(f"parse + resolve, {options.scans:,} scans ({kinds}):")
            print(f"  {summary(device['times'])}; {options.scans / (device['totalMs'] / 1000):,.0f} scans/s "
                  "one after another")

            page.get_by_role("button", name="Camera").click()
            page.locator("#waste-item form").wait_for(timeout=30000)
            detector = page.locator("html").get_attribute("data-camera")
            page.wait_for_timeout(options.camera_seconds * 1000)
            latencies = page.evaluate("() => window.wardScan.frameToResultMs")
            per_frame = page.evaluate("""async () => {
              const video = document.querySelector('video');
              const { loadDetector } = await import('/static/js/scan/camera.js');
              const { detector } = await loadDetector();
              const times = [];
              for (let i = 0; i < 30; i += 1) {
                const t0 = performance.now();
                await detector.detect(video);
                times.push(performance.now() - t0);
              }
              return times;
            }""")
            print(f"camera ({detector} detector, 640×480 fake capture, GS1 DataMatrix):")
            print(f"  frame → result (detect + parse + resolve): {summary(latencies)}")
            print(f"  detect alone: {summary(per_frame)}")
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
