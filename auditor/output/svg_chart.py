"""Stacked bar charts as inline SVG, drawn here so a report page needs no script and no outside resource.

Every label is outside text (key names, ids): it goes through escape.html. Colours are the caller's choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.output.escape import html

WIDTH, HEIGHT = 960, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 16, 48  # the plot area's margins, room for the axes' labels
_LEGEND_ROW = 20
_MAX_X_LABELS = 12
_MAX_BAR = 48  # a few runs still look like bars, not walls


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]
    colour: str


def stacked_bars(title: str, x_labels: list[str], series: list[Series]) -> str:
    """One bar per x label, each series' value stacked in order, with a y axis, x labels and a legend."""
    totals = [sum(s.values[i] for s in series) for i in range(len(x_labels))]
    top = _nice_top(max(totals, default=0))
    plot_width, plot_height = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    height = HEIGHT + _LEGEND_ROW * max((len(series) + 3) // 4 - 1, 0)
    slot = plot_width / max(len(x_labels), 1)
    bar = min(max(slot * 0.7, 1.0), _MAX_BAR)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{html(title)}</title>",
    ]
    for step in range(5):  # horizontal grid lines with their values
        value = top * step // 4
        y = _TOP + plot_height - plot_height * step / 4
        out.append(f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{value}</text>')
    for i, label in enumerate(x_labels):
        x = _LEFT + slot * i + (slot - bar) / 2
        base = _TOP + plot_height
        for s in series:
            if s.values[i]:
                h = plot_height * s.values[i] / top
                base -= h
                out.append(
                    f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{s.colour}">'
                    f"<title>{html(label)}: {html(s.label)} {s.values[i]}</title></rect>"
                )
        if i % _label_every(len(x_labels)) == 0:
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{_TOP + plot_height + 16}" text-anchor="middle" fill="#555">'
                f"{html(label)}</text>"
            )
    for n, s in enumerate(series):  # legend: four entries a row
        x, y = _LEFT + (n % 4) * (plot_width / 4), HEIGHT - 12 + _LEGEND_ROW * (n // 4)
        out.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{s.colour}"/>')
        out.append(f'<text x="{x + 14:.1f}" y="{y}">{html(_shorten(s.label))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _nice_top(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n, times 4 (four grid steps), at or above `value`; 4 for an empty chart."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale * 4 >= value:
                return step * scale * 4
        scale *= 10


def _label_every(count: int) -> int:
    return max(1, -(-count // _MAX_X_LABELS))


def _shorten(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
