"""The ``qa eval --html`` report: one self-contained HTML file (no scripts, fonts or links out).

It shows the summary, a bar chart of the metrics (inline SVG), latency per stage, and every
case with its answer, its citations (the words that had to be there highlighted) and what
was retrieved. Failed cases come first so a reader sees what matters without scrolling.
Left out: interactivity beyond ``<details>``; the file must open from disk, offline.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from qa.evaluation.metrics import LOWER_IS_BETTER, QUALITY
from qa.evaluation.scoring import SuiteResult, match_form

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;
color:#1d2430}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.sub{color:#5b6472;margin-top:0}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;text-align:left;
border-bottom:1px solid #e3e6ea;vertical-align:top}th{font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#18794e;font-weight:600}.bad{color:#b42318;font-weight:600}
details{border:1px solid #e3e6ea;border-radius:6px;margin:.4rem 0;padding:.4rem .7rem}
details.fail{border-left:4px solid #b42318}details.pass{border-left:4px solid #18794e}
summary{cursor:pointer}summary code{color:#5b6472}
blockquote{margin:.3rem 0 .3rem .5rem;padding-left:.6rem;border-left:3px solid #c9ced6;
color:#303846}
mark{background:#fde68a;padding:0 .1rem}.meta{color:#5b6472;font-size:.85rem}
.answer{background:#f6f7f9;padding:.4rem .6rem;border-radius:4px}
"""


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else escape(str(v))


def _chart(summary: dict[str, Any]) -> str:
    """Horizontal bars, 0..1, one per metric; false_abstention_rate drawn inverted in red."""
    metrics = [m for m in QUALITY + LOWER_IS_BETTER if summary.get(m) is not None]
    row, width, label_w = 26, 640, 190
    h = row * len(metrics) + 24
    out = [f'<svg role="img" aria-label="metrics" width="{width + label_w + 60}" height="{h}" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" '
           f'font-size="13">']
    for x in (0, 0.25, 0.5, 0.75, 1.0):
        gx = label_w + x * width
        out.append(f'<line x1="{gx}" y1="0" x2="{gx}" y2="{h - 20}" stroke="#e3e6ea"/>'
                   f'<text x="{gx}" y="{h - 6}" text-anchor="middle" fill="#5b6472">{x:g}</text>')
    for i, m in enumerate(metrics):
        v = float(summary[m])
        y = i * row + 4
        color = "#b42318" if m in LOWER_IS_BETTER else "#2563eb"
        out.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end">{m}</text>'
                   f'<rect x="{label_w}" y="{y}" width="{v * width:.1f}" height="{row - 8}" '
                   f'fill="{color}" rx="3"/>'
                   f'<text x="{label_w + v * width + 6:.1f}" y="{y + 14}">{v:.3f}</text>')
    out.append("</svg>")
    return "".join(out)


def highlight(text: str, groups: list[list[str]]) -> str:
    """Escape ``text`` and wrap every word sequence matching a group alternative in <mark>."""
    alts = sorted({a for g in groups for a in g}, key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for alt in alts:
        needle = match_form(alt).strip()
        if not needle:
            continue
        # Find the alternative's words in order, separated by anything non-alphanumeric.
        pattern = r"\b" + r"[^a-z0-9]+".join(_word_pattern(w) for w in needle.split())
        for m in re.finditer(pattern, lowered):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    out, last = [], 0
    for s, e in sorted(spans):
        out += [escape(text[last:s]), f"<mark>{escape(text[s:e])}</mark>"]
        last = e
    out.append(escape(text[last:]))
    return "".join(out)


def _word_pattern(word: str) -> str:
    """A regex for a word in match form, as written in text: ``"15000"`` also finds
    "15,000" and ``"24"`` "24th"."""
    if word.isdigit():
        return ",?".join(word) + r"(?:st|nd|rd|th)?\b"
    return re.escape(word)


def _case(c: dict[str, Any]) -> str:
    ok = c["correct"]
    verdict = '<span class="ok">pass</span>' if ok else '<span class="bad">FAIL</span>'
    kind = "unanswerable" if c["unanswerable"] else "answerable"
    parts = [f'<details class="{"pass" if ok else "fail"}"{"" if ok else " open"}>'
             f'<summary>{verdict} <code>{escape(c["id"])}</code> {escape(c["question"])}'
             f'</summary>']
    if c.get("standalone_question") and c["standalone_question"] != c["question"]:
        parts.append(f'<p class="meta">searched for: {escape(c["standalone_question"])}</p>')
    parts.append(f'<p class="answer">{highlight(c["answer"], c["must_include"])}</p>')
    expected = c.get("expected") or ("(abstain)" if c["unanswerable"] else "")
    groups = " and ".join("(" + " | ".join(g) + ")" for g in c["must_include"])
    parts.append(f'<p class="meta">{kind}; expected: {escape(expected)}'
                 f'{"; must include " + escape(groups) if groups else ""}'
                 f'; route: {escape(c["route"])}; supported by quotes: {_fmt(c["supported"])}'
                 f'; source rank: {_fmt(c["source_rank"])}</p>')
    if c.get("error"):
        parts.append(f'<p class="bad">{escape(c["error"])}</p>')
    for cit in c["citations"]:
        parts.append(f'<blockquote>[{cit["n"]}] {highlight(cit["quote"], c["must_include"])}'
                     f'<br><span class="meta">{escape(cit["source"])} chars '
                     f'{cit["start"]}-{cit["end"]}</span></blockquote>')
    retrieved = ", ".join(f'{r["source"]}:{r["start"]}-{r["end"]}' for r in c["retrieved"])
    parts.append(f'<p class="meta">retrieved: {escape(retrieved)}</p></details>')
    return "".join(parts)


def render_html(report: SuiteResult, title: str = "qa eval") -> str:
    data = report.to_dict()
    s = data["summary"]
    rows = "".join(f'<tr><td>{m}</td><td class="num">{_fmt(s.get(m))}</td></tr>'
                   for m in QUALITY + LOWER_IS_BETTER)
    lat = "".join(f'<tr><td>{escape(stage)}</td><td class="num">{v["p50"]:.3f}</td>'
                  f'<td class="num">{v["p95"]:.3f}</td></tr>'
                  for stage, v in s.get("latency", {}).items())
    config = ", ".join(f"{k}={v}" for k, v in s.get("config", {}).items())
    cases = sorted(data["cases"], key=lambda c: (c["correct"], c["id"]))
    failed = sum(1 for c in cases if not c["correct"])
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="sub">{s["cases"]} cases ({s["answerable"]} answerable, '
        f'{s["unanswerable"]} unanswerable), {failed} failed; {s.get("wall_seconds", 0)} s. '
        f"{escape(config)}</p>"
        f"<h2>Metrics</h2>{_chart(s)}"
        f'<table><tr><th>metric</th><th class="num">value</th></tr>{rows}</table>'
        f'<h2>Latency (seconds)</h2><table><tr><th>stage</th><th class="num">p50</th>'
        f'<th class="num">p95</th></tr>{lat}</table>'
        f"<h2>Cases</h2>{''.join(_case(c) for c in cases)}"
        f"</body></html>\n"
    )
