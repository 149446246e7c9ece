"""Charts drawn on the server as SVG: no script, nothing from elsewhere, readable without colour.

Every bar carries its numbers as text, capacity is a dashed line with its own label, a month over
capacity is hatched as well as coloured, and a closed month says so in words. The SVG has a title
and a description for screen readers; the page shows the same numbers in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from tribe_sync.console.format import dutch_number

__all__ = ["MonthBar", "month_chart"]

WIDTH = 960
HEIGHT = 320
TOP, BOTTOM, LEFT, RIGHT = 36, 64, 48, 16


@dataclass(frozen=True)
class MonthBar:
    code: str  # 2027-01
    label: str  # januari 2027
    requested: int
    capacity: int | None  # None: no limit
    is_open: bool


def month_chart(bars: list[MonthBar], title: str = "Aangevraagd tegen capaciteit per maand") -> str:
    """Requested devices per month as bars against the month's capacity (a dashed line)."""
    if not bars:
        return ""
    top_value = max([b.requested for b in bars] + [b.capacity or 0 for b in bars] + [1])
    scale = (HEIGHT - TOP - BOTTOM) / (top_value * 1.1)
    slot = (WIDTH - LEFT - RIGHT) / len(bars)
    bar_width = min(90.0, slot * 0.6)
    base = HEIGHT - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="maandgrafiek-titel maandgrafiek-uitleg" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="maandgrafiek-titel">{escape(title)}</title>',
        '<desc id="maandgrafiek-uitleg">'
        + escape(
            "; ".join(
                f"{b.label}: {dutch_number(b.requested)} aangevraagd, capaciteit "
                f"{dutch_number(b.capacity) if b.capacity is not None else 'onbeperkt'}, "
                f"{'open' if b.is_open else 'gesloten'}"
                for b in bars
            )
        )
        + "</desc>",
        '<defs><pattern id="arcering" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#e8a09a"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#b3261e" stroke-width="3"/></pattern></defs>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#5a6275"/>',
    ]
    for index, bar in enumerate(bars):
        centre = LEFT + slot * index + slot / 2
        x = centre - bar_width / 2
        height = bar.requested * scale
        over = bar.capacity is not None and bar.requested > bar.capacity
        fill = "url(#arcering)" if over else ("#8fb4e3" if bar.is_open else "#c3c8d4")
        capacity = "onbeperkt" if bar.capacity is None else dutch_number(bar.capacity)
        parts.append(
            f'<g class="month" data-month="{escape(bar.code)}" data-requested="{bar.requested}" '
            f'data-capacity="{"" if bar.capacity is None else bar.capacity}" '
            f'data-open="{"ja" if bar.is_open else "nee"}">'
        )
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - height:.1f}" width="{bar_width:.1f}" '
            f'height="{height:.1f}" fill="{fill}" stroke="#1d2433" stroke-width="1"/>'
        )
        if bar.capacity is not None:
            y = base - bar.capacity * scale
            parts.append(
                f'<line class="cap" x1="{x - 8:.1f}" y1="{y:.1f}" x2="{x + bar_width + 8:.1f}" y2="{y:.1f}" '
                'stroke="#1d2433" stroke-width="3" stroke-dasharray="6 3"/>'
            )
        label_y = min(base - height, base - (bar.capacity or 0) * scale) - 8
        parts.append(
            f'<text class="value" x="{centre:.1f}" y="{label_y:.1f}" text-anchor="middle">'
            f"{dutch_number(bar.requested)} / {capacity}{' (vol)' if over else ''}</text>"
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{base + 18}" text-anchor="middle">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{base + 36}" text-anchor="middle" font-style="italic">'
            f"{'open' if bar.is_open else 'gesloten'}</text>"
        )
        parts.append("</g>")
    parts.append(
        f'<text x="{LEFT}" y="20">Balk: aangevraagd · gestreepte lijn: capaciteit · '
        "gearceerd: meer aangevraagd dan capaciteit</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
