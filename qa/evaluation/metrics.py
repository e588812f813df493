"""Metrics of a scored suite, and regressions against an earlier run (``qa eval --baseline``).

``summarize(results)`` -> the summary's metrics (each defined in its docstring);
``compare(summary, baseline)`` -> the metrics that fell by more than the tolerance.
Left out: significance tests (suites are tens of cases; the tolerance is the guard).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import SuiteError

if TYPE_CHECKING:
    from qa.evaluation.scoring import CaseResult, SuiteResult

# Higher is better for these; false_abstention_rate is the one where lower is better.
QUALITY = ("answer_accuracy", "abstention_accuracy", "source_hit_rate", "mrr",
           "citation_precision", "citation_support", "followup_accuracy",
           "agreement_accuracy", "multi_source_recall", "coverage", "broad_accuracy")
LOWER_IS_BETTER = ("false_abstention_rate",)
DEFAULT_TOLERANCE = 0.02


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


def flipped(report: SuiteResult, baseline: dict[str, Any]) -> list[str]:
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
