"""Fit the short-answer span scorer (qa/span_weights.json) on SQuAD v1.1 dev.

Training questions come only from paragraphs outside the seeded 500-question sample that
``qa squad --limit 500 --seed 0`` reports on, so that report is on unseen paragraphs. For each
question the evidence sentences are chosen from its own paragraph (``select(q, [gold])``); every
candidate span is labelled 1 when it equals a reference answer (SQuAD normalisation), else 0;
a logistic regression learns one weight per feature. A tenth of the training paragraphs is
held back and the within-paragraph EM/F1 on it is printed.

Run: python scripts/fit_spans.py [--questions 3000] [--work .squad] [--data PATH]
It needs the SQuAD index that ``qa squad`` builds under --work.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=3000)
    ap.add_argument("--work", default=str(squad.DEFAULT_WORK))
    ap.add_argument("--data", default=str(squad.DEFAULT_DATA))
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--out", default=str(spans.WEIGHTS))
    args = ap.parse_args()
    from sklearn.feature_extraction import DictVectorizer
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
    rows: dict[str, list[tuple[Any, Any, list[float]]]] = {"train": [], "valid": []}
    started = time.perf_counter()
    for n, item in enumerate(chosen):
        text = paragraphs[item.source]
        gold = Passage(f"{item.source}:gold", item.source, "", 0, len(text), text, 1.0)
        evidence = selector.select(item.question, [gold])
        cands = spans.candidates(item.question, evidence.frame, evidence.sentences)
        labels = [squad.exact_match(s.text, item.answers) for s, _ in cands]
        split = "valid" if item.source in valid_names else "train"
        rows[split].append((item, cands, labels))
        if n % 250 == 0:
            print(f"{n}/{len(chosen)} questions, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
    vec = DictVectorizer()
    feats = [f for _, cands, _ in rows["train"] for _, f in cands]
    y = [lab for _, _, labels in rows["train"] for lab in labels]
    x = vec.fit_transform(feats)
    model = LogisticRegression(C=args.C, max_iter=2000)
    model.fit(x, y)
    weights = {name: float(w) for name, w in zip(vec.get_feature_names_out(), model.coef_[0],
                                                 strict=True)}
    weights["bias"] = weights.get("bias", 0.0) + float(model.intercept_[0])
    for split in ("train", "valid"):
        em = f1 = 0.0
        for item, cands, _ in rows[split]:
            best = max(cands, key=lambda c: spans.score(c[1], weights), default=None)
            pred = best[0].text if best else ""
            em += squad.exact_match(pred, item.answers)
            f1 += squad.f1(pred, item.answers)
        n = len(rows[split]) or 1
        print(f"{split}: {len(rows[split])} questions, EM {100 * em / n:.1f} F1 {100 * f1 / n:.1f}")
    Path(args.out).write_text(json.dumps({
        "fitted_on": f"{len(rows['train'])} SQuAD v1.1 dev questions outside the seed-0 "
                     f"500 sample's paragraphs (scripts/fit_spans.py, C={args.C})",
        "weights": dict(sorted(weights.items())),
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
