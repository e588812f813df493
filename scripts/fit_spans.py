"""Fit the short-answer span scorer (qa/answer/span_weights.json) on SQuAD v1.1 dev.

Training questions come only from SQuAD's training articles (``squad.split_of``: never a
test article); the dev articles are held back and their EM/F1 printed. The shipped
qa/answer/span_weights.json predates the split by article (it was fitted on paragraphs of every
article outside the 500-question sample ``qa squad`` reported on then) and awaits a refit
with this script; with the reader on (the default) it only judges the sure span of
``abstain.rules``. For each
question the evidence sentences are chosen from its own paragraph (``select(q, [gold])``); every
candidate span is labelled 1 when it equals a reference answer (SQuAD normalisation), else 0.
One weight per feature is learnt by a log-linear model over each question's candidates (a
softmax across them, as in SQuAD's logistic-regression baseline: the spans compete, so the
objective is picking the right one, not rating each alone), with an L2 penalty.

Run: python scripts/fit_spans.py [--questions 8000] [--l2 3] [--work .squad] [--data PATH]
It needs the SQuAD index that ``qa squad`` builds under --work.
"""

from __future__ import annotations

import argparse
import array
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from qa import wiring
from qa.answer import spans
from qa.evaluation import squad
from qa.settings import Settings


class _Matrix:
    """Candidates' feature dicts gathered straight into sparse-matrix arrays, grouped by
    question (1.2 million spans' dicts would take gigabytes)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.indices = array.array("i")
        self.values = array.array("d")
        self.rows = [0]
        self.labels: list[bool] = []
        self.starts: list[int] = []  # first row of each question
        self.questions = 0

    def add_question(self, rows: list[tuple[dict[str, float], float]]) -> None:
        if not any(label for _, label in rows):
            return  # no candidate is right: nothing to learn which one is
        self.starts.append(len(self.labels))
        self.questions += 1
        for feats, label in rows:
            for name, value in feats.items():
                if value:
                    self.indices.append(self.vocab.setdefault(name, len(self.vocab)))
                    self.values.append(value)
            self.rows.append(len(self.indices))
            self.labels.append(bool(label))

    def fit(self, l2: float) -> dict[str, float]:
        """Weights minimising, over questions, -log P(a right span) under a softmax of the
        spans' scores, plus ``l2 / 2 * |w|^2``."""
        import numpy as np
        from scipy.optimize import minimize
        from scipy.sparse import csr_matrix

        x = csr_matrix((np.frombuffer(self.values, dtype=np.float64),
                        np.frombuffer(self.indices, dtype=np.int32), np.array(self.rows)),
                       shape=(len(self.labels), len(self.vocab)))
        right = np.array(self.labels)
        starts = np.array(self.starts)
        group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(right)]))

        def loss(w: Any) -> tuple[float, Any]:
            s = x @ w
            e = np.exp(s - np.maximum.reduceat(s, starts)[group])
            z = np.add.reduceat(e, starts)
            z_right = np.add.reduceat(np.where(right, e, 0.0), starts)
            value = -np.sum(np.log(z_right / z)) + 0.5 * l2 * w @ w
            grad = x.T @ (e / z[group] - np.where(right, e, 0.0) / z_right[group]) + l2 * w
            return float(value), grad

        result = minimize(loss, np.zeros(len(self.vocab)), jac=True, method="L-BFGS-B",
                          options={"maxiter": 1000})
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        return {name: float(w) for name, w in zip(names, result.x, strict=True)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=8000)
    ap.add_argument("--work", default=str(squad.DEFAULT_WORK))
    ap.add_argument("--data", default=str(squad.DEFAULT_DATA))
    ap.add_argument("--l2", type=float, default=3.0)
    ap.add_argument("--out", default=str(spans.WEIGHTS))
    args = ap.parse_args()

    paragraphs, items = squad.load(args.data)
    where = squad.split_of(items)
    train_items = [i for i in items if where[i.source] in ("train", "dev")]
    chosen = random.Random(7).sample(train_items, min(args.questions, len(train_items)))
    work = Path(args.work)
    settings = Settings.from_env(index_dir=work / "index", corpus_dir=work / "corpus")
    selector = wiring.store(settings, build=False).selector
    train = _Matrix()
    valid: list[tuple[Any, list[tuple[spans.Span, dict[str, float]]]]] = []
    started = time.perf_counter()
    for n, item in enumerate(chosen):
        gold = squad.gold_passage(item.source, paragraphs[item.source])
        evidence = selector.select(item.question, [gold])
        cands = spans.candidates(item.question, evidence.frame, evidence.sentences)
        if where[item.source] == "dev":
            valid.append((item, cands))
        else:
            train.add_question([(f, squad.exact_match(s.text, item.answers)) for s, f in cands])
        if n % 250 == 0:
            print(f"{n}/{len(chosen)} questions, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
    weights = train.fit(args.l2)
    em = f1 = 0.0
    for item, cands in valid:
        best = max(cands, key=lambda c: spans.score(c[1], weights), default=None)
        pred = best[0].text if best else ""
        em += squad.exact_match(pred, item.answers)
        f1 += squad.f1(pred, item.answers)
    n = len(valid) or 1
    print(f"held back: {len(valid)} questions, EM {100 * em / n:.1f} F1 {100 * f1 / n:.1f}")
    Path(args.out).write_text(json.dumps({
        "fitted_on": f"{train.questions} SQuAD v1.1 dev questions outside the seed-0 "
                     f"500 sample's paragraphs (scripts/fit_spans.py, l2={args.l2})",
        # Weights under 0.01 are dropped and the rest rounded: the file halves and no
        # held-back answer changes.
        "weights": {k: round(v, 4) for k, v in sorted(weights.items()) if abs(v) >= 0.01},
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
