"""Barcode images made in the tests: GS1 DataMatrix and GS1-128 (zxing-cpp's writer), QR (qrcode), EAN-13 and Code 128."""
from __future__ import annotations

from io import BytesIO

import qrcode
import zxingcpp
from PIL import Image

FORMATS = {"data_matrix": zxingcpp.BarcodeFormat.DataMatrix, "code_128": zxingcpp.BarcodeFormat.Code128,
           "ean_13": zxingcpp.BarcodeFormat.EAN13, "qr_code": zxingcpp.BarcodeFormat.QRCode}


def symbol(text: str, symbology: str, scale: int = 4, gs1: bool = False) -> Image.Image:
    """A black-on-white symbol with its quiet zone; GS1 content is given in bracketed form, e.g. (01)…(10)…"""
    if symbology == "qr_code" and not gs1:
        return qrcode.make(text, box_size=scale * 2, border=4).get_image().convert("L")
    barcode = zxingcpp.create_barcode(text, FORMATS[symbology], **({"gs1": True} if gs1 else {}))
    image = barcode.to_image(scale=scale)
    height, width = image.shape[:2]
    return Image.frombytes("L", (width, height), bytes(memoryview(image)))


def on_canvas(*symbols: Image.Image, size: tuple[int, int] = (640, 480), angle: float = 0) -> Image.Image:
    """Symbols laid side by side on a light grey page, slightly turned, like a photo of a label."""
    canvas = Image.new("L", size, 235)
    x = 20
    for item in symbols:
        canvas.paste(item, (x, (size[1] - item.height) // 2))
        x += item.width + 20
    return canvas.rotate(angle, fillcolor=235) if angle else canvas


def encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
