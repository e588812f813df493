"""Scoring a suite: every case asked through ``Assistant.ask``, its answer matched and judged.

Every case goes through the same ``Assistant.ask`` the UI and CLI use; nothing here has its
own retrieval or prompting. Scores are per case (``CaseResult``) plus a summary
(``metrics.summarize``). Left out: LLM-as-judge scoring (a judge would be the tiny model
grading itself); matching is by normalised words, which is strict but honest.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import QAError
from qa.evaluation.metrics import summarize
from qa.evaluation.suite import Case, load_suite
from qa.text import normalize

if TYPE_CHECKING:
    from qa.answer.assistant import Assistant
    from qa.types import Answer


# -- matching --------------------------------------------------------------------------------

def match_form(text: str) -> str:
    """``"Krasnodar, Russia." -> " krasnodar russia "``; ``"15,000" -> " 15000 "``;
    ``"February 24th" -> " february 24 "``."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", normalize(text))
    text = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", text)
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.replace("'", ""))) + " "


def group_matches(text: str, alternatives: Sequence[str]) -> bool:
    """Any alternative starts at a word boundary of ``text``; one ending in a digit also ends
    at one. ``"unlawful"`` matches "unlawfulness" and ``"russia"`` "Russian", but ``"12"``
    does not match "120"."""
    hay = match_form(text)
    for alt in alternatives:
        needle = match_form(alt).strip()
        if not needle:
            continue
        tail = " " if needle[-1].isdigit() else ""
        if f" {needle}{tail}" in hay:
            return True
    return False


def includes_all(text: str, groups: Sequence[Sequence[str]]) -> bool:
    return all(group_matches(text, g) for g in groups)


# -- running ---------------------------------------------------------------------------------

@dataclass
class CaseResult:
    id: str
    suite: str
    question: str
    standalone_question: str
    unanswerable: bool
    followup: bool
    expected: str
    must_include: list[list[str]]
    sources: list[str]
    answer: str
    short_answer: str
    abstained: bool
    correct: bool
    supported: bool | None  # cited quotes hold every group (answerable cases only)
    source_rank: int | None  # 1-based rank of the first retrieved passage from a listed source
    cited_listed: int  # citations whose source is listed
    citations: list[dict[str, Any]]
    retrieved: list[dict[str, Any]]
    timings: dict[str, float]
    route: str
    error: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # the answer's kind, support, draft...
    expected_agreement: str = ""
    agreement: str = "none"  # the answer's verdict: agree | differ | none
    facts_covered: int | None = None  # broad cases: key facts the answer states
    facts: int = 0
    sources_cited: int = 0  # distinct listed sources among the citations

    @property
    def broad(self) -> bool:
        return self.facts > 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_case(case: Case, answer: Answer) -> CaseResult:
    cited_text = " ".join(c.quote for c in answer.citations)
    rank = next((i for i, p in enumerate(answer.passages, 1) if p.source in case.sources), None)
    covered = sum(group_matches(answer.text, g) for g in case.facts) if case.facts else None
    cited_sources = len({c.source for c in answer.citations} & set(case.sources))
    if case.unanswerable:
        correct, supported = answer.abstained, None
    else:
        correct = not answer.abstained and includes_all(answer.text, case.must_include)
        supported = not answer.abstained and bool(answer.citations) and \
            includes_all(cited_text, case.must_include)
    if covered is not None:  # a broad case: its key facts, from every listed article
        correct = correct and covered >= case.min_facts and cited_sources == len(case.sources)
    d = answer.to_dict()
    return CaseResult(
        id=case.id, suite=case.suite, question=case.question,
        standalone_question=answer.standalone_question, unanswerable=case.unanswerable,
        followup=bool(case.history), expected=case.answer, must_include=case.must_include,
        sources=case.sources, answer=answer.text, short_answer=answer.short_answer,
        abstained=answer.abstained, correct=correct, supported=supported, source_rank=rank,
        cited_listed=sum(1 for c in answer.citations if c.source in case.sources),
        citations=d["citations"], retrieved=d["retrieved"], timings=d["timings"],
        route=str(answer.meta.get("route", "")), meta=dict(answer.meta),
        expected_agreement=case.agreement,
        agreement=answer.agreement.verdict if answer.agreement else "none",
        facts_covered=covered, facts=len(case.facts), sources_cited=cited_sources,
    )


def _failed(case: Case, error: QAError) -> CaseResult:
    return CaseResult(case.id, case.suite, case.question, case.question, case.unanswerable,
                      bool(case.history), case.answer, case.must_include, case.sources, "", "",
                      False, False, None if case.unanswerable else False, None, 0, [], [], {},
                      "error", error=str(error), expected_agreement=case.agreement,
                      facts_covered=0 if case.facts else None, facts=len(case.facts))


@dataclass
class SuiteResult:
    """A scored suite: the summary and every case."""

    summary: dict[str, Any]
    cases: list[CaseResult]

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "cases": [c.to_dict() for c in self.cases]}

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")


def evaluate(assistant: Assistant, suite: str | Path | Iterable[Case | str | Path],
             progress: bool = False,
             on_case: Callable[[CaseResult], None] | None = None) -> SuiteResult:
    """Ask every case through ``assistant.ask`` and score it.

    ``suite`` is a suite file, or a list of files and/or ``Case`` values; every file is
    loaded and validated before the first question is asked. A case whose question the
    assistant refuses (``QAError``) is scored as wrong with the message kept.
    """
    items = [suite] if isinstance(suite, str | Path) else list(suite)
    cases: list[Case] = []
    for item in items:
        cases.extend(load_suite(item) if isinstance(item, str | Path) else [item])
    results: list[CaseResult] = []
    from tqdm import tqdm

    bar = tqdm(total=len(cases), unit="case", desc="eval", leave=False,
               disable=not progress)
    started = time.perf_counter()
    for case in cases:
        try:
            result = score_case(case, assistant.ask(case.question, case.history))
        except QAError as e:
            result = _failed(case, e)
        results.append(result)
        if on_case:
            on_case(result)
        bar.update(1)
    bar.close()
    summary = summarize(results)
    summary["wall_seconds"] = round(time.perf_counter() - started, 2)
    summary["config"] = _config(assistant)
    return SuiteResult(summary, results)


def _config(assistant: Assistant) -> dict[str, Any]:
    s = assistant.settings
    model = s.llm_base_url or str(s.model_path or "bundled SmolLM2-135M-Instruct Q4_1")
    return {"model": model, "embed_model": s.spec.embed_model, "chunk_size": s.spec.chunk_size,
            "chunk_overlap": s.spec.chunk_overlap, "top_k": s.top_k,
            "evidence_k": s.evidence_k, "abstain_below": s.abstain_below}


