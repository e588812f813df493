"""Evaluation against known answers: load a suite, run it through ``Assistant.ask``, score it.

A suite is a YAML list (or JSON Lines) of cases::

    - id: refusal-reason
      question: Why did the guardsmen refuse to go into Ukraine?
      must_include: [["unlawful", "illegal"]]   # every group must match, any alternative
      sources: [002_75f925b16965c540.txt]        # any one counts
    - id: judge
      question: What is the name of the judge?
      unanswerable: true

Every case goes through the same ``Assistant.ask`` the UI and CLI use; nothing here has its
own retrieval or prompting. Scores are per case (``CaseResult``) plus a summary whose metrics
are defined in ``summarize`` and the README. Left out: LLM-as-judge scoring (a judge would be
the tiny model grading itself); matching is by normalised words, which is strict but honest.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import QAError, SuiteError
from qa.text import normalize

if TYPE_CHECKING:
    from qa.answer.assistant import Assistant
    from qa.types import Answer

_FIELDS = {"id", "question", "answer", "must_include", "sources", "history", "unanswerable",
           "notes", "tags", "agreement", "facts", "min_facts"}
VERDICTS = ("agree", "differ", "none")
# Higher is better for these; false_abstention_rate is the one where lower is better.
QUALITY = ("answer_accuracy", "abstention_accuracy", "source_hit_rate", "mrr",
           "citation_precision", "citation_support", "followup_accuracy",
           "agreement_accuracy", "multi_source_recall", "coverage", "broad_accuracy")
LOWER_IS_BETTER = ("false_abstention_rate",)
DEFAULT_TOLERANCE = 0.02


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    answer: str = ""
    must_include: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    unanswerable: bool = False
    suite: str = ""
    agreement: str = ""  # "agree" | "differ" | "none" (one source): the expected verdict
    facts: list[list[str]] = field(default_factory=list)  # a broad case's key facts
    min_facts: int = 0  # how many of them a broad answer must cover


# -- loading ---------------------------------------------------------------------------------

def load_suite(path: str | Path) -> list[Case]:
    """Read and validate a ``.yaml``/``.yml`` or ``.jsonl`` suite; errors name file, case, field."""
    path = Path(path)
    if not path.is_file():
        raise SuiteError(f"{path}: no such suite file.")
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SuiteError(f"{path}: cannot read it as UTF-8 text ({e}).") from e
    records: list[Any]
    if path.suffix.lower() == ".jsonl":
        records = []
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SuiteError(f"{path}: line {n} is not valid JSON ({e.msg}).") from e
    elif path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            loaded = yaml.safe_load(raw)
        except yaml.YAMLError as e:
            raise SuiteError(f"{path}: not valid YAML ({e}).") from e
        if not isinstance(loaded, list):
            raise SuiteError(f"{path}: a suite is a list of cases (got "
                             f"{type(loaded).__name__}).")
        records = loaded
    else:
        raise SuiteError(f"{path}: unknown suite format {path.suffix!r}; use .yaml or .jsonl.")
    cases = [_case(path, i, r) for i, r in enumerate(records, 1)]
    seen: dict[str, int] = {}
    for i, c in enumerate(cases, 1):
        if c.id in seen:
            raise SuiteError(f"{path}: case {i} ({c.id!r}), field 'id': duplicate of case "
                             f"{seen[c.id]}.")
        seen[c.id] = i
    if not cases:
        raise SuiteError(f"{path}: the suite has no cases.")
    return cases


def _case(path: Path, i: int, r: Any) -> Case:
    where = f"{path}: case {i}"
    if not isinstance(r, dict):
        raise SuiteError(f"{where}: a case is a mapping with at least 'id' and 'question'.")
    name = r.get("id")
    if name is not None:
        where += f" ({name!r})"

    def bad(field_: str, why: str) -> SuiteError:
        return SuiteError(f"{where}, field {field_!r}: {why}")

    unknown = sorted(set(r) - _FIELDS)
    if unknown:
        raise bad(unknown[0], f"unknown field; the fields are {', '.join(sorted(_FIELDS))}.")
    if not isinstance(name, str | int) or not str(name).strip():
        raise bad("id", "missing or empty; give each case a unique id.")
    question = r.get("question")
    if not isinstance(question, str) or not question.strip():
        raise bad("question", "missing or empty.")
    unanswerable = r.get("unanswerable", False)
    if not isinstance(unanswerable, bool):
        raise bad("unanswerable", "must be true or false.")
    norm_groups = _groups(r.get("must_include"), lambda why: bad("must_include", why))
    sources = r.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise bad("sources", "must be a list of file names.")
    if unanswerable and (norm_groups or sources):
        raise bad("unanswerable", "an unanswerable case cannot also have must_include or "
                  "sources.")
    history = r.get("history") or []
    if not isinstance(history, list):
        raise bad("history", "must be a list of {role, content} turns.")
    for t in history:
        if not isinstance(t, dict) or t.get("role") not in ("user", "assistant") or \
                not isinstance(t.get("content"), str):
            raise bad("history", f"turn {t!r} must be {{role: user|assistant, content: text}}.")
    answer = r.get("answer", "")
    if not isinstance(answer, str | int | float):
        raise bad("answer", "must be text.")
    verdict = r.get("agreement", "")
    if verdict not in ("", *VERDICTS):
        raise bad("agreement", f"must be one of {', '.join(VERDICTS)}. Currently, it is "
                  f"{verdict!r}.")
    facts = _groups(r.get("facts"), lambda why: bad("facts", why))
    min_facts = r.get("min_facts", len(facts))
    if not isinstance(min_facts, int) or not 0 <= min_facts <= len(facts):
        raise bad("min_facts", f"must be a whole number from 0 to the {len(facts)} facts "
                  f"listed. Currently, it is {min_facts!r}.")
    return Case(str(name), question.strip(), str(answer), norm_groups,
                [Path(s).name for s in sources], [dict(t) for t in history], unanswerable,
                path.name, verdict, facts, min_facts)


def _groups(raw: Any, bad: Callable[[str], SuiteError]) -> list[list[str]]:
    """``[["7", "seven"], "mayor"]`` -> ``[["7", "seven"], ["mayor"]]``."""
    groups = raw or []
    if isinstance(groups, str):
        groups = [[groups]]
    if not isinstance(groups, list):
        raise bad("must be a list of groups, e.g. [[\"unlawful\", \"illegal\"]].")
    out: list[list[str]] = []
    for g in groups:
        alts = [g] if isinstance(g, str | int | float) else g
        if not isinstance(alts, list) or not alts or \
                not all(isinstance(a, str | int | float) and str(a).strip() for a in alts):
            raise bad(f"group {g!r} must be a non-empty list of strings.")
        out.append([str(a) for a in alts])
    return out


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
class Report:
    summary: dict[str, Any]
    cases: list[CaseResult]

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "cases": [c.to_dict() for c in self.cases]}

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")


def evaluate(assistant: Assistant, suite: str | Path | Iterable[Case | str | Path],
             progress: bool = False,
             on_case: Callable[[CaseResult], None] | None = None) -> Report:
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
    return Report(summary, results)


def _config(assistant: Assistant) -> dict[str, Any]:
    s = assistant.settings
    model = s.llm_base_url or str(s.model_path or "bundled SmolLM2-135M-Instruct Q4_1")
    return {"model": model, "embed_model": s.spec.embed_model, "chunk_size": s.spec.chunk_size,
            "chunk_overlap": s.spec.chunk_overlap, "top_k": s.top_k,
            "evidence_k": s.evidence_k, "abstain_below": s.abstain_below}


# -- metrics ---------------------------------------------------------------------------------

def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: ``percentile([1, 2, 3, 4], 50) -> 2``."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarize(results: Sequence[CaseResult]) -> dict[str, Any]:
    """The metrics (None where a metric has no cases to count):

    - answer_accuracy: answerable cases answered (not abstained) with every group in the answer
    - abstention_accuracy: unanswerable cases where it abstained
    - false_abstention_rate: answerable cases where it abstained
    - source_hit_rate / mrr: answerable cases with a listed source among the retrieved
      passages / mean of 1/rank of the first such passage (0 when none)
    - citation_precision: citations (of answered, answerable cases) whose source is listed
    - citation_support: answerable cases whose cited quotes alone hold every group
    - followup_accuracy: answer_accuracy over the answerable cases that carry history
    - agreement_accuracy: cases with an expected ``agreement`` whose answer gave that verdict
      ("none": no agreement line); false_agree counts "agree" where "differ" was expected
    - multi_source_recall: fact cases listing two or more sources whose answer cites two or
      more of them
    - coverage: broad cases (with ``facts``): mean share of their key facts the answer states;
      broad_accuracy: broad cases answered with ``min_facts`` covered and every listed source
      cited
    - latency: p50/p95 seconds per stage, over all cases
    """
    answerable = [r for r in results if not r.unanswerable]
    unanswerable = [r for r in results if r.unanswerable]
    with_sources = [r for r in answerable if r.sources]
    answered = [r for r in answerable if not r.abstained]
    followups = [r for r in answerable if r.followup]
    n_cites = sum(len(r.citations) for r in answered if r.sources)
    judged = [r for r in results if r.expected_agreement]
    multi = [r for r in answerable if len(r.sources) >= 2 and not r.broad]
    broad = [r for r in answerable if r.broad]
    stages: dict[str, list[float]] = {}
    for r in results:
        for stage, seconds in r.timings.items():
            stages.setdefault(stage, []).append(seconds)
    return {
        "cases": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(1 for r in results if r.error),
        "answer_accuracy": _rate(sum(r.correct for r in answerable), len(answerable)),
        "abstention_accuracy": _rate(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "false_abstention_rate": _rate(sum(r.abstained for r in answerable), len(answerable)),
        "source_hit_rate": _rate(sum(r.source_rank is not None for r in with_sources),
                                 len(with_sources)),
        "mrr": round(sum(1 / r.source_rank for r in with_sources if r.source_rank)
                     / len(with_sources), 4) if with_sources else None,
        "citation_precision": _rate(sum(r.cited_listed for r in answered if r.sources),
                                    n_cites),
        "citation_support": _rate(sum(bool(r.supported) for r in answerable if r.must_include),
                                  sum(1 for r in answerable if r.must_include)),
        "followup_accuracy": _rate(sum(r.correct for r in followups), len(followups)),
        "agreement_accuracy": _rate(sum(r.agreement == r.expected_agreement for r in judged),
                                    len(judged)),
        "false_agree": sum(r.agreement == "agree" and r.expected_agreement == "differ"
                           for r in judged) if judged else None,
        "multi_source_recall": _rate(sum(r.sources_cited >= 2 for r in multi), len(multi)),
        "coverage": round(sum((r.facts_covered or 0) / r.facts for r in broad) / len(broad), 4)
        if broad else None,
        "broad_accuracy": _rate(sum(r.correct for r in broad), len(broad)),
        "latency": {stage: {"p50": round(percentile(v, 50), 4),
                            "p95": round(percentile(v, 95), 4)}
                    for stage, v in sorted(stages.items(), key=lambda kv: _stage_order(kv[0]))},
    }


STAGES = ("rewrite", "retrieve", "evidence", "read", "agree", "generate", "check", "total")


def _stage_order(stage: str) -> tuple[int, str]:
    """Pipeline order, whatever order the cases met the stages in; unknown stages last."""
    return (STAGES.index(stage) if stage in STAGES else len(STAGES), stage)


# -- regressions -----------------------------------------------------------------------------

def compare(summary: dict[str, Any], baseline: dict[str, Any],
            tolerance: float = DEFAULT_TOLERANCE) -> list[str]:
    """Metrics worse than the baseline's by more than ``tolerance`` (absolute), as sentences.

    ``compare({"answer_accuracy": 0.8}, {"answer_accuracy": 0.9}, 0.02)`` ->
    ``["answer_accuracy fell from 0.900 to 0.800 (tolerance 0.02)"]``. Latency is reported,
    never judged: timings on a shared machine are too noisy to fail a build on.
    """
    out = []
    for metric in QUALITY + LOWER_IS_BETTER:
        now, then = summary.get(metric), baseline.get(metric)
        if now is None or then is None:
            continue
        worse = (then - now) if metric in QUALITY else (now - then)
        if worse > tolerance + 1e-9:
            verb = "fell" if metric in QUALITY else "rose"
            out.append(f"{metric} {verb} from {then:.3f} to {now:.3f} (tolerance {tolerance})")
    return out


def flipped(report: Report, baseline: dict[str, Any]) -> list[str]:
    """Ids of cases that were correct in the baseline and are not now."""
    before = {c["id"]: c.get("correct") for c in baseline.get("cases", [])}
    return [r.id for r in report.cases if before.get(r.id) and not r.correct]


def load_baseline(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise SuiteError(f"{path}: cannot read the baseline ({e}). It must be a file written "
                         "by qa eval --json.") from e
    if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
        raise SuiteError(f"{path}: not a qa eval --json report (no 'summary').")
    return data
