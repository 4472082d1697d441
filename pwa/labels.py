"""Printable labels: QR codes for locations, bins, badges and encounters, and GS1 DataMatrix item labels, as an HTML
sheet (print CSS), a PDF and ZPL for Zebra printers — so a new user can print the demo and try the camera at once.

What each label carries (the device's scan pipeline, static/js/scan/pipeline.js, reads the same):
- location: its code, e.g. `WARD-4B` (the location's Odoo barcode);
- bin: `BIN:<location>:<product ref>`, the shelf spot of one product at one location (one per par level);
- badge: `BADGE:<login>`, never a password or PIN;
- encounter: the encounter number, e.g. `ENC-2026-000123`;
- item: a GS1 element string (GTIN, expiry, lot or serial), as a manufacturer prints it.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import qrcode
import zxingcpp
from flask import Blueprint, Response, abort, render_template
from flask_login import current_user
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import db
from .auth import roles_required
from .models import Location, ParLevel, Product, User

bp = Blueprint("labels", __name__, url_prefix="/labels")

BADGE_PREFIX = "BADGE:"
BIN_PREFIX = "BIN:"
DEMO_ENCOUNTERS = tuple(f"ENC-2026-{number:06d}" for number in range(123, 133))
# Products of the demo hospital that show each kind of item label; another catalog gets its first few products.
DEMO_ITEMS = ("SYR-10ML", "CAT-IV-20G", "GLV-N-M", "ETT-7.5MM", "DRS-F-10X10CM")
DEMO_LOT, DEMO_EXPIRY, DEMO_SERIAL = "L2611A", date(2028, 6, 30), "SN000117"
# A GTIN no catalog holds, to try the "unknown item" report.
UNKNOWN_GTIN = "07612340099991"


@dataclass(frozen=True)
class Label:
    title: str
    content: str  # what the symbol encodes; GS1 item labels in bracketed form
    caption: str = ""  # the human-readable line under the title
    symbology: str = "qr"  # qr or datamatrix (GS1)

    @property
    def gs1(self) -> bool:
        return self.symbology == "datamatrix"


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    description: str


SHEETS = {sheet.name: sheet for sheet in (
    Sheet("locations", "Locations", "One QR code per location: scan it to say where you are."),
    Sheet("bins", "Bins", "One QR code per shelf spot (par level): the product at that location."),
    Sheet("encounters", "Demo encounters", "Encounter numbers to try issuing to a patient."),
    Sheet("badges", "Badges", "One QR code per user for switching users on a shared tablet (no password in it)."),
    Sheet("items", "Demo items", "GS1 DataMatrix labels with lot, expiry or serial, to try the camera."),
)}


def visible_locations(user: User) -> list[Location]:
    """Supervisors print for their own locations; an administrator for every location."""
    if user.has_role("admin"):
        return list(db.session().scalars(select(Location).where(Location.active.is_(True)).order_by(Location.code)))
    return [location for location in user.locations if location.active]


def location_labels(user: User) -> list[Label]:
    return [Label(location.name, location.code, location.code) for location in visible_locations(user)]


def bin_labels(user: User) -> list[Label]:
    codes = [location.code for location in visible_locations(user)]
    pars = db.session().scalars(
        select(ParLevel).join(ParLevel.location).join(ParLevel.product)
        .where(ParLevel.active.is_(True), Location.code.in_(codes), Product.active.is_(True))
        .order_by(Location.code, Product.ref))
    return [Label(par.product.name, f"{BIN_PREFIX}{par.location.code}:{par.product.ref}",
                  f"{par.location.code} · {par.product.ref} · par {par.min_qty:g}–{par.max_qty:g}") for par in pars]


def encounter_labels(_user: User) -> list[Label]:
    return [Label("Demo encounter", number, number) for number in DEMO_ENCOUNTERS]


def badge_labels(_user: User) -> list[Label]:
    users = db.session().scalars(select(User).where(User.active.is_(True)).order_by(User.login))
    return [Label(user.login, f"{BADGE_PREFIX}{user.login}", ", ".join(user.role_list)) for user in users]


def gs1_date(day: date) -> str:
    return day.strftime("%y%m%d")


def item_labels(_user: User) -> list[Label]:
    """Item labels as manufacturers print them: unit and box, lot or serial with expiry, and one item whose lot
    and expiry come on a second label (scanned right after the item, they are joined to it)."""
    session = db.session()
    products = list(session.scalars(select(Product).where(Product.ref.in_(DEMO_ITEMS), Product.active.is_(True))
                                    .options(selectinload(Product.barcodes))))
    if not products:
        products = list(session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.ref)
                                        .limit(len(DEMO_ITEMS)).options(selectinload(Product.barcodes))))
    products.sort(key=lambda p: DEMO_ITEMS.index(p.ref) if p.ref in DEMO_ITEMS else len(DEMO_ITEMS))
    expiry = f"(17){gs1_date(DEMO_EXPIRY)}"
    labels = []
    for number, product in enumerate(products):
        unit = next((b for b in product.barcodes if b.qty == 1), None)
        if unit is None or not unit.code.isdigit():
            continue
        gtin = unit.code.zfill(14)
        if product.tracking == "serial":
            labels.append(Label(product.name, f"(01){gtin}{expiry}(21){DEMO_SERIAL}",
                                f"{product.ref} · serial {DEMO_SERIAL} · exp {DEMO_EXPIRY}", "datamatrix"))
        elif product.tracking == "lot" and number == len(products) - 1:
            labels.append(Label(product.name, f"(01){gtin}", f"{product.ref} · item (scan first)", "datamatrix"))
            labels.append(Label(f"{product.name}: lot and expiry", f"{expiry}(10){DEMO_LOT}",
                                f"lot {DEMO_LOT} · exp {DEMO_EXPIRY} (scan second)", "datamatrix"))
        elif product.tracking == "lot":
            labels.append(Label(product.name, f"(01){gtin}{expiry}(10){DEMO_LOT}",
                                f"{product.ref} · lot {DEMO_LOT} · exp {DEMO_EXPIRY}", "datamatrix"))
        else:
            labels.append(Label(product.name, f"(01){gtin}", product.ref, "datamatrix"))
        for pack in (b for b in product.barcodes if b.qty != 1 and b.code.isdigit()):
            lot = f"(10){DEMO_LOT}" if product.tracking == "lot" else ""
            labels.append(Label(f"{product.name}: box of {pack.qty:g}", f"(01){pack.code.zfill(14)}{expiry}{lot}",
                                f"{product.ref} · box of {pack.qty:g}", "datamatrix"))
            break
    labels.append(Label("Not in the catalog", f"(01){UNKNOWN_GTIN}{expiry}(10){DEMO_LOT}",
                        "try the unknown item report", "datamatrix"))
    return labels


SHEET_LABELS = {"locations": location_labels, "bins": bin_labels, "encounters": encounter_labels,
                "badges": badge_labels, "items": item_labels}


def sheet_labels(name: str, user: User) -> list[Label]:
    return SHEET_LABELS[name](user)


# ---- Symbols ----------------------------------------------------------------------------------------------------

def symbol_image(label: Label, module_px: int = 6) -> Image.Image:
    """The label's symbol, black on white with its quiet zone, `module_px` pixels per module."""
    if label.gs1:
        barcode = zxingcpp.create_barcode(label.content, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
        image = barcode.to_image(scale=module_px)
        height, width = image.shape[:2]
        return Image.frombytes("L", (width, height), bytes(memoryview(image)))
    return qrcode.make(label.content, box_size=module_px, border=4,
                      error_correction=qrcode.constants.ERROR_CORRECT_M).get_image().convert("L")


def symbol_data_uri(label: Label) -> str:
    buffer = BytesIO()
    symbol_image(label, module_px=4).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# ---- PDF: A4 pages of 3 × 7 labels (63.5 × 38.1 mm, the common sticker sheet), drawn at 300 dpi -------------------

DPI = 300
PAGE = (2480, 3508)
COLUMNS, ROWS = 3, 7
LABEL = (750, 450)
MARGIN = ((PAGE[0] - COLUMNS * LABEL[0]) // 2, (PAGE[1] - ROWS * LABEL[1]) // 2)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    while text and draw.textlength(text, font=font) > width:
        text = text[:-2] + "…"
    return text


def pdf_bytes(labels: list[Label], title: str) -> bytes:
    title_font = ImageFont.load_default(size=34)
    caption_font = ImageFont.load_default(size=26)
    pages = []
    per_page = COLUMNS * ROWS
    for start in range(0, max(len(labels), 1), per_page):
        page = Image.new("L", PAGE, 255)
        draw = ImageDraw.Draw(page)
        for index, label in enumerate(labels[start:start + per_page]):
            x = MARGIN[0] + (index % COLUMNS) * LABEL[0]
            y = MARGIN[1] + (index // COLUMNS) * LABEL[1]
            symbol = symbol_image(label, module_px=8)
            side = LABEL[1] - 40
            symbol = symbol.resize((side, side), Image.NEAREST) if symbol.width > side else symbol
            page.paste(symbol, (x + 20, y + (LABEL[1] - symbol.height) // 2))
            text_x = x + 40 + symbol.width
            width = LABEL[0] - (text_x - x) - 20
            draw.text((text_x, y + 90), _fit(draw, label.title, title_font, width), font=title_font, fill=0)
            draw.text((text_x, y + 150), _fit(draw, label.caption, caption_font, width), font=caption_font,
                      fill=0)
        pages.append(page)
    buffer = BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=DPI, title=title)
    return buffer.getvalue()


# ---- ZPL for Zebra printers: 2 × 1 inch labels at 203 dpi --------------------------------------------------------

def _zpl_text(text: str) -> str:
    # ^FH makes _ the hex escape: characters ZPL would read as commands, and UTF-8 bytes (^CI28), are sent as hex.
    def escaped(char: str) -> str:
        if char in "^~_\\" or ord(char) > 126:
            return "".join(f"_{byte:02X}" for byte in char.encode())
        return char
    return "".join(escaped(char) for char in text)


def zpl_label(label: Label) -> str:
    if label.gs1:
        # ~1 is FNC1 in ^BX (escape character ~): first, it marks GS1; after a variable-length value, it separates.
        symbol = f"^FO20,20^BXN,5,200,0,0,6,~^FD~1{gs1_element_string(label.content, '~1')}^FS"
    else:
        symbol = f"^FO20,15^BQN,2,4^FH^FDQA,{_zpl_text(label.content)}^FS"
    return ("^XA^CI28^PW406^LL203"
            f"{symbol}"
            f"^FO190,40^A0N,28,28^FB206,2,0,L^FH^FD{_zpl_text(label.title)}^FS"
            f"^FO190,110^A0N,20,20^FB206,3,0,L^FH^FD{_zpl_text(label.caption)}^FS"
            "^XZ")


# GS1 General Specifications: element strings whose AI starts with these digits have a predefined length and are
# never followed by a separator; every other one is, unless it ends the message.
PREDEFINED_LENGTH = frozenset({"00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19",
                               "20", "31", "32", "33", "34", "35", "36", "41"})


def gs1_element_string(bracketed: str, separator: str) -> str:
    """Bracketed GS1, e.g. (01)…(10)…(17)…, as the element string a symbol encodes."""
    parts = [part.split(")", 1) for part in bracketed.split("(")[1:]]
    out = ""
    for index, (ai, value) in enumerate(parts):
        out += ai + value
        if ai[:2] not in PREDEFINED_LENGTH and index < len(parts) - 1:
            out += separator
    return out


def zpl_text(labels: list[Label]) -> str:
    return "\n".join(zpl_label(label) for label in labels) + "\n"


# ---- Pages --------------------------------------------------------------------------------------------------------

def _sheet(name: str) -> Sheet:
    sheet = SHEETS.get(name)
    if sheet is None:
        abort(404)
    return sheet


@bp.get("/")
@roles_required("supervisor", "admin")
def index():
    counts = {name: len(sheet_labels(name, current_user)) for name in SHEETS}
    return render_template("labels/index.html", sheets=SHEETS.values(), counts=counts)


@bp.get("/<name>")
@roles_required("supervisor", "admin")
def sheet_html(name: str):
    sheet = _sheet(name)
    labels = sheet_labels(name, current_user)
    return render_template("labels/sheet.html", sheet=sheet, labels=labels, data_uri=symbol_data_uri)


@bp.get("/<name>.pdf")
@roles_required("supervisor", "admin")
def sheet_pdf(name: str):
    sheet = _sheet(name)
    body = pdf_bytes(sheet_labels(name, current_user), f"Ward Supply labels: {sheet.title}")
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="labels-{name}.pdf"'})


@bp.get("/<name>.zpl")
@roles_required("supervisor", "admin")
def sheet_zpl(name: str):
    _sheet(name)
    return Response(zpl_text(sheet_labels(name, current_user)), mimetype="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="labels-{name}.zpl"'})
