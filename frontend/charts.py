"""Charts drawn as SVG on the server: no JavaScript library, nothing for the CSP to allow,
readable without scripts. Every label goes through ``escape``; the result is Markup only
because it is built here from escaped parts."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#4b5563")


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: object, cls: str = "", anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">'
        f"{escape(str(text))}</text>"
    )


def line_chart(
    series: dict[str, Sequence[tuple[str, float | None]]],
    title: str,
    y_max: float = 1.0,
    threshold: float | None = None,
) -> Markup:
    """One line per series of (x label, value); values in [0, y_max]; None leaves a gap."""
    width, height, left, right, top, bottom = 640, 260, 44, 120, 16, 40
    xs = sorted({x for points in series.values() for x, _ in points})
    body: list[str] = []
    if not xs:
        body.append(_text(width / 2, height / 2, "No data yet", "muted", "middle"))
        return _svg(width, height, title, body)
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: str) -> float:
        return left + (xs.index(x) / max(len(xs) - 1, 1)) * plot_w

    def py(v: float) -> float:
        return top + plot_h * (1 - min(max(v / y_max, 0), 1))

    for i in range(5):
        v = y_max * i / 4
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{py(v):.1f}" y2="{py(v):.1f}" '
            'class="grid"/>'
        )
        body.append(_text(left - 6, py(v) + 4, f"{v:.2f}", "axis", "end"))
    step = max(1, len(xs) // 6)
    for x in xs[::step]:
        body.append(_text(px(x), height - bottom + 16, x, "axis", "middle"))
    if threshold is not None:
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{py(threshold):.1f}" '
            f'y2="{py(threshold):.1f}" class="threshold"/>'
        )
    for i, (name, points) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        segment: list[str] = []
        for x, v in points:
            if v is None:
                if segment:
                    body.append(_polyline(segment, colour))
                segment = []
                continue
            segment.append(f"{px(x):.1f},{py(v):.1f}")
            body.append(
                f'<circle cx="{px(x):.1f}" cy="{py(v):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} {escape(x)}: {v:.3f}</title></circle>"
            )
        if segment:
            body.append(_polyline(segment, colour))
        y = top + 14 + i * 18
        body.append(
            f'<rect x="{left + plot_w + 12}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
        )
        body.append(_text(left + plot_w + 26, y, name, "legend"))
    return _svg(width, height, title, body)


def _polyline(points: list[str], colour: str) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'


def bar_chart(bars: Sequence[tuple[str, float]], title: str, x_max: float = 1.0) -> Markup:
    """Horizontal bars (label, value in [0, x_max]), one per row, value printed at the end."""
    row, left, width = 22, 340, 720
    height = max(row * len(bars) + 10, 40)
    body: list[str] = []
    if not bars:
        body.append(_text(width / 2, 24, "No data yet", "muted", "middle"))
    plot_w = width - left - 60
    for i, (label, value) in enumerate(bars):
        y = 5 + i * row
        w = plot_w * min(max(value / x_max if x_max else 0, 0), 1)
        body.append(_text(left - 8, y + 14, label, "axis", "end"))
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
            f'class="bar"><title>{escape(label)}: {value:.3f}</title></rect>'
        )
        body.append(
            _text(left + w + 6, y + 14, f"{value:.2f}" if x_max <= 1 else f"{value:g}", "value")
        )
    return _svg(width, height, title, body)


def heatmap(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str) -> Markup:
    """A confusion matrix (rows: true class, columns: predicted), shaded by row share."""
    n = len(matrix)
    cell, left, top = 18, 64, 64
    size = left + cell * max(n, 1) + 8
    body: list[str] = []
    if n == 0:
        body.append(_text(size / 2, 40, "No confusion matrix", "muted", "middle"))
        return _svg(size, 80, title, body)
    for i, label in enumerate(labels[:n]):
        y = top + i * cell + cell * 0.7
        body.append(_text(left - 4, y, label, "tick", "end"))
        x = left + i * cell + cell * 0.6
        body.append(
            f'<text x="{x:.1f}" y="{top - 4}" class="tick" '
            f'transform="rotate(-60 {x:.1f} {top - 4})">{escape(label)}</text>'
        )
    for i, cells in enumerate(matrix):
        total = sum(cells) or 1
        for j, count in enumerate(cells):
            share = count / total
            colour = f"rgba(37,99,235,{0.06 + 0.94 * share:.3f})" if count else "#f3f4f6"
            tip = f"true {labels[i]}, predicted {labels[j]}: {count} ({share:.0%})"
            body.append(
                f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" '
                f'height="{cell - 1}" fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
    body.append(_text(left, size + top - 62, "rows: true class · columns: predicted", "muted"))
    return _svg(size, size + top - 50, title, body)
