"""Draws the benchmark chart as a plain SVG (standard library only): throughput per workload
beside the pgbench ceiling, with the service/ceiling ratio over each bar, and p99 latency on a
log scale below it."""

import math
from xml.sax.saxutils import escape

SERIES_COLOURS = {
    "ceiling": "#7f7f7f",
    "pg_otel": "#1f5fa8",
    "pg_off": "#8fb3e0",
    "sqlite_otel": "#c8641e",
    "sqlite_off": "#f0b27a",
    "axum_ref": "#5a9e4b",
}

WIDTH = 980
LEFT = 80
RIGHT = 20
PANEL_HEIGHT = 260
TOP = 70
GAP = 90


def _nice_ceiling(value):
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10 ** exponent
        if top >= value:
            return top
    return 10 ** (exponent + 1)


def _text(x, y, content, size=12, anchor="middle", weight="normal", fill="#222", rotate=None):
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{transform}>{escape(content)}</text>')


def write_svg(path, results, workloads, configs):
    series = [("ceiling", "pgbench ceiling (same SQL, -M prepared)")]
    series += [(name, label) for name, label, *_ in configs if results.get(name)]
    groups = [(name, label) for name, label, *_ in workloads
              if any(results.get(s, {}).get(name) for s, _ in series)]
    if not groups:
        return
    plot_width = WIDTH - LEFT - RIGHT
    group_width = plot_width / len(groups)
    bar_width = min(26, group_width * 0.8 / len(series))
    height = TOP + 2 * PANEL_HEIGHT + GAP + 100
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    params = results.get("parameters", {})
    machine = results.get("machine", {})
    out.append(_text(WIDTH / 2, 24, "products-api: throughput and p99 per workload beside the "
                     "PostgreSQL ceiling", 16, weight="bold"))
    out.append(_text(WIDTH / 2, 44, f"{params.get('connections')} connections, "
                     f"{params.get('duration_s')} s per run; {machine.get('nproc')} × "
                     f"{machine.get('cpu')}, PostgreSQL {machine.get('postgres', '').split(' ')[0]}; "
                     "wrk, service and database on the same machine; "
                     f"{results.get('started_at', '')}", 11, fill="#555"))

    def bar_x(gi, si):
        centre = LEFT + group_width * (gi + 0.5)
        return centre - bar_width * len(series) / 2 + si * bar_width

    # Panel 1: requests/s, linear.
    top1 = TOP
    values = [results[s][g]["rps"] for s, _ in series for g, _ in groups if results.get(s, {}).get(g)]
    ymax = _nice_ceiling(max(values))
    base1 = top1 + PANEL_HEIGHT
    for i in range(6):
        value = ymax * i / 5
        y = base1 - PANEL_HEIGHT * i / 5
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(_text(LEFT - 6, y + 4, f"{value:,.0f}", 10, anchor="end", fill="#555"))
    out.append(_text(18, top1 + PANEL_HEIGHT / 2, "requests/s (pgbench: statements/s)", 11,
                     rotate=-90))
    for gi, (group, _label) in enumerate(groups):
        ceiling = results.get("ceiling", {}).get(group)
        for si, (name, _l) in enumerate(series):
            r = results.get(name, {}).get(group)
            if not r:
                continue
            h = PANEL_HEIGHT * r["rps"] / ymax
            x = bar_x(gi, si)
            out.append(f'<rect x="{x:.1f}" y="{base1 - h:.1f}" width="{bar_width - 2:.1f}" '
                       f'height="{h:.1f}" fill="{SERIES_COLOURS.get(name, "#999")}"/>')
            if name != "ceiling" and ceiling and ceiling["rps"]:
                out.append(_text(x + (bar_width - 2) / 2, base1 - h - 4,
                                 f"{r['rps'] / ceiling['rps']:.2f}", 9, fill="#333"))
    out.append(f'<line x1="{LEFT}" y1="{base1}" x2="{WIDTH - RIGHT}" y2="{base1}" stroke="#333"/>')

    # Panel 2: p99 in ms, log scale.
    top2 = base1 + GAP
    base2 = top2 + PANEL_HEIGHT
    p99s = [results[s][g]["p99_ms"] for s, _ in series for g, _ in groups
            if results.get(s, {}).get(g) and results[s][g].get("p99_ms")]
    lo = 10 ** math.floor(math.log10(max(min(p99s), 0.01)))
    hi = 10 ** math.ceil(math.log10(max(p99s) * 1.01))
    decades = max(1, round(math.log10(hi / lo)))

    def y_of(ms):
        return base2 - PANEL_HEIGHT * math.log10(max(ms, lo) / lo) / decades

    for d in range(decades + 1):
        value = lo * 10 ** d
        y = y_of(value)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(_text(LEFT - 6, y + 4, f"{value:g}", 10, anchor="end", fill="#555"))
    out.append(_text(18, top2 + PANEL_HEIGHT / 2, "p99 latency, ms (log)", 11, rotate=-90))
    for gi, (group, _label) in enumerate(groups):
        for si, (name, _l) in enumerate(series):
            r = results.get(name, {}).get(group)
            if not r or not r.get("p99_ms"):
                continue
            y = y_of(r["p99_ms"])
            x = bar_x(gi, si)
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width - 2:.1f}" '
                       f'height="{base2 - y:.1f}" fill="{SERIES_COLOURS.get(name, "#999")}"/>')
            out.append(_text(x + (bar_width - 2) / 2, y - 4, f"{r['p99_ms']:.3g}", 8, fill="#333"))
    out.append(f'<line x1="{LEFT}" y1="{base2}" x2="{WIDTH - RIGHT}" y2="{base2}" stroke="#333"/>')
    if "read_one" in [g for g, _ in groups]:
        y = y_of(10)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                   'stroke="#b22" stroke-dasharray="5,4"/>')
        out.append(_text(WIDTH - RIGHT - 4, y - 4, "10 ms (read-one p99 target)", 10, anchor="end",
                         fill="#b22"))

    for gi, (_group, label) in enumerate(groups):
        x = LEFT + group_width * (gi + 0.5)
        out.append(_text(x, base1 + 18, label, 11))
        out.append(_text(x, base2 + 18, label, 11))
    out.append(_text(LEFT, base1 + 40, "numbers over the bars: service requests/s ÷ pgbench "
                     "statements/s", 10, anchor="start", fill="#555"))

    # Legend.
    x = LEFT
    y = height - 44
    for name, label in series:
        width = 24 + 6.4 * len(label)
        if x + width > WIDTH - RIGHT:
            x, y = LEFT, y + 20
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
                   f'fill="{SERIES_COLOURS.get(name, "#999")}"/>')
        out.append(_text(x + 16, y, label, 11, anchor="start"))
        x += width
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
