"""Fit the abstention judge (qa/answer/abstain_weights.json, used with QA_ABSTENTION=learned) and
choose its bar, on dev data only; print the curve the bar was chosen from, beside the
hand-set rules' point.

Dev data, never a SQuAD test article or a kept-back RGB record:
- SQuAD: questions of the dev articles (``squad.split_of``), each asked end to end (it
  should answer) and again with every retrieved passage that holds one of its answers taken
  away (it should abstain: what the assistant meets when the corpus does not say);
- RGB, development half: every query over the pooled corpus (it should answer), and, over
  the corpus ``qa rgb`` makes by removing the answer passages of a seeded share of records,
  those queries (they should abstain) and the others (they should answer).

Each question is asked once with the hand-set rules (``QA_ABSTENTION=rules``) and the
judge's features (``abstain.features``: the reader's no-answer and span probabilities,
support, type checks) are kept from ``Answer.meta``. The judge is a logistic regression on
them (L2, each source weighted equally), fitted on the questions that reached it (not those a
year or number constraint or a lack of evidence already settles). The bar maximises, on both
sources pooled, abstention where it should minus ``COST`` times false abstention: a refusal
of an answerable question costs more than a wrong answer to an unanswerable one.

Run: python scripts/tune_abstention.py [--questions 300] [--json FILE]
It needs the SQuAD index ``qa squad`` builds under .squad/; the RGB indexes are built under
.rgb/ as ``qa rgb`` builds them. About 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from qa.answer import abstain
from qa.answer.assistant import Assistant
from qa.evaluation import rgb, squad
from qa.settings import Settings

COST = 1.5
L2 = 1.0
BARS = [round(0.05 * i, 2) for i in range(1, 20)]


def _row(answer: Any, should_answer: bool, where: str) -> dict[str, Any]:
    meta = answer.meta
    route = str(meta.get("route", ""))
    return {"where": where, "should_answer": should_answer, "question": answer.question,
            "route": route, "rules_abstain": answer.abstained,
            "settled": route in ("abstained: constraint", "abstained: no evidence"),
            "features": meta.get("features"), "short": answer.short_answer}


def squad_rows(limit: int) -> list[dict[str, Any]]:
    _, items = squad.load(squad.DEFAULT_DATA)
    chosen = squad.sample(squad.of_split(items, "dev"), limit, 0)
    settings = Settings.from_env(index_dir=squad.DEFAULT_WORK / "index",
                                 corpus_dir=squad.DEFAULT_WORK / "corpus", abstention="rules")
    assistant = Assistant.open(settings=settings, build=False)
    rows = []
    for n, item in enumerate(chosen):
        rows.append(_row(assistant.ask(item.question), True, "squad"))
        kept = [p for p in assistant.ranked(item.question)
                if not any(a.lower() in p.text.lower() for a in item.answers)]
        rows.append(_row(assistant.ask(item.question, passages=kept[: settings.top_k]),
                         False, "squad"))
        if n % 50 == 0:
            print(f"squad {n}/{len(chosen)}", file=sys.stderr)
    return rows


def rgb_rows() -> list[dict[str, Any]]:
    records = rgb.load(rgb.DEFAULT_DATA)
    removed = rgb.removed_ids(records, rgb.REMOVED_SHARE, 0)
    rows = []
    for name, gone in (("full", set()), ("removed", removed)):
        assistant = rgb.assistant_over(rgb.DEFAULT_WORK / name, rgb.corpus(records, gone),
                                       abstention="rules")
        for r in records:
            rows.append(_row(assistant.ask(r.query), r.rid not in gone, "rgb"))
    return rows


def fit(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Logistic regression weights (answerable = 1), each source weighted equally."""
    import numpy as np
    from scipy.optimize import minimize

    used = [r for r in rows if not r["settled"] and r["features"]]
    names = sorted(used[0]["features"])
    x = np.array([[r["features"][k] for k in names] for r in used])
    y = np.array([float(r["should_answer"]) for r in used])
    counts = {w: sum(r["where"] == w for r in used) for w in {r["where"] for r in used}}
    weight = np.array([len(used) / (len(counts) * counts[r["where"]]) for r in used])
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    mean = x.mean(axis=0)
    is_bias = np.array([k == "bias" for k in names])
    mean[is_bias], scale[is_bias] = 0.0, 1.0
    z = (x - mean) / scale

    def loss(w: Any) -> tuple[float, Any]:
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        eps = 1e-9
        value = -np.sum(weight * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
        grad = z.T @ (weight * (p - y))
        penal = np.where(is_bias, 0.0, 1.0)
        return float(value + 0.5 * L2 * np.sum(penal * w * w)), grad + L2 * penal * w

    w = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B").x
    raw = w / scale  # back to the features' own units
    raw[is_bias] = w[is_bias] - np.sum((w / scale * mean)[~is_bias])
    return {k: round(float(v), 5) for k, v in zip(names, raw, strict=True)}


def curve(rows: list[dict[str, Any]], weights: dict[str, float]) -> list[dict[str, Any]]:
    out = []
    for bar in [None, *BARS]:  # None: the hand-set rules
        point: dict[str, Any] = {"bar": bar}
        for where in ("squad", "rgb", "all"):
            chosen = [r for r in rows if where in ("all", r["where"])]

            def abstains(r: dict[str, Any], bar: float | None = bar) -> bool:
                if bar is None or r["settled"] or not r["features"]:
                    return bool(r["rules_abstain"])
                return abstain.probability(weights, r["features"]) < bar

            pos = [r for r in chosen if r["should_answer"]]
            neg = [r for r in chosen if not r["should_answer"]]
            point[where] = {
                "false_abstention": round(sum(map(abstains, pos)) / max(1, len(pos)), 3),
                "abstention": round(sum(map(abstains, neg)) / max(1, len(neg)), 3)}
        out.append(point)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=300, help="SQuAD dev questions")
    ap.add_argument("--rows", help="read the asked questions from this --json file instead")
    ap.add_argument("--json", help="write the rows, the weights and the curve")
    ap.add_argument("--out", default=str(abstain.WEIGHTS))
    args = ap.parse_args()
    began = time.perf_counter()
    if args.rows:
        rows = json.loads(Path(args.rows).read_text())["rows"]
    else:
        rows = squad_rows(args.questions) + rgb_rows()
    weights = fit(rows)
    points = curve(rows, weights)
    print(f"{len(rows)} questions, {time.perf_counter() - began:.0f} s; weights {weights}")
    print(f"{'bar':>5} | {'squad false':>11} {'abst':>6} | {'rgb false':>9} {'abst':>6} | "
          f"{'all false':>9} {'abst':>6}")
    for p in points:
        print(f"{p['bar'] or 'rules':>5} | {p['squad']['false_abstention']:>11} "
              f"{p['squad']['abstention']:>6} | {p['rgb']['false_abstention']:>9} "
              f"{p['rgb']['abstention']:>6} | {p['all']['false_abstention']:>9} "
              f"{p['all']['abstention']:>6}")
    judged = [p for p in points if p["bar"] is not None]
    chosen = max(judged, key=lambda p: (p["all"]["abstention"]
                                        - COST * p["all"]["false_abstention"], -p["bar"]))
    print(f"chosen bar: {chosen['bar']} (false abstention {chosen['all']['false_abstention']}, "
          f"abstention {chosen['all']['abstention']} on the pooled dev data)")
    Path(args.out).write_text(json.dumps({
        "fitted_on": f"{len(rows)} dev questions: SQuAD dev articles ({args.questions}, each "
                     "also with its answer passages removed) and RGB's development half "
                     "(scripts/tune_abstention.py)",
        "bar": chosen["bar"], "weights": weights, "dev": chosen["all"]}, indent=1) + "\n")
    print(f"wrote {args.out}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "weights": weights,
                                               "curve": points, "chosen": chosen}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
