"""RGB news records as a pooled open-retrieval benchmark (``qa rgb``).

Every ``positive`` and ``negative`` passage of every record (short search-engine snippets of
news pages, often the same topic in another year) becomes one document of one corpus, indexed
into its own index under a work folder, never into ``index/``. Every ``query`` is then asked
through ``Assistant.ask`` and scored by RGB's own rule: the answer's text holds the answer
(case-insensitive substring after folding white space; a list answer needs one variant of
each inner list).

A second pass removes the answer-bearing passages of a seeded share of the records (their
positives and any passage that holds their answer): those queries must be abstained on, the
others still answered. The figures are ``answers`` (full corpus), ``abstention`` (removed
queries abstained on) and ``false_abstention`` (the other queries abstained on, removed
corpus).

Left out: RGB's noise-ratio sampling of a few passages per query (the pooled corpus is
harder: every query competes with every other record's passages) and its counterfactual
``positive_wrong`` test.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import ConfigError

if TYPE_CHECKING:
    from qa.answer.assistant import Assistant

DEFAULT_DATA = Path("../shared/benchmarks/rgb-dev/en_fact_dev.jsonl")
DEFAULT_WORK = Path(".rgb")
REMOVED_SHARE = 0.3  # the protocol: 30 of 100 queries lose their answer passages


@dataclass(frozen=True)
class Record:
    rid: int
    query: str
    answer: tuple[tuple[str, ...], ...]  # every group must be matched by one variant
    positive: tuple[str, ...]
    negative: tuple[str, ...]


def load(path: str | Path) -> list[Record]:
    path = Path(path)
    records = []
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            answer = r["answer"]
            groups = ((answer,),) if isinstance(answer, str) else tuple(
                tuple(g) if isinstance(g, list) else (g,) for g in answer)
            records.append(Record(int(r["id"]), r["query"], groups, tuple(r["positive"]),
                                  tuple(r["negative"])))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: cannot read RGB records ({e}). Pass --data with the path "
                          "to en_fact_dev.jsonl.") from e
    return records


def norm(s: str) -> str:
    """``norm("  Simona\\nHALEP ") -> "simona halep"``."""
    return " ".join(s.lower().split())


def holds(text: str, answer: Sequence[Sequence[str]]) -> bool:
    """RGB's rule: ``holds("It was Simona Halep.", [["Simona Halep"]]) -> True``."""
    t = norm(text)
    return all(any(norm(v) in t for v in group) for group in answer)


def removed_ids(records: Sequence[Record], share: float, seed: int) -> set[int]:
    """The seeded share of records whose answer passages the second pass removes."""
    ids = sorted(r.rid for r in records)
    return set(random.Random(seed).sample(ids, round(share * len(ids))))


def corpus(records: Sequence[Record], removed: Collection[int] = ()) -> dict[str, str]:
    """File name -> passage, each distinct passage once; without the positives of ``removed``
    records and without any passage that holds one of their answers."""
    gone = [r.answer for r in records if r.rid in removed]
    out: dict[str, str] = {}
    seen: set[str] = set()
    for r in records:
        for passage in (() if r.rid in removed else r.positive) + r.negative:
            if passage in seen or any(holds(passage, a) for a in gone):
                continue
            seen.add(passage)
            out[f"{len(out):04d}.txt"] = passage
    return out


def write_corpus(passages: dict[str, str], folder: Path) -> None:
    """The passages as files (``squad.write_corpus``); files of an earlier run that are not
    among them are removed, so the answer-removed pass really lacks them."""
    from qa.evaluation.squad import write_corpus as write

    for old in folder.glob("*.txt"):
        if old.name not in passages:
            old.unlink()
    write(passages, folder)


def assistant_over(folder: Path, passages: dict[str, str], progress: bool = False,
                   **settings: Any) -> Assistant:
    """An assistant over ``passages``, written to ``folder/corpus`` and indexed into
    ``folder/index`` (only what changed since the last run is embedded again)."""
    from qa.answer.assistant import Assistant
    from qa.settings import Settings
    from qa.store.embeddings import MiniLMEmbedder
    from qa.store.index import Index

    chosen = Settings.from_env(index_dir=folder / "index", corpus_dir=folder / "corpus",
                               **settings)
    write_corpus(passages, chosen.corpus_dir)
    index = Index.open(chosen, MiniLMEmbedder(), create=True)
    index.update([chosen.corpus_dir], progress=progress)
    return Assistant.open(settings=chosen, build=False)


def ask_all(assistant: Assistant, records: Sequence[Record], removed: set[int],
            progress: bool = False, on_item: Callable[[dict[str, Any]], None] | None = None
            ) -> list[dict[str, Any]]:
    """One row per record: what was answered, whether it holds the answer, whether the
    record's answer passages were in the corpus."""
    from tqdm import tqdm

    rows = []
    for r in tqdm(records, unit="q", desc="rgb", leave=False, disable=not progress):
        a = assistant.ask(r.query)
        rows.append({"id": r.rid, "query": r.query, "answer": [list(g) for g in r.answer],
                     "removed": r.rid in removed, "abstained": a.abstained,
                     "text": a.text, "short_answer": a.short_answer,
                     "correct": not a.abstained and holds(a.text, r.answer),
                     "route": a.meta.get("route"), "reading": a.meta.get("reading"),
                     "seconds": round(a.timings.get("total", 0.0), 4)})
        if on_item:
            on_item(rows[-1])
    return rows


def summarize(full: Sequence[dict[str, Any]], pruned: Sequence[dict[str, Any]]
              ) -> dict[str, Any]:
    def share(rows: Sequence[dict[str, Any]], key: str) -> float | None:
        return round(sum(bool(r[key]) for r in rows) / len(rows), 4) if rows else None

    kept = [r for r in pruned if not r["removed"]]
    gone = [r for r in pruned if r["removed"]]
    return {"queries": len(full), "answers": share(full, "correct"),
            "abstained_full": share(full, "abstained"),
            "removed": len(gone), "abstention": share(gone, "abstained"),
            "false_abstention": share(kept, "abstained"),
            "answers_removed_corpus": share(kept, "correct")}


def print_summary(summary: dict[str, Any]) -> None:
    print(f"{summary['queries']} queries ({summary['removed']} with their answer passages "
          f"removed in the second pass), {summary.get('seconds', 0)} s")
    for key, label in (("answers", "answers, full corpus"),
                       ("abstained_full", "abstained, full corpus"),
                       ("abstention", "abstained where the answer was removed"),
                       ("false_abstention", "abstained on the others, removed corpus"),
                       ("answers_removed_corpus", "answers on the others, removed corpus")):
        value = summary.get(key)
        print(f"  {label:<42} {'-' if value is None else f'{value:.3f}'}")


def run(open_assistant: Callable[[Path, dict[str, str]], Assistant],
        records: Sequence[Record], removed: set[int], progress: bool = False
        ) -> dict[str, Any]:
    """Both passes; ``open_assistant(folder, passages)`` indexes ``passages`` under ``folder``
    and returns an assistant over them."""
    started = time.perf_counter()
    full = ask_all(open_assistant(Path("full"), corpus(records)), records, set(), progress)
    pruned = ask_all(open_assistant(Path("removed"), corpus(records, removed)), records,
                     removed, progress)
    summary = summarize(full, pruned)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return {"summary": summary, "full": full, "removed": pruned}
