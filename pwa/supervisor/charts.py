"""Small charts drawn on the server as SVG: no script, no CDN, readable when printed, colours from the stylesheet.

Text and numbers are escaped by markupsafe; the strict CSP allows inline SVG elements (they are not styles).
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

WIDTH = 480  # about a card's width on a tablet: the text stays at its size
ROW = 30
LABEL_WIDTH = 130
VALUE_WIDTH = 170


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the reader should see it ("12", "83 %", "4 h")
    tone: str = "normal"  # normal, warn, bad: a class the stylesheet colours (the text says it too)


def bar_chart(title: str, bars: list[Bar], empty: str = "Nothing to show.") -> Markup:
    """Horizontal bars, one row per item, the value written at the end of each bar."""
    if not bars:
        return Markup('<p class="muted chart-empty">{}</p>').format(empty)
    height = ROW * len(bars) + 8
    top = max((bar.value for bar in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * ROW
        length = max(0.0, bar.value) / top * span
        rows.append(Markup(
            '<g class="bar bar-{tone}"><text x="{lx}" y="{ty}" class="chart-label" text-anchor="end">{label}</text>'
            '<rect x="{x}" y="{y}" width="{w:.1f}" height="{h}" rx="3"></rect>'
            '<text x="{vx:.1f}" y="{ty}" class="chart-value">{shown}</text></g>').format(
            tone=bar.tone if bar.tone in ("normal", "warn", "bad") else "normal", lx=LABEL_WIDTH - 8,
            ty=y + ROW / 2 + 5, label=_clip(bar.label), x=LABEL_WIDTH, y=y + 3, w=length, h=ROW - 8,
            vx=LABEL_WIDTH + length + 6, shown=bar.shown))
    return Markup('<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" '
                  'preserveAspectRatio="xMinYMin meet"><title>{title}</title>{rows}</svg>').format(
        w=WIDTH, h=height, title=title, rows=Markup("").join(rows))


def _clip(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def percent(part: float, whole: float) -> str:
    return "—" if not whole else f"{round(100 * part / whole)} %"

