"""SQuAD v1.1 dev as an open-retrieval benchmark (``qa squad``).

The 2,067 dev paragraphs become 2,067 documents (one file each, written once under a work
folder, indexed into their own index there, never into ``index/``). A seeded sample of
questions is then asked three ways:

- retrieval: the rank of the gold paragraph among the documents each retriever returns
  (dense only, BM25 only, both fused by reciprocal rank, and that fused list re-ranked by
  its best sentence, which is what the assistant reads), as hit@1/3/5/10 and MRR;
- end to end: ``Assistant.ask(question)``, the same call the UI makes; its ``short_answer``
  is scored with the official SQuAD normalisation (lowercase, no punctuation, no a/an/the);
- gold paragraph: ``Assistant.ask(question, passages=[gold])``, comparable with the published
  reading-comprehension numbers (logistic regression: F1 51.0).

An abstention scores 0: every SQuAD v1.1 question is answerable. Left out: the no-context
(closed-book) baseline and SQuAD 2.0's unanswerable questions.
"""

from __future__ import annotations

import json
import random
import re
import string
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import ConfigError
from qa.types import Passage

if TYPE_CHECKING:
    from qa.answer.assistant import Assistant

DEFAULT_DATA = Path("../shared/benchmarks/squad-v1.1/dev-v1.1.json")
DEFAULT_WORK = Path(".squad")
KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Item:
    qid: str
    question: str
    answers: list[str]
    source: str  # the gold paragraph's file name


def _slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")[:40] or "untitled"


def load(path: str | Path) -> tuple[dict[str, str], list[Item]]:
    """``(paragraph file name -> text, questions)``; names look like ``0007_Super_Bowl_50.txt``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        articles = data["data"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: cannot read a SQuAD v1.1 file ({e}). Pass --data with the "
                          "path to dev-v1.1.json.") from e
    paragraphs: dict[str, str] = {}
    items: list[Item] = []
    for article in articles:
        for p in article["paragraphs"]:
            name = f"{len(paragraphs):04d}_{_slug(article['title'])}.txt"
            paragraphs[name] = p["context"]
            for qa in p["qas"]:
                items.append(Item(qa["id"], qa["question"],
                                  [a["text"] for a in qa["answers"]], name))
    return paragraphs, items


def write_corpus(paragraphs: dict[str, str], folder: Path) -> None:
    """One file per paragraph; files already there with the same text are left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in paragraphs.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)


def sample(items: Sequence[Item], limit: int | None, seed: int) -> list[Item]:
    if limit is None or limit >= len(items):
        return list(items)
    return random.Random(seed).sample(list(items), limit)


def gold_passage(name: str, text: str) -> Passage:
    """The whole paragraph ``name`` as the one passage to read (``ask(q, passages=[...])``)."""
    return Passage(f"{name}:gold", name, "", 0, len(text), text, 1.0)


# The split is by article, so nothing fitted or tuned has read a word of a test article.
TEST_ARTICLES = frozenset(
    "Construction Doctor_Who European_Union_law Huguenot Immune_system Newcastle_upon_Tyne "
    "Pharmacy Private_school Rhine Yuan_dynasty".split())
DEV_ARTICLES = 4  # of the other 38, drawn with Random(7): held-back scores and thresholds
SPLITS = ("train", "dev", "test")


def article_of(name: str) -> str:
    """``article_of("0412_Doctor_Who.txt") -> "Doctor_Who"``."""
    return name.partition("_")[2].removesuffix(".txt")


def split_of(items: Sequence[Item]) -> dict[str, str]:
    """Paragraph file name -> "train", "dev" or "test". Test: the 10 ``TEST_ARTICLES``
    (416 paragraphs, 2,140 questions), never fitted or tuned on; dev: ``DEV_ARTICLES``
    others, for held-back scores and every threshold; train: the rest, for fitting."""
    articles = sorted({article_of(i.source) for i in items})
    slugs = {_slug(a) for a in TEST_ARTICLES}
    others = [a for a in articles if a not in slugs]
    random.Random(7).shuffle(others)
    dev = set(others[:DEV_ARTICLES])
    return {i.source: "test" if article_of(i.source) in slugs else
            "dev" if article_of(i.source) in dev else "train" for i in items}


def of_split(items: Sequence[Item], which: str) -> list[Item]:
    """The questions of one split (``SPLITS``), or all of them for "all"."""
    if which == "all":
        return list(items)
    if which not in SPLITS:
        raise ConfigError(f"split must be one of {', '.join(SPLITS)} or all. Currently, it "
                          f"is {which!r}.")
    where = split_of(items)
    return [i for i in items if where[i.source] == which]


# -- the official metric, restated -------------------------------------------------------------

def normalize_answer(s: str) -> str:
    """``normalize_answer("The Denver Broncos!") -> "denver broncos"``."""
    s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    return float(any(normalize_answer(prediction) == normalize_answer(g) for g in golds))


def f1(prediction: str, golds: Sequence[str]) -> float:
    """Best token-overlap F1 against any reference: ``f1("Denver", ["Denver Broncos"]) -> .67``."""
    best = 0.0
    pred = normalize_answer(prediction).split()
    for g in golds:
        gold = normalize_answer(g).split()
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            p, r = common / len(pred), common / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


# -- running ---------------------------------------------------------------------------------

MODES = ("dense", "bm25", "rrf", "reranked")


def run(assistant: Assistant, items: Sequence[Item], answers: bool = True,
        progress: bool = False, on_item: Callable[[dict[str, Any]], None] | None = None
        ) -> dict[str, Any]:
    """Ask ``items`` and return ``{"summary": {...}, "questions": [...]}``."""
    index = assistant.index
    rows: list[dict[str, Any]] = []
    from tqdm import tqdm

    bar = tqdm(total=len(items), unit="q", desc="squad", leave=False,
               disable=not progress)
    started = time.perf_counter()
    for item in items:
        row: dict[str, Any] = {"id": item.qid, "question": item.question,
                               "answers": item.answers, "paragraph": item.source, "rank": {}}
        for mode, docs in assistant.rankings(item.question).items():
            row["rank"][mode] = docs.index(item.source) + 1 if item.source in docs else None
        if answers:
            e2e = assistant.ask(item.question)
            text = index.text(item.source)
            given = assistant.ask(item.question, passages=[gold_passage(item.source, text)])
            for key, a in (("e2e", e2e), ("gold", given)):
                pred = "" if a.abstained else a.short_answer
                row[key] = {"prediction": pred, "abstained": a.abstained,
                            "route": a.meta.get("route"), "reading": a.meta.get("reading"),
                            "em": exact_match(pred, item.answers), "f1": f1(pred, item.answers),
                            "seconds": round(a.timings.get("total", 0.0), 4)}
        rows.append(row)
        if on_item:
            on_item(row)
        bar.update(1)
    bar.close()
    return {"summary": summarize(rows, time.perf_counter() - started), "questions": rows}


def summarize(rows: Sequence[dict[str, Any]], seconds: float = 0.0) -> dict[str, Any]:
    n = len(rows) or 1
    retrieval = {}
    for mode in MODES:
        ranks = [r["rank"].get(mode) for r in rows]
        stats = {f"hit@{k}": round(sum(1 for x in ranks if x and x <= k) / n, 4) for k in KS}
        stats["mrr"] = round(sum(1 / x for x in ranks if x) / n, 4)
        retrieval[mode] = stats
    out: dict[str, Any] = {"questions": len(rows), "seconds": round(seconds, 1),
                           "retrieval": retrieval}
    for key in ("e2e", "gold"):
        scored = [r[key] for r in rows if key in r]
        if scored:
            out[key] = {"em": round(100 * sum(s["em"] for s in scored) / len(scored), 2),
                        "f1": round(100 * sum(s["f1"] for s in scored) / len(scored), 2),
                        "abstained": round(sum(s["abstained"] for s in scored) / len(scored), 4)}
    return out


def print_summary(summary: dict[str, Any]) -> None:
    print(f"{summary['questions']} questions, {summary['seconds']} s")
    print(f"{'retriever':<10}" + "".join(f"{'hit@' + str(k):>8}" for k in KS) + f"{'mrr':>8}")
    for mode, stats in summary["retrieval"].items():
        print(f"{mode:<10}" + "".join(f"{stats[f'hit@{k}']:>8.3f}" for k in KS)
              + f"{stats['mrr']:>8.3f}")
    for key, label in (("e2e", "end to end (own retrieval)"), ("gold", "gold paragraph given")):
        if key in summary:
            s = summary[key]
            print(f"{label:<28} EM {s['em']:5.1f}  F1 {s['f1']:5.1f}  "
                  f"abstained {s['abstained']:.1%}")
