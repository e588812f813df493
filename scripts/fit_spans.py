"""Fit the short-answer span scorer (qa/span_weights.json) on SQuAD v1.1 dev.

Training questions come only from paragraphs outside the seeded 500-question sample that
``qa squad --limit 500 --seed 0`` reports on, so that report is on unseen paragraphs. For each
question the evidence sentences are chosen from its own paragraph (``select(q, [gold])``); every
candidate span is labelled 1 when it equals a reference answer (SQuAD normalisation), else 0;
a logistic regression learns one weight per feature. A tenth of the training paragraphs is
held back and the within-paragraph EM/F1 on it is printed.

Run: python scripts/fit_spans.py [--questions 8000] [--work .squad] [--data PATH]
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

from qa import spans, squad
from qa.embeddings import MiniLMEmbedder
from qa.evidence import EvidenceSelector
from qa.index import Index
from qa.settings import Settings
from qa.types import Passage


class _Matrix:
    """Feature dicts gathered straight into sparse-matrix arrays: 1.4 million candidate
    spans' dicts would take gigabytes."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.indices = array.array("i")
        self.values = array.array("d")
        self.rows = [0]
        self.labels: list[int] = []

    def add(self, feats: dict[str, float], label: float) -> None:
        for name, value in feats.items():
            if value:
                self.indices.append(self.vocab.setdefault(name, len(self.vocab)))
                self.values.append(value)
        self.rows.append(len(self.indices))
        self.labels.append(int(label))

    def x(self) -> Any:
        import numpy as np
        from scipy.sparse import csr_matrix

        return csr_matrix((np.frombuffer(self.values, dtype=np.float64),
                           np.frombuffer(self.indices, dtype=np.int32), np.array(self.rows)),
                          shape=(len(self.labels), len(self.vocab)))

    def names(self) -> list[str]:
        return sorted(self.vocab, key=self.vocab.__getitem__)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=8000)
    ap.add_argument("--work", default=str(squad.DEFAULT_WORK))
    ap.add_argument("--data", default=str(squad.DEFAULT_DATA))
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--out", default=str(spans.WEIGHTS))
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression

    paragraphs, items = squad.load(args.data)
    held_out = {i.source for i in squad.sample(items, 500, 0)}
    names = sorted({i.source for i in items} - held_out)
    random.Random(7).shuffle(names)
    valid_names = set(names[: len(names) // 10])
    train_items = [i for i in items if i.source not in held_out]
    chosen = random.Random(7).sample(train_items, min(args.questions, len(train_items)))
    work = Path(args.work)
    settings = Settings.from_env(index_dir=work / "index", corpus_dir=work / "corpus")
    embedder = MiniLMEmbedder()
    selector = EvidenceSelector(Index.open(settings, embedder), embedder)
    train = _Matrix()
    valid: list[tuple[Any, list[tuple[spans.Span, dict[str, float]]]]] = []
    started = time.perf_counter()
    for n, item in enumerate(chosen):
        text = paragraphs[item.source]
        gold = Passage(f"{item.source}:gold", item.source, "", 0, len(text), text, 1.0)
        evidence = selector.select(item.question, [gold])
        cands = spans.candidates(item.question, evidence.frame, evidence.sentences)
        if item.source in valid_names:
            valid.append((item, cands))
        else:
            for span, feats in cands:
                train.add(feats, squad.exact_match(span.text, item.answers))
        if n % 250 == 0:
            print(f"{n}/{len(chosen)} questions, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
    model = LogisticRegression(C=args.C, max_iter=2000)
    model.fit(train.x(), train.labels)
    weights = {name: float(w) for name, w in zip(train.names(), model.coef_[0], strict=True)}
    weights["bias"] = weights.get("bias", 0.0) + float(model.intercept_[0])
    em = f1 = 0.0
    for item, cands in valid:
        best = max(cands, key=lambda c: spans.score(c[1], weights), default=None)
        pred = best[0].text if best else ""
        em += squad.exact_match(pred, item.answers)
        f1 += squad.f1(pred, item.answers)
    n = len(valid) or 1
    print(f"held back: {len(valid)} questions, EM {100 * em / n:.1f} F1 {100 * f1 / n:.1f}")
    trained = len(chosen) - len(valid)
    Path(args.out).write_text(json.dumps({
        "fitted_on": f"{trained} SQuAD v1.1 dev questions outside the seed-0 "
                     f"500 sample's paragraphs (scripts/fit_spans.py, C={args.C})",
        # Weights under 0.01 are dropped and the rest rounded: the file halves and no
        # held-back answer changes.
        "weights": {k: round(v, 4) for k, v in sorted(weights.items()) if abs(v) >= 0.01},
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
