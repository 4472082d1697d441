"""Draws the app's icons (static/icons/) with Pillow: `python -m pwa.icons`. The PNGs are committed."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
BRAND, PAPER = (11, 92, 173), (255, 255, 255)


def draw(size: int, maskable: bool) -> Image.Image:
    """A white cross over a scanned box on the brand blue; maskable icons keep it inside the 80% safe zone."""
    image = Image.new("RGB", (size, size), BRAND)
    pen = ImageDraw.Draw(image)
    inset = size * (0.2 if maskable else 0.1)
    box = (inset, inset, size - inset, size - inset)
    if not maskable:
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        pen = ImageDraw.Draw(image)
        pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=size * 0.18, fill=BRAND)
    left, top, right, bottom = box
    width = right - left
    stroke = max(2, round(width * 0.05))
    corner = width * 0.22
    for x, y, dx, dy in ((left, top, 1, 1), (right, top, -1, 1), (left, bottom, 1, -1), (right, bottom, -1, -1)):
        pen.line([(x, y + dy * corner), (x, y), (x + dx * corner, y)], fill=PAPER, width=stroke, joint="curve")
    middle_x, middle_y = (left + right) / 2, (top + bottom) / 2
    arm, thick = width * 0.28, width * 0.11
    pen.rectangle((middle_x - thick, middle_y - arm, middle_x + thick, middle_y + arm), fill=PAPER)
    pen.rectangle((middle_x - arm, middle_y - thick, middle_x + arm, middle_y + thick), fill=PAPER)
    return image


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        for purpose in ("any", "maskable"):
            draw(size, purpose == "maskable").save(ICONS / f"icon-{purpose}-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
