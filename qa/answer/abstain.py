"""When the assistant says "the articles don't say", and how it says it: one decision.

``why(...)`` -> the reason to abstain from a single question, or None to answer:

1. ``constraint``: no retrieved passage states the year or number the question names
   (``constraints.unmet``); the passages are about another edition.
2. ``no evidence``: no sentence to read.
3. ``rules`` (the default): a typed question with no candidate of its type and no sure
   span (``no candidate``; ``confident_span``), a best sentence that does not name what an
   untyped question asks about (``headless``), support under ``Settings.abstain_below``
   (``support``).

``QA_ABSTENTION=learned`` replaces step 3 with a judge: a logistic model over the reader's
"no answer here" and span probabilities, the evidence's support, its type checks and the
share of the question's names it leaves unmentioned (``features``), fitted and its bar chosen
on dev data only, SQuAD's dev articles and RGB's development half
(``scripts/tune_abstention.py``, ``abstain_weights.json``). On that dev data it abstains
where it should on 0.69 against the rules' 0.31, at false abstention 0.08 against 0.07; on
the seed articles it refuses half the answerable questions (their paraphrases score low
support), so it is not the default. The figures are in the ablation table of docs/pipeline.md.

``why_broad(...)`` is the same support test for an overview, comparison or profile
(``broad.py``): nothing cited, or support under ``Settings.abstain_below``.

``text(unmet)`` is the one wording the CLI, the browser and the API show; ``on_part(part)``
says it for one part of a two-part question, ``for_panel`` moves "shown below" to the
browser's Sources panel.

Left out: answering the part of a question the articles do answer (``compound.py`` splits
two-part questions before this, and each part is decided on its own).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from qa.answer.constraints import Constraint
from qa.errors import ModelError

if TYPE_CHECKING:
    from qa.answer.evidence import Evidence
    from qa.answer.reader import Reading
    from qa.answer.spans import Span
    from qa.settings import Settings

WEIGHTS = Path(__file__).with_name("abstain_weights.json")
BELOW = "shown below"  # where the closest passages are; the browser says its Sources panel
UNSAID = "the articles don't say"  # every refusal says this, and only this module says it
TEXT = f"{UNSAID.capitalize()}. The closest passages are {BELOW} so you can judge."
CLOSEST = "Closest passages"  # their heading, in the terminal, the browser and the API
CLOSEST_NOTE = "they do not answer the question"
# Support needed when the best sentence does not name what the question asks about.
HEADLESS_SUPPORT = 0.6

# A span the scorer gives at least this share of its probability (its softmax over all the
# question's candidates) is trusted to answer a typed question that the candidate rules found
# nothing for ("Who designed the stadium?" when the designer is a name the corpus never shows
# speaking). On the scorer's held-back SQuAD paragraphs, 6 of the 75 typed questions without
# a candidate reach it, with F1 94 among them. On evals/seeds.yaml no unanswerable case
# without a candidate does but one (0.91, a person's name for "the name of the law", which
# the person check refuses; next 0.58); on my held-out questions the highest is 0.71.
CONFIDENT = 0.8


def features(kind: str, typed: bool, candidate: bool, head_found: bool, support: float,
             coverage: float, similarity: float, no_answer: float, span: float,
             names_missing: float = 0.0) -> dict[str, float]:
    """What the judge reads: the reader's two probabilities, the evidence's support and
    whether it holds an answer of the asked-for type (one place, so that fitting and
    answering compute them alike)."""
    return {
        "bias": 1.0,
        "no_answer": no_answer,
        "log_no_answer": math.log(max(no_answer, 1e-6)),
        "span": span,
        "log_span": math.log(max(span, 1e-6)),
        "support": support,
        "coverage": coverage,
        "similarity": similarity,
        "headless": float(not head_found),
        "typed": float(typed),
        "typed_no_candidate": float(typed and not candidate),
        "reason": float(kind == "reason"),
        "names_missing": names_missing,
    }


def evidence_features(evidence: Evidence, reading: Reading | None) -> dict[str, float]:
    from qa.answer.frames import TYPED

    return features(evidence.kind.value, evidence.kind in TYPED, evidence.best is not None,
                    evidence.head_found, evidence.support, evidence.coverage,
                    evidence.similarity, reading.no_answer if reading else 1.0,
                    reading.probability if reading else 0.0, names_missing(evidence))


def names_missing(evidence: Evidence) -> float:
    """The share of the question's names that no evidence sentence mentions: "When was Agora
    founded?" read from "The SOBR division was founded in 1993." -> 1.0."""
    from qa.answer.names import mentions_any, question_names

    asked = question_names(evidence.question)
    if not asked:
        return 0.0
    text = " ".join(s.text for s in evidence.sentences)
    return sum(not mentions_any(text, [n]) for n in asked) / len(asked)


@lru_cache(maxsize=4)
def _weights(path: Path) -> tuple[dict[str, float], float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in data["weights"].items()}, float(data["bar"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"The abstention judge's weights {path} cannot be used "
                         f"({type(e).__name__}: {e}). Reinstall the package (pip install -e "
                         ".), refit them (python scripts/tune_abstention.py), or set "
                         "QA_ABSTENTION=rules.") from None


def answerable(evidence: Evidence, reading: Reading | None, path: Path = WEIGHTS
               ) -> tuple[float, float]:
    """``(probability that the question is answerable from this evidence, the bar under
    which the assistant abstains)``, from the judge fitted by scripts/tune_abstention.py."""
    weights, bar = _weights(path)
    return probability(weights, evidence_features(evidence, reading)), bar


def probability(weights: dict[str, float], x: dict[str, float]) -> float:
    """The judge's logistic score of features ``x``: ``probability({"bias": 0.0}, {}) -> 0.5``."""
    z = sum(weights.get(k, 0.0) * v for k, v in x.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def why(evidence: Evidence, reading: Reading | None, settings: Settings,
        persons: frozenset[str], unmet: list[Constraint]) -> str | None:
    if unmet:
        return "constraint"
    if not evidence.sentences:
        return "no evidence"
    if settings.abstention == "learned" and reading is not None:
        p, bar = answerable(evidence, reading)
        return f"judged {p:.2f} < {bar:.2f}" if p < bar else None
    return rules(evidence, reading, settings, persons)


def rules(evidence: Evidence, reading: Reading | None, settings: Settings,
          persons: frozenset[str]) -> str | None:
    """The hand-set checks (``QA_ABSTENTION=rules``, and without a reader)."""
    from qa.answer.frames import TYPED

    if evidence.kind in TYPED and evidence.best is None:
        # "When ...?" and not a date in sight, unless the span scorer is sure of one.
        if confident_span(evidence.question, evidence, persons) is None:
            return "no candidate"
        return None
    if not evidence.head_found and evidence.support < HEADLESS_SUPPORT:
        return "headless"  # "What verdict ...?" and no sentence mentions a verdict
    if _weak(evidence.support, settings):
        return "support"
    return None


def why_broad(cited: bool, support: float, settings: Settings) -> str | None:
    """The reason to abstain from an overview, comparison or profile, or None to answer:
    ``why_broad(True, 0.1, Settings())`` -> "nothing on it" (support under 0.30)."""
    return None if cited and not _weak(support, settings) else "nothing on it"


def _weak(support: float, settings: Settings) -> bool:
    return support < settings.abstain_below


def confident_span(question: str, evidence: Evidence,
                   persons: frozenset[str] = frozenset()) -> Span | None:
    """The span scorer's best span when it is sure of it, else None; a person's name never
    answers a question about a place or a named thing ("the name of the law")."""
    from qa.answer.frames import Kind
    from qa.answer.names import is_person
    from qa.answer.spans import best_span

    span = best_span(question, evidence)
    if span is None or span.share < CONFIDENT:
        return None
    if evidence.kind in (Kind.PLACE, Kind.NAME) and is_person(span.text, persons):
        return None
    return span


def text(unmet: list[Constraint]) -> str:
    """``text([Constraint("year", "2019")])`` -> "The articles don't say for 2019: ..."."""
    if not unmet:
        return TEXT
    named = " and ".join(c.value for c in unmet)
    return (f"{UNSAID.capitalize()} for {named}: none of the passages found mentions it. "
            f"The closest passages are {BELOW} so you can judge.")


def on_part(part: str) -> str:
    """One part of a two-part question left unanswered: ``on_part("Who won?")`` ->
    "On “Who won?”: the articles don't say."."""
    return f"On “{part}”: {UNSAID}."


def for_panel(answer_text: str, panel: str) -> str:
    """An abstention's text with its closest passages placed in ``panel`` instead of below:
    ``for_panel(TEXT, "in the Sources panel")`` -> "... are in the Sources panel so ..."."""
    return answer_text.replace(BELOW, panel)
