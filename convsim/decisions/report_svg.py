"""Drawing pieces of the HTML report: inline SVG charts, tables, badges and the CSS.

No dependency and no network: each chart function returns one `<svg>` element
as a string, sized by its `viewBox` so it scales with the page. Every label
goes through `html.escape`; numbers are rounded so the output is stable across
platforms. `convsim.decisions.report` (the data side) is the only user.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#4c78a8", "#e45756", "#54a24b", "#b279a2", "#f58518", "#72b7b2", "#9d755d")
OUTCOME_COLOURS = {"completed": "#54a24b", "agent_ended": "#88c77f", "transferred": "#4c78a8",
                   "escalated": "#4c78a8", "abandoned": "#bab0ac", "max_turns": "#f2cf5b",
                   "timeout": "#f58518", "agent_error": "#e45756", "simulator_error": "#b279a2"}
CHAR_W = 6.4  # average glyph width at 11-12px, for layout only


def nice_step(span: float, target: int) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) that cuts `span` into about `target` parts."""
    raw = span / max(1, target)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next((m * mag for m in (1, 2, 2.5, 5) if m * mag >= raw), 10 * mag)


def fmt_edge(edge: float, width: float, integer: bool) -> str:
    """Label of a histogram bin starting at `edge`."""
    if integer and width > 1:
        return f"{edge:g}–{edge + width - 1:g}"
    return f"{edge:g}"


def version_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(label)}" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
            '>' + "".join(body) + "</svg>")


def _text(x: float, y: float, s: str, size: int = 11, anchor: str = "start",
          fill: str = "#333", weight: str = "normal", title: str | None = None) -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}">{tip}{escape(s)}</text>')


def _fit(s: str, width: float, size: int = 11) -> str:
    room = max(1, int(width / (CHAR_W * size / 11)))
    return s if len(s) <= room else s[: max(1, room - 1)] + "…"


def rate_colour(rate: float) -> str:
    """Red (0%) through amber (50%) to green (100%), softened for text on top."""
    stops = ((0.0, (215, 48, 39)), (0.5, (253, 204, 101)), (0.8, (217, 239, 139)),
             (1.0, (26, 152, 80)))
    rate = min(1.0, max(0.0, rate))
    for (a, ca), (b, cb) in zip(stops, stops[1:], strict=False):
        if rate <= b:
            t = (rate - a) / (b - a) if b > a else 0.0
            rgb = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#1a9850"


def _ink(rate: float) -> str:
    return "#fff" if rate < 0.2 or rate > 0.93 else "#222"


@dataclass(frozen=True)
class Interval:
    """One dot with whiskers: a pass rate and its 95% interval."""

    label: str
    series: str
    rate: float | None
    low: float
    high: float
    passed: int
    n: int


def interval_chart(rows: Sequence[Interval], series: Sequence[str], width: int = 1000) -> str:
    """Pass rate per label (metric) with one dot-and-whisker line per series (version)."""
    labels = list(dict.fromkeys(r.label for r in rows))
    left, right, top, line = 230, 150, 34, 16
    plot = width - left - right
    group_h = line * len(series) + 12
    height = top + group_h * len(labels) + 24
    body = []
    for i, s in enumerate(series):  # legend
        lx = left + i * 110
        body.append(f'<circle cx="{_n(lx + 5)}" cy="12" r="5" fill="{version_colour(i)}"/>')
        body.append(_text(lx + 14, 16, s, 12))
    x = 0.0
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + plot * tick
        body.append(f'<line x1="{_n(x)}" y1="{top - 6}" x2="{_n(x)}" y2="{_n(height - 20)}" '
                    'stroke="#e3e3e3"/>')
        body.append(_text(x, height - 6, f"{tick:.0%}", 10, "middle", "#777"))
    by_key = {(r.label, r.series): r for r in rows}
    for gi, label in enumerate(labels):
        y0 = top + gi * group_h
        if gi % 2 == 0:
            body.append(f'<rect x="0" y="{_n(y0 - 4)}" width="{width}" height="{_n(group_h)}" '
                        'fill="#f7f7f9"/>')
        body.append(_text(8, y0 + group_h / 2 - 2, _fit(label, left - 16, 12), 12, title=label))
        for si, s in enumerate(series):
            r = by_key.get((label, s))
            y = y0 + 6 + si * line
            if r is None or r.rate is None:
                body.append(_text(left + 4, y + 4, "not scored", 10, fill="#999"))
                continue
            colour = version_colour(si)
            x_lo, x_hi, x = (left + plot * v for v in (r.low, r.high, r.rate))
            tip = f"{s} {label}: {r.rate:.1%} ({r.passed}/{r.n}), 95% CI {r.low:.0%}–{r.high:.0%}"
            body.append(f'<g><title>{escape(tip)}</title>'
                        f'<line x1="{_n(x_lo)}" y1="{_n(y)}" x2="{_n(x_hi)}" y2="{_n(y)}" '
                        f'stroke="{colour}" stroke-width="2"/>'
                        f'<line x1="{_n(x_lo)}" y1="{_n(y - 4)}" x2="{_n(x_lo)}" y2="{_n(y + 4)}" '
                        f'stroke="{colour}" stroke-width="1.5"/>'
                        f'<line x1="{_n(x_hi)}" y1="{_n(y - 4)}" x2="{_n(x_hi)}" y2="{_n(y + 4)}" '
                        f'stroke="{colour}" stroke-width="1.5"/>'
                        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{colour}"/></g>')
            body.append(_text(left + plot + 12, y + 4, f"{r.rate:.1%}  {r.passed}/{r.n}", 11,
                              fill=colour))
    return _svg(width, height, body, "pass rate per metric with 95% intervals")


@dataclass(frozen=True)
class Cell:
    """One heatmap cell: passed of n (rate None when nothing was scored)."""

    passed: int
    n: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.n if self.n else None


def heatmap(rows: Sequence[str], groups: Sequence[str], series: Sequence[str],
            cells: dict[tuple[str, str, str], Cell], label: str) -> str:
    """Rows (e.g. intents) × column groups (metrics), one sub-column per series (version)."""
    left, cell_w, cell_h, head = 170, 66, 34, 46
    width = left + cell_w * len(groups) * len(series) + 10
    height = head + cell_h * len(rows) + 8
    body = []
    group_w = cell_w * len(series)
    for gi, group in enumerate(groups):
        x = left + gi * group_w
        first, _, rest = group.partition(":")
        lines = [first + ":", rest] if rest else [group]
        for li, part in enumerate(lines):
            body.append(_text(x + group_w / 2, 12 + li * 12, _fit(part, group_w - 6), 11, "middle",
                              weight="bold", title=group))
        for si, s in enumerate(series):
            body.append(_text(x + si * cell_w + cell_w / 2, head - 6, _fit(s, cell_w - 4), 10,
                              "middle", version_colour(si), "bold"))
        if gi:
            body.append(f'<line x1="{_n(x)}" y1="{head - 18}" x2="{_n(x)}" y2="{_n(height - 8)}" '
                        'stroke="#fff" stroke-width="3"/>')
    for ri, row in enumerate(rows):
        y = head + ri * cell_h
        body.append(_text(left - 8, y + cell_h / 2 + 4, _fit(row, left - 12), 12, "end", title=row))
        for gi, group in enumerate(groups):
            for si, s in enumerate(series):
                x = left + gi * group_w + si * cell_w
                c = cells.get((row, group, s))
                rate = c.rate if c else None
                if c is None or rate is None:
                    body.append(f'<rect x="{_n(x + 1)}" y="{_n(y + 1)}" width="{cell_w - 2}" '
                                f'height="{cell_h - 2}" fill="#f1f1f1"/>')
                    body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, "–", 11, "middle", "#aaa"))
                    continue
                tip = f"{s} · {group} · {row}: {c.passed}/{c.n} passed ({rate:.1%})"
                ink = _ink(rate)
                body.append(f'<g><title>{escape(tip)}</title><rect x="{_n(x + 1)}" y="{_n(y + 1)}" '
                            f'width="{cell_w - 2}" height="{cell_h - 2}" rx="2" '
                            f'fill="{rate_colour(rate)}"/>'
                            + _text(x + cell_w / 2, y + 15, f"{rate:.0%}", 12, "middle", ink, "bold")
                            + _text(x + cell_w / 2, y + 27, f"n={c.n}", 9, "middle", ink) + "</g>")
    return _svg(width, height, body, label)


def confusion(matrix: dict[tuple[bool, bool], int], title: str, colour: str) -> str:
    """2×2 escalation matrix: expected (rows) × escalated (columns); off-diagonal in red."""
    left, top, cw, ch = 112, 44, 96, 50
    width, height = left + 2 * cw + 8, top + 2 * ch + 8
    total = sum(matrix.values()) or 1
    body = [_text(8, 14, title, 12, fill=colour, weight="bold"),
            _text(left + cw, 30, "agent escalated?", 10, "middle", "#666")]
    for ci, col in enumerate((True, False)):
        body.append(_text(left + ci * cw + cw / 2, top - 2, "yes" if col else "no", 11, "middle"))
    for ri, row in enumerate((True, False)):
        y = top + ri * ch
        body.append(_text(left - 8, y + ch / 2 - 2, "expected" if ri == 0 else "not", 11, "end"))
        body.append(_text(left - 8, y + ch / 2 + 11, "escalation" if ri == 0 else "expected", 11,
                          "end"))
        for ci, col in enumerate((True, False)):
            n = matrix.get((row, col), 0)
            share = n / total
            base = (84, 162, 75) if row == col else (228, 87, 86)
            alpha = 0.12 + 0.78 * share if n else 0.04
            fill = f"rgba({base[0]},{base[1]},{base[2]},{alpha:.2f})"
            ink = "#fff" if alpha > 0.6 else "#222"
            x = left + ci * cw
            body.append(f'<rect x="{_n(x + 1)}" y="{_n(y + 1)}" width="{cw - 2}" height="{ch - 2}" '
                        f'rx="3" fill="{fill}" stroke="#ddd"/>')
            body.append(_text(x + cw / 2, y + ch / 2 + 2, str(n), 15, "middle", ink, "bold"))
            body.append(_text(x + cw / 2, y + ch / 2 + 16, f"{share:.0%}", 10, "middle", ink))
    return _svg(width, height, body, f"escalation confusion matrix {title}")


def histogram(bins: Sequence[str], counts: Mapping[str, Sequence[int]], series: Sequence[str],
              x_label: str, width: int = 1000) -> str:
    """Grouped bars: one bar per series (version) in each bin; y is the share of that series."""
    left, right, top, bottom = 48, 12, 26, 46
    height = 230
    plot_w, plot_h = width - left - right, height - top - bottom
    shares = {s: [c / (sum(counts[s]) or 1) for c in counts[s]] for s in series}
    top_share = max((v for s in series for v in shares[s]), default=0.0) or 1.0
    tick = nice_step(top_share, 4)
    peak = tick * math.ceil(top_share / tick - 1e-9)
    body = []
    for i, s in enumerate(series):
        x = left + i * 110
        body.append(f'<rect x="{_n(x)}" y="6" width="10" height="10" fill="{version_colour(i)}"/>')
        body.append(_text(x + 14, 15, f"{s} (n={sum(counts[s])})", 11))
    for k in range(round(peak / tick) + 1):
        y = top + plot_h - plot_h * k * tick / peak
        body.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" '
                    'stroke="#eee"/>')
        body.append(_text(left - 6, y + 4, f"{k * tick:.0%}", 10, "end", "#777"))
    slot = plot_w / max(1, len(bins))
    bar = max(1.0, (slot - 4) / max(1, len(series)))
    step = max(1, int(len(bins) * 34 / plot_w) + 1)
    for bi, b in enumerate(bins):
        x0 = left + bi * slot + 2
        for si, s in enumerate(series):
            h = plot_h * shares[s][bi] / peak
            tip = f"{s}, {x_label} {b}: {counts[s][bi]} ({shares[s][bi]:.1%})"
            body.append(f'<rect x="{_n(x0 + si * bar)}" y="{_n(top + plot_h - h)}" '
                        f'width="{_n(bar)}" height="{_n(h)}" fill="{version_colour(si)}">'
                        f'<title>{escape(tip)}</title></rect>')
        if bi % step == 0:
            body.append(_text(x0 + (slot - 4) / 2, top + plot_h + 14, b, 10, "middle", "#555"))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
                f'y2="{top + plot_h}" stroke="#999"/>')
    body.append(_text(left + plot_w / 2, height - 8, x_label, 11, "middle", "#555"))
    return _svg(width, height, body, f"distribution of {x_label}")


def stacked_bars(rows: Sequence[str], parts: dict[str, dict[str, int]], width: int = 1000) -> str:
    """One 100% bar per row (version), segments per outcome, with a legend."""
    left, right, bar_h, gap, top = 80, 20, 24, 10, 8
    keys = sorted({k for p in parts.values() for k in p},
                  key=lambda k: (list(OUTCOME_COLOURS).index(k) if k in OUTCOME_COLOURS else 99, k))
    height = top + len(rows) * (bar_h + gap) + 28
    plot = width - left - right
    body = []
    for ri, row in enumerate(rows):
        y = top + ri * (bar_h + gap)
        body.append(_text(left - 8, y + bar_h / 2 + 4, _fit(row, left - 10), 12, "end",
                          version_colour(ri), "bold"))
        total = sum(parts.get(row, {}).values()) or 1
        x = float(left)
        for key in keys:
            n = parts.get(row, {}).get(key, 0)
            if not n:
                continue
            w = plot * n / total
            fill = OUTCOME_COLOURS.get(key, "#9d755d")
            body.append(f'<rect x="{_n(x)}" y="{y}" width="{_n(w)}" height="{bar_h}" fill="{fill}">'
                        f"<title>{escape(f'{row} {key}: {n} ({n / total:.1%})')}</title></rect>")
            if w > 70:
                body.append(_text(x + 6, y + bar_h / 2 + 4, _fit(f"{key} {n}", w - 8), 11,
                                  fill="#fff", weight="bold"))
            x += w
    x = float(left)
    y = height - 10
    for key in keys:
        body.append(f'<rect x="{_n(x)}" y="{y - 9}" width="10" height="10" '
                    f'fill="{OUTCOME_COLOURS.get(key, "#9d755d")}"/>')
        body.append(_text(x + 14, y, key, 11))
        x += 26 + CHAR_W * len(key)
    return _svg(width, height, body, "outcomes per agent version")


# --------------------------------------------------------------------------- html pieces


def table(head: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "",
          row_cls: Sequence[str] | None = None) -> str:
    """An HTML table; head and cells are already-escaped HTML."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(f'<tr class="{row_cls[i] if row_cls else ""}">'
                   + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for i, r in enumerate(rows))
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def badge(text: str, kind: str) -> str:
    return f'<span class="badge {escape(kind)}">{escape(text)}</span>'


def version_badge(version: str, index: int) -> str:
    return (f'<span class="vbadge" style="background:{version_colour(index)}">'
            f"{escape(version)}</span>")


CSS = """
:root{--fg:#1f2328;--muted:#656d76;--line:#d8dee4;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:#fff}
main{max-width:1080px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:40px 0 10px;padding-top:8px;
border-top:2px solid var(--line)}h3{font-size:15px;margin:22px 0 8px}
.muted{color:var(--muted)}.nw{white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.facts{display:flex;flex-wrap:wrap;gap:6px 22px;margin:12px 0}.facts div{display:flex;gap:6px}
.facts dt{color:var(--muted)}.facts dd{margin:0;font-weight:600}
.bigs{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.big{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 16px;min-width:110px}
.big b{display:block;font-size:22px}.big span{color:var(--muted);font-size:12px}
nav{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 16px;margin:16px 0}
nav ol{margin:0;padding-left:20px;columns:2}nav a{color:#0969da;text-decoration:none}
.alert,.okay{border-radius:8px;padding:10px 14px;margin:8px 0;font-weight:500}
.alert{background:#ffebe9;border:1px solid #ff8182}.okay{background:#dafbe1;border:1px solid #4ac26b}
table{border-collapse:collapse;margin:8px 0;font-size:13px;width:auto}
th,td{border-bottom:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}table.num td{font-variant-numeric:tabular-nums}
tr.regress td{background:#ffebe9}
.cnt{display:inline-block;min-width:40px;padding:1px 6px;border-radius:4px;
background:rgba(76,120,168,calc(.08 + .85 * var(--a)))}.cnt.dark{color:#fff}
.cnt.zero{background:#fff1f0;color:#c62828}h4{font-size:14px;margin:18px 0 6px}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0}
.row{display:flex;flex-wrap:wrap;gap:24px}.row svg.chart{display:inline-block}
.badge{display:inline-block;font-size:11px;font-weight:600;border-radius:10px;padding:0 8px;
margin-left:4px;background:#eaeef2;color:#424a53;vertical-align:1px}
.badge.ok{background:#dafbe1;color:#116329}.badge.fail{background:#ffebe9;color:#a40e26}
.badge.fault{background:#fff1d6;color:#7d4e00}.badge.pert{background:#f1eafd;color:#6639ba}
.badge.outcome{background:#ddf4ff;color:#0550ae}
.vbadge{display:inline-block;color:#fff;font-weight:700;border-radius:4px;padding:0 7px;font-size:12px}
.conv{border:1px solid var(--line);border-radius:8px;padding:4px 16px 10px;margin:16px 0}
.fails{background:#fff8f8;border-left:3px solid #e45756;padding:6px 10px 6px 26px;margin:6px 0}
ol.turns{list-style:none;padding:0;margin:8px 0}
.turn{display:grid;grid-template-columns:104px 1fr;gap:8px;padding:3px 6px;border-radius:6px}
.turn .who{color:var(--muted);font-size:12px;font-weight:600;text-transform:uppercase;
white-space:nowrap;padding-top:5px}
.turn .who span{font-weight:400;text-transform:none}
.turn.customer .text{background:#f6f8fa;border-radius:8px;padding:4px 10px}
.turn.agent .text{background:#eef4fb;border-radius:8px;padding:4px 10px}
.turn.evidence .text{background:#fff5c2;outline:2px solid #e3b341}
.evmark{font-size:11px;font-weight:700;color:#9a6700}
.tool{margin:2px 0 2px 118px;font-size:12px;color:#424a53}
.tool .arrow{font-size:10px;font-weight:700;text-transform:uppercase;color:#8250df}
.fails li.same{list-style:none;margin-left:-16px;color:var(--muted)}
.tool details{display:inline-block;margin-left:6px}.tool summary{cursor:pointer;color:#0969da}
.tool pre{white-space:pre-wrap;background:var(--bg);padding:6px;max-width:860px}
"""
