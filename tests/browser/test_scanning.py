"""Scanning in Debian's Chromium, offline: the camera (a fake capture device showing a GS1 DataMatrix) and a
keyboard-wedge burst put the item on the Waste screen; typing slowly is never taken for a scanner."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from sqlalchemy import select

from pwa import db
from pwa.models import Action
from tests.conftest import CHROMIUM_ARGS
from tests.scanning.symbols import on_canvas, symbol

SYRINGE_LABEL = "(01)07612340000041(17)280630(10)L2611A"
GS = "\x1d"


def write_y4m(path: Path, frame, frames: int = 5) -> Path:
    """A 640×480 I420 YUV4MPEG2 clip of a still picture, as Chromium's fake capture device plays it in a loop."""
    gray = frame.convert("L").resize((640, 480))
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + gray.tobytes() + chroma + chroma)
    return path


@pytest.fixture(scope="session")
def camera_browser(playwright: Playwright, tmp_path_factory) -> Browser:
    label = on_canvas(symbol(SYRINGE_LABEL, "data_matrix", scale=7, gs1=True), size=(640, 480))
    clip = write_y4m(tmp_path_factory.mktemp("camera") / "syringe-datamatrix.y4m", label)
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                              f"--use-file-for-fake-video-capture={clip}"])
    yield browser
    browser.close()


@pytest.fixture
def camera_context(camera_browser: Browser, live_server) -> BrowserContext:
    context = camera_browser.new_context(base_url=live_server, permissions=["camera"])
    yield context
    context.close()


@pytest.fixture
def context(camera_context: BrowserContext) -> BrowserContext:
    return camera_context


@pytest.fixture
def page(camera_context: BrowserContext) -> Page:
    return camera_context.new_page()


def waste_screen_offline(page: Page, context: BrowserContext) -> None:
    """Signed in as the nurse, the device ready (catalog synced, screens stored), then the network gone."""
    page.goto("/login")
    page.get_by_label("Login").fill("nurse")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-device-ready", "true", timeout=20000)
    context.set_offline(True)
    page.reload()
    page.get_by_role("link", name="Waste").first.click()
    expect(page.get_by_role("heading", name="Record waste")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-scan-ready", "true")


def wasted_lines(app) -> list[dict]:
    with app.app_context():
        return [line for action in db.session().scalars(select(Action).where(Action.type == "waste"))
                for line in action.lines]


def confirm_one_line(page: Page) -> None:
    page.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name="Confirm waste").click()
    expect(page.locator("#waste-result")).to_contain_text("Saved.")


def test_camera_scans_a_gs1_datamatrix_into_waste_offline_with_the_wasm_from_our_own_origin(
        camera_context: BrowserContext, app):
    page = camera_context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    waste_screen_offline(page, camera_context)

    page.get_by_role("button", name="Camera").click()

    expect(page.locator("#waste-item")).to_contain_text("Syringe Luer lock 10ml", timeout=20000)
    expect(page.locator("#waste-item")).to_contain_text("L2611A")
    expect(page.locator("#waste-item")).to_contain_text("2028-06-30")
    detector = page.locator("html").get_attribute("data-camera")
    assert detector in ("native", "polyfill")
    if detector == "polyfill":
        assert any(url.endswith("/static/vendor/zxing-wasm/zxing_reader.wasm") for url in requested)
    assert all(url.startswith(page.url.split("/waste")[0]) or url.startswith(("blob:", "data:"))
               for url in requested), "nothing may load from another origin"
    page.get_by_role("button", name="Close camera").click()
    confirm_one_line(page)
    camera_context.set_offline(False)
    expect(page.locator("#device-status")).to_have_attribute("data-pending", "0", timeout=15000)
    [line] = wasted_lines(app)
    assert (line["ref"], line["lot"], line["expiry"]) == ("SYR-10ML", "L2611A", "2028-06-30")


def test_the_camera_held_on_one_label_adds_it_once(camera_context: BrowserContext):
    page = camera_context.new_page()
    waste_screen_offline(page, camera_context)

    page.get_by_role("button", name="Camera").click()
    expect(page.locator("#waste-item")).to_contain_text("Syringe Luer lock 10ml", timeout=20000)

    expect(page.locator("[data-scan-confirm]")).to_be_visible(timeout=5000)
    expect(page.locator("[data-scan-confirm]")).to_contain_text("Is it another item?")
    expect(page.locator("body")).to_have_attribute("data-scan-signal", "repeat")
    expect(page.locator("#waste-item form")).to_have_count(1)
    page.get_by_role("button", name="Ignore").click()
    page.get_by_role("button", name="Close camera").click()
    expect(page.locator("#waste-item form")).to_have_count(1)


# A handheld scanner types the whole code in one go: keydowns with no pause, FNC1 as Ctrl+], Enter at the end.
# Where the page lets a key through, the character lands in the focused field, as a browser would do it.
WEDGE = """(keys) => {
  for (const k of keys) {
    const target = document.activeElement || document.body;
    const allowed = target.dispatchEvent(new KeyboardEvent('keydown', {
      key: k.key, code: k.code || '', ctrlKey: Boolean(k.ctrl), bubbles: true, cancelable: true }));
    if (!allowed) continue;
    if (k.key === 'Enter' && target.form) target.form.requestSubmit();
    else if (k.key.length === 1 && !k.ctrl && target instanceof HTMLInputElement) target.value += k.key;
  }
}"""


def wedge_burst(page: Page, raw: str) -> None:
    keys = [{"key": "]", "code": "BracketRight", "ctrl": True} if char == GS else {"key": char} for char in raw]
    page.evaluate(WEDGE, keys + [{"key": "Enter"}])


def test_a_wedge_burst_with_gs_puts_the_item_on_the_screen_without_focusing_a_field(page: Page, context, app):
    waste_screen_offline(page, context)
    page.locator("h1").click()

    wedge_burst(page, f"]d2010761234000004117280630" f"10L2611A{GS}21SN0042")

    expect(page.locator("#waste-item")).to_contain_text("Syringe Luer lock 10ml", timeout=5000)
    expect(page.locator("#waste-item")).to_contain_text("L2611A")
    assert page.get_by_label("Scan or type the item").input_value() != ""
    confirm_one_line(page)
    context.set_offline(False)
    expect(page.locator("#device-status")).to_have_attribute("data-pending", "0", timeout=15000)
    [line] = wasted_lines(app)
    assert (line["lot"], line["serial"]) == ("L2611A", "SN0042")


def test_a_burst_into_the_quantity_field_is_taken_out_of_it(page: Page, context):
    waste_screen_offline(page, context)
    wedge_burst(page, "07612340000041")
    expect(page.locator("#waste-item")).to_contain_text("SYR-10ML", timeout=5000)
    quantity = page.get_by_label("Quantity")
    quantity.fill("3")
    quantity.focus()

    wedge_burst(page, "(17)280630(10)L77")

    expect(page.locator("#waste-item")).to_contain_text("L77", timeout=5000)
    expect(page.locator("[data-scan-status]")).to_contain_text("lot and expiry added")
    assert quantity.input_value() in ("1", "3")


def test_typing_slowly_is_not_mistaken_for_a_scan(page: Page, context):
    waste_screen_offline(page, context)
    page.locator("h1").click()

    page.keyboard.type("SYR-10ML", delay=120)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)

    expect(page.locator("html")).not_to_have_attribute("data-last-scan", "item")
    expect(page.locator("#waste-item")).to_be_empty()
    field = page.get_by_label("Scan or type the item")
    field.click()
    page.keyboard.type("SYR-10ML", delay=120)
    assert field.input_value() == "SYR-10ML"
    page.keyboard.press("Enter")
    expect(page.locator("#waste-item")).to_contain_text("Syringe Luer lock 10ml", timeout=5000)


def test_an_unknown_barcode_is_reported_to_the_supervisor_with_the_raw_scan(page: Page, context, app):
    from pwa.models import UnknownItemReport

    waste_screen_offline(page, context)
    page.locator("h1").click()
    wedge_burst(page, "]d2010761234009999117280630")

    expect(page.locator("#waste-item")).to_contain_text("is not in the catalog", timeout=5000)
    expect(page.locator("body")).to_have_attribute("data-scan-signal", "error")
    expect(page.locator("#waste-item form")).to_have_count(0)
    page.get_by_label("Where did you find it? (optional)").fill("shelf 3")
    page.get_by_role("button", name="Report unknown item").click()
    expect(page.locator("[data-scan-status]")).to_contain_text("Reported to your supervisor")
    context.set_offline(False)

    def filed():
        with app.app_context():
            return db.session().scalars(select(UnknownItemReport)).all()

    for _ in range(100):
        if filed():
            break
        page.wait_for_timeout(100)
    [report] = filed()
    assert (report.raw, report.note, report.location_code, report.gtin) == (
        "]d2010761234009999117280630", "shelf 3", "WARD-4B", "07612340099991")
