"""A self-contained HTML page of a bench run: tables and inline SVG charts, no scripts, no
network; it opens offline from the results folder."""

from __future__ import annotations

import html
import json
import math
from typing import Any

COLOURS = {"roost": "#2f6fde", "reference": "#999999", "reference-sqlite": "#e08a1e"}


def _plottable(y: float | None) -> bool:
    # None: a figure this run could not take (a remote server has no /proc); NaN: no data
    return y is not None and y == y and y > 0


def _svg_chart(
    title: str,
    series: dict[str, list[tuple[float, float | None]]],
    *,
    x_label: str,
    y_label: str,
    log_x: bool = True,
    log_y: bool = False,
) -> str:
    """A line chart of named series of (x, y) points."""
    w, h, pad = 560, 300, 64
    points = [(x, y) for pts in series.values() for x, y in pts if y is not None and _plottable(y)]
    if not points:
        return f"<p><em>{html.escape(title)}: no data</em></p>"

    def tx(v: float) -> float:
        return math.log10(v) if log_x else v

    def ty(v: float) -> float:
        return math.log10(max(v, 1e-3)) if log_y else v

    xs = [tx(x) for x, _ in points]
    ys = [ty(y) for _, y in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = (min(ys), max(ys)) if log_y else (0.0, max(ys) * 1.1 or 1)
    if y1 <= y0:
        y1 = y0 + 1

    def sx(v: float) -> float:
        return pad + (tx(v) - x0) / (x1 - x0) * (w - 2 * pad)

    def sy(v: float) -> float:
        return h - pad - (ty(v) - y0) / (y1 - y0) * (h - 2 * pad)

    parts = [
        f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="{html.escape(title)}" style="font:11px sans-serif">',
        f'<text x="{w / 2}" y="16" text-anchor="middle" font-weight="bold">'
        f"{html.escape(title)}</text>",
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#444"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#444"/>',
        f'<text x="{w / 2}" y="{h - 10}" text-anchor="middle">{html.escape(x_label)}</text>',
        f'<text x="12" y="{h / 2}" transform="rotate(-90 12 {h / 2})" text-anchor="middle">'
        f"{html.escape(y_label)}</text>",
    ]
    last_label = -1e9
    for x in sorted({x for x, _ in points}):
        if sx(x) - last_label < 34:  # keep tick labels from running into each other
            continue
        last_label = sx(x)
        parts.append(f'<text x="{sx(x):.1f}" y="{h - pad + 14}" text-anchor="middle">{x:g}</text>')
    for frac in (0, 0.5, 1):
        yv = y0 + frac * (y1 - y0)
        label = 10**yv if log_y else yv
        text = f"{label:,.0f}" if label >= 10 else f"{label:.2g}"
        parts.append(
            f'<text x="{pad - 4}" y="{sy(10**yv if log_y else yv) + 4:.1f}" text-anchor="end">'
            f"{text}</text>"
        )
    for i, (name, pts) in enumerate(series.items()):
        colour = COLOURS.get(name, ["#2ca02c", "#d62728", "#9467bd"][i % 3])
        good = [
            (x, y) for x, y in sorted(pts, key=lambda p: p[0]) if y is not None and _plottable(y)
        ]
        if not good:
            continue
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in good)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for x, y in good:
            parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
        # the legend sits above the plot, one entry after another
        parts.append(
            f'<rect x="{pad + 130 * i}" y="26" width="10" height="10" fill="{colour}"/>'
            f'<text x="{pad + 14 + 130 * i}" y="35" fill="#222">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CHAT_COLUMNS = [
    "rate",
    "deliveries_per_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "lost",
    "duplicates",
    "server_cpu_pct",
    "server_rss_mib",
    "generator_cpu_pct",
    "holds",
]
# Columns only some runs have: a remote run's send refusals and the host's figures.
OPTIONAL_CHAT_COLUMNS = [
    "send_errors",
    "rate_limited",
    "host_cpu_pct",
    "host_memory_used_mib",
    "metric_samples",
]


def render(run: dict[str, Any]) -> str:
    """The whole page for one ``roost-bench`` result document."""
    sections = [
        f"<h1>Roost bench</h1><p>{html.escape(run.get('when', ''))} · "
        f"{html.escape(run.get('machine', ''))}</p>"
    ]
    if "summary" in run:
        sections.append(
            "<h2>Goals</h2>" + _table(run["summary"], ["figure", "goal", "reached", "ratio", "met"])
        )
    chat = run.get("chat", {})
    if chat:
        sections.append("<h2>W-chat</h2>")
        # a remote server has no /proc here: its CPU is the host's, from the admin metrics
        local = any(s.get("server_cpu_pct") is not None for r in chat.values() for s in r["steps"])
        lat = {name: [(s["rate"], s["p99_ms"]) for s in r["steps"]] for name, r in chat.items()}
        cpu = {
            name: [(s["rate"], s["server_cpu_pct"] or s.get("host_cpu_pct")) for s in r["steps"]]
            for name, r in chat.items()
        }
        thr = {
            name: [(s["rate"], s["deliveries_per_s"]) for s in r["steps"]]
            for name, r in chat.items()
        }
        sections.append(
            _svg_chart(
                "p99 latency against offered rate",
                lat,
                x_label="messages/s",
                y_label="p99 ms",
                log_y=True,
            )
            + _svg_chart(
                "deliveries/s against offered rate",
                thr,
                x_label="messages/s",
                y_label="deliveries/s",
                log_y=True,
            )
            + _svg_chart(
                "server CPU against offered rate" if local else "host CPU against offered rate",
                cpu,
                x_label="messages/s",
                y_label="% of one core" if local else "% of all cores (admin metrics)",
            )
        )
        for name, r in chat.items():
            sections.append(f"<h3>{html.escape(name)} ({html.escape(r.get('transport', ''))})</h3>")
            extra = [c for c in OPTIONAL_CHAT_COLUMNS if any(s.get(c) for s in r["steps"])]
            sections.append(_table(r["steps"], CHAT_COLUMNS + extra))
    for key, title in (("idle", "W-idle"), ("login", "W-login"), ("files", "W-files")):
        if key in run:
            data = run[key]
            sections.append(f"<h2>{title}</h2>")
            if key == "idle":
                mem = {
                    "roost": [
                        (s["connections"], s["rss_mib"] or s.get("host_memory_used_mib"))
                        for s in data["steps"]
                    ]
                }
                sections.append(
                    _svg_chart(
                        "server RSS against connections",
                        mem,
                        x_label="connections",
                        y_label="MiB",
                        log_x=False,
                    )
                )
                sections.append(
                    _table(
                        data["steps"],
                        ["connections", "rss_mib", "kib_per_connection", "idle_cpu_pct"],
                    )
                )
            sections.append(f"<pre>{html.escape(json.dumps(data, indent=2))}</pre>")
    style = (
        "body{font:14px/1.4 sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;margin:.5em 0}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "svg{margin:.5em 1em .5em 0;border:1px solid #eee}"
    )
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Roost bench</title>"
        f"<style>{style}</style><body>{''.join(sections)}</body></html>"
    )
