"""Suites of known answers: load a YAML list (or JSON Lines) of cases and validate it.

A suite is a YAML list (or JSON Lines) of cases::

    - id: refusal-reason
      question: Why did the guardsmen refuse to go into Ukraine?
      must_include: [["unlawful", "illegal"]]   # every group must match, any alternative
      sources: [002_75f925b16965c540.txt]        # any one counts
    - id: judge
      question: What is the name of the judge?
      unanswerable: true

Every file is read and checked whole before a question is asked; a bad case is a
``SuiteError`` naming the file, the case and the fix. Scoring is ``scoring``; the metrics
``metrics``. Left out: suites in other formats (CSV, spreadsheets).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import SuiteError

_FIELDS = {"id", "question", "answer", "must_include", "sources", "history", "unanswerable",
           "notes", "tags", "agreement", "facts", "min_facts"}
VERDICTS = ("agree", "differ", "none")

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


