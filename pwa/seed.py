"""The demo hospital: locations, a few hundred real-looking supplies with valid GS1 barcodes, par levels, users.

Seeded only on request or into an empty journal, so it can never land on top of real data.
"""
from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .auth import hash_password
from .catalog import stamp
from .models import Action, Barcode, Location, ParLevel, Product, StockLevel, Transfer, User

DEMO_PASSWORD = "demo"

LOCATIONS = (
    ("WH-STOCK", "Central store", "store"),
    ("WARD-4B", "Ward 4B", "department"),
    ("ICU", "Intensive care unit", "department"),
    ("OR", "Operating theatre", "department"),
    ("ED", "Emergency department", "department"),
    ("CONSUMED", "Consumed on patients", "consumption"),
    ("SCRAP", "Waste and scrap", "scrap"),
)
DEPARTMENTS = ("WARD-4B", "ICU", "OR", "ED")

# (ref stem, name, sizes, unit, tracking, billable, price range, pack size or 0)
FAMILIES = (
    ("SYR", "Syringe Luer lock {}", ("1ml", "3ml", "5ml", "10ml", "20ml", "50ml"), "Units", "lot", True, (0.2, 1.5), 100),
    ("NDL", "Hypodermic needle {}", ("18G", "20G", "21G", "22G", "23G", "25G", "27G"), "Units", "lot", True, (0.05, 0.3), 100),
    ("GLV-N", "Nitrile examination gloves size {}", ("XS", "S", "M", "L", "XL"), "Units", "none", False, (0.04, 0.1), 200),
    ("GLV-S", "Sterile surgical gloves latex-free size {}", ("6.0", "6.5", "7.0", "7.5", "8.0", "8.5"), "Pairs", "lot", True, (0.8, 2.5), 50),
    ("DRS-F", "Foam dressing bordered {}", ("7.5x7.5cm", "10x10cm", "12.5x12.5cm", "15x15cm", "20x20cm"), "Units", "lot", True, (2.0, 9.0), 10),
    ("DRS-T", "Transparent film dressing {}", ("6x7cm", "10x12cm", "15x20cm"), "Units", "lot", True, (0.5, 3.0), 50),
    ("GAU", "Gauze swab sterile {}", ("5x5cm", "7.5x7.5cm", "10x10cm"), "Packs", "lot", False, (0.2, 0.8), 25),
    ("CAT-IV", "IV cannula safety {}", ("14G", "16G", "18G", "20G", "22G", "24G"), "Units", "lot", True, (1.5, 4.0), 50),
    ("CAT-FOL", "Foley catheter 2-way silicone {}", ("12Fr", "14Fr", "16Fr", "18Fr", "20Fr"), "Units", "lot", True, (4.0, 12.0), 10),
    ("IVS", "IV administration set {}", ("gravity 20 drops", "gravity 60 drops", "pump set", "blood set"), "Units", "lot", True, (2.0, 8.0), 20),
    ("SUT", "Suture absorbable {}", ("2-0 36mm", "3-0 26mm", "4-0 19mm", "5-0 16mm"), "Units", "lot", True, (3.0, 9.0), 12),
    ("ETT", "Endotracheal tube cuffed {}", ("6.0mm", "6.5mm", "7.0mm", "7.5mm", "8.0mm", "8.5mm"), "Units", "serial", True, (5.0, 15.0), 0),
    ("MSK", "Surgical mask type IIR {}", ("adult", "paediatric"), "Units", "none", False, (0.05, 0.2), 50),
    ("ELC", "ECG electrode foam {}", ("adult", "neonatal"), "Units", "none", True, (0.1, 0.5), 50),
    ("SAL", "Sodium chloride 0.9% {}", ("10ml ampoule", "100ml bag", "500ml bag", "1000ml bag"), "Units", "lot", True, (0.5, 3.5), 20),
    ("TAP", "Medical tape {}", ("silk 2.5cm", "paper 2.5cm", "paper 5cm", "silicone 2.5cm"), "Rolls", "none", False, (0.8, 4.0), 12),
    ("BAN", "Elastic bandage {}", ("5cm", "7.5cm", "10cm", "15cm"), "Units", "none", True, (0.8, 3.0), 12),
    ("SWB", "Alcohol prep pad {}", ("small", "medium", "large"), "Units", "none", False, (0.02, 0.06), 200),
    ("SPG", "Specimen container sterile {}", ("30ml", "60ml", "120ml"), "Units", "lot", False, (0.2, 0.7), 100),
    ("TUB-S", "Suction catheter {}", ("8Fr", "10Fr", "12Fr", "14Fr", "16Fr"), "Units", "lot", True, (0.4, 1.2), 50),
    ("NGT", "Nasogastric tube {}", ("8Fr", "10Fr", "12Fr", "14Fr", "16Fr", "18Fr"), "Units", "lot", True, (1.5, 5.0), 10),
    ("BLD", "Scalpel blade sterile no. {}", ("10", "11", "15", "20", "22"), "Units", "lot", True, (0.3, 0.9), 100),
    ("GWN", "Isolation gown {}", ("M", "L", "XL"), "Units", "none", False, (0.6, 2.0), 10),
    ("TRQ", "Tourniquet single-use {}", ("adult", "paediatric"), "Units", "none", False, (0.2, 0.5), 25),
    ("LAN", "Safety lancet {}", ("21G", "23G", "28G"), "Units", "lot", True, (0.05, 0.2), 200),
    ("CHX", "Chlorhexidine applicator {}", ("1ml", "3ml", "10.5ml", "26ml"), "Units", "lot", True, (0.8, 4.5), 25),
    ("PAD", "Incontinence pad {}", ("light", "normal", "super", "night"), "Units", "none", False, (0.2, 0.9), 30),
    ("OXM", "Oxygen mask with tubing {}", ("adult", "paediatric", "non-rebreather"), "Units", "none", True, (1.0, 4.0), 10),
    ("NEB", "Nebuliser kit {}", ("adult", "paediatric"), "Units", "lot", True, (2.0, 6.0), 10),
    ("SPN", "Spinal needle Quincke {}", ("22G 90mm", "25G 90mm", "27G 90mm"), "Units", "lot", True, (4.0, 10.0), 10),
    ("CVC", "Central venous catheter kit {}", ("triple lumen 7Fr", "double lumen 7Fr", "single lumen 5Fr"), "Units", "serial", True, (45.0, 120.0), 0),
    ("EXT", "Extension set with clamp {}", ("10cm", "25cm", "150cm"), "Units", "lot", True, (0.8, 2.5), 50),
    ("STK", "Stockinette tubular {}", ("2.5cm", "5cm", "7.5cm", "10cm"), "Rolls", "none", False, (2.0, 6.0), 0),
    ("PLA", "Plaster of Paris bandage {}", ("7.5cm", "10cm", "15cm"), "Rolls", "lot", True, (1.0, 3.0), 12),
    ("TGT", "Thermometer probe cover {}", ("oral", "tympanic"), "Units", "none", False, (0.02, 0.05), 500),
    ("UBG", "Urine drainage bag {}", ("2L", "leg 500ml", "leg 750ml"), "Units", "lot", True, (1.0, 3.5), 10),
    ("HEM", "Haemostatic gauze {}", ("5x5cm", "10x10cm"), "Units", "lot", True, (15.0, 40.0), 0),
    ("VAC", "Blood collection tube {}", ("EDTA 4ml", "serum 5ml", "citrate 2.7ml", "heparin 4ml", "glucose 2ml"), "Units", "lot", False, (0.1, 0.3), 100),
    ("SHRP", "Sharps container {}", ("1L", "3L", "7L"), "Units", "none", False, (1.5, 5.0), 0),
    ("BAG", "Clinical waste bag {}", ("yellow", "orange", "tiger"), "Units", "none", False, (0.05, 0.15), 50),
)

COMPANY_PREFIX = "761234"  # a made-up GS1 company prefix; every GTIN below still carries a correct check digit


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for a GTIN or SSCC body (weights 3,1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gtin14(indicator: int, item_reference: int) -> str:
    body = f"{indicator}{COMPANY_PREFIX}{item_reference:06d}"
    return body + gs1_check_digit(body)


def demo_products() -> list[dict]:
    rng = random.Random(2026)
    products = []
    for stem, name, sizes, uom, tracking, billable, (low, high), pack in FAMILIES:
        for size in sizes:
            number = len(products) + 1
            ref = f"{stem}-{size.upper().replace(' ', '').replace('/', '')[:10]}"
            products.append({
                "ref": ref, "name": name.format(size), "uom": uom, "tracking": tracking, "billable": billable,
                "price": round(rng.uniform(low, high), 2), "barcode": gtin14(0, number),
                "pack": (gtin14(1, number), pack) if pack else None,
            })
    # Bulk out to a realistic cupboard with brand variants of the same families.
    brands = (("Medline", "MDL"), ("BD", "BD"), ("B. Braun", "BBR"), ("Smiths", "SMI"), ("3M", "3M"),
              ("Mölnlycke", "MOL"), ("Cardinal", "CAR"), ("Teleflex", "TFX"))
    base = list(products)
    for brand, code in brands:
        for item in base[::4]:
            number = len(products) + 1
            products.append({**item, "ref": f"{item['ref']}-{code}",
                             "name": f"{item['name']} ({brand})", "barcode": gtin14(0, number),
                             "pack": (gtin14(1, number), item["pack"][1]) if item["pack"] else None,
                             "price": round(item["price"] * rng.uniform(0.9, 1.2), 2)})
    return products


DEMO_USERS = (
    ("nurse", ("requester",), ("WARD-4B",)),
    ("receiver", ("receiver",), ("WH-STOCK",) + DEPARTMENTS),
    ("counter", ("counter",), ("WH-STOCK",) + DEPARTMENTS),
    ("supervisor", ("supervisor",), ("WH-STOCK",) + DEPARTMENTS),
    ("admin", ("admin",), ()),
)


def journal_is_empty(session: Session) -> bool:
    counts = [session.scalar(select(func.count()).select_from(model)) for model in (User, Location, Product, Action)]
    return not any(counts)


def seed_demo(session: Session) -> dict:
    """Writes the demo hospital; the caller checks `journal_is_empty` first and commits."""
    locations = {code: Location(code=code, name=name, kind=kind) for code, name, kind in LOCATIONS}
    session.add_all(locations.values())
    products = []
    for item in demo_products():
        product = Product(ref=item["ref"], name=item["name"], uom=item["uom"], tracking=item["tracking"],
                          billable=item["billable"], price=item["price"])
        product.barcodes.append(Barcode(code=item["barcode"], qty=1))
        if item["pack"]:
            product.barcodes.append(Barcode(code=item["pack"][0], qty=item["pack"][1]))
        products.append(product)
    session.add_all(products)
    rng = random.Random(4)
    pars = []
    for code in DEPARTMENTS:
        for product in rng.sample(products[:150], 40):
            low = rng.choice((2, 5, 10, 20))
            pars.append(ParLevel(location=locations[code], product=product, min_qty=low, max_qty=low * 3))
    session.add_all(pars)
    # Last known stock: some par items run low (so requisitions have something to suggest), one is out.
    levels = [StockLevel(location=par.location, product=par.product, qty=float(rng.randint(0, int(par.max_qty))))
              for par in pars]
    levels += [StockLevel(location=locations["WH-STOCK"], product=product, qty=float(rng.randint(50, 2000)))
               for product in products]
    session.add_all(levels)
    # Deliveries on their way to Ward 4B, as Odoo's transfers would report them, so Confirm arrival can be tried.
    transfers = [Transfer(name="DEMO/INT/0001", location=locations["WARD-4B"], status="on_its_way",
                          lines=[{"ref": "MSK-ADULT", "qty": 100.0}, {"ref": "SWB-MEDIUM", "qty": 400.0},
                                 {"ref": "TAP-PAPER2.5CM", "qty": 24.0}]),
                 Transfer(name="DEMO/INT/0002", location=locations["WARD-4B"], status="sent",
                          lines=[{"ref": "GWN-L", "qty": 20.0}, {"ref": "PAD-NORMAL", "qty": 60.0}])]
    session.add_all(transfers)
    stamp(session, *locations.values(), *products, *pars, *levels, *transfers)
    for login, roles, codes in DEMO_USERS:
        session.add(User(login=login, password_hash=hash_password(DEMO_PASSWORD), roles=" ".join(roles),
                         locations=[locations[code] for code in codes]))
    return {"locations": len(locations), "products": len(products), "par levels": len(pars),
            "stock levels": len(levels), "transfers": len(transfers), "users": len(DEMO_USERS)}
