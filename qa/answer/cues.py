"""Cues: whether a sentence does what a question's shape asks of it.

A "why" is answered by a sentence that gives a cause ("due to pressure", "they argue it was
unlawful"), not by one that restates the event; "What happened after ..." by one that tells
what came next ("subsequently dismissed"); "What kind of claim ...?" by one that says what
qualifies the noun ("claims alleging ..."); "Who is <name>?" by one that describes the
person ("Radakin, the head of the armed forces,"). ``names_head`` says whether a sentence
names the question's head noun, or words it the usual other way ("part" ~ "the eastern
portions"); that table is short and general English, not a thesaurus.
Left out: learned classifiers; each cue is a pattern of general English words.
"""

from __future__ import annotations

import re

from qa.text import STOPWORDS, content_terms, normalize, stem, words

# What came next: "The 12 refused and were subsequently dismissed."
SEQUENCE_CUE = re.compile(r"\b(subsequently|afterwards|later|eventually|then|since then|"
                          r"as a (result|consequence))\b", re.IGNORECASE)
_QUALIFIERS = frozenset("alleging claiming over against for of about that which seeking "
                        "demanding accusing".split())


def qualified(text: str, head: str) -> bool:
    """Does ``text`` say what kind of ``head`` it is: a word qualifying it before ("wrongful
    dismissal claim") or after ("claims alleging ...")? ``"brought the claims had"`` -> False."""
    target = stem(head)
    tokens = words(text)
    for i, w in enumerate(tokens):
        if stem(w) != target:
            continue
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before and before not in STOPWORDS or after in _QUALIFIERS:
            return True
    return False


# A sentence that follows from the one before: "As a consequence, they did not consent."
CONSEQUENCE = re.compile(r"^\W*(as a (consequence|result)|therefore|thus|consequently|so)\b",
                         re.IGNORECASE)
# A sentence that describes the person the one before names: "He is the country's Chief ..."
DESCRIBES = re.compile(r"^\W*(he|she)\s+(is|was)\s+(a|an|the)\b", re.IGNORECASE)


def describes(text: str, q_names: list[str]) -> bool:
    """``"Radakin, the head of the armed forces, said"`` describes Radakin."""
    t = normalize(text)
    return any(re.search(rf"\b{re.escape(n)}(?:,| is| was) (?:a|an|the)\b", t)
               for n in q_names)


_REASON_CUE = re.compile(
    r"\b(because|due to|explained by|the reason|reasons?|since|as a consequence|citing|"
    r"argue[sd]?|so that|in order to|unlawful\w*|illegal|refus\w+ to|under pressure|"
    r"pressure from|threat\w*|fear\w*|afraid)\b", re.IGNORECASE)


def gives_cause(text: str, asked: set[str]) -> bool:
    """Does ``text`` hold a causal cue that is not one of the question's own terms
    (``asked``, its content stems)? For "Why did they refuse?", "they refused to fight"
    restates the event; "they argue it was unlawful" and "due to pressure" give a cause."""
    return any(not asked & set(content_terms(m.group())) for m in _REASON_CUE.finditer(text))


# Question nouns whose answers are usually worded otherwise: "Which part of Ukraine?" is
# answered by "the eastern portions", "What label do they give it?" by "refer to it as".
# General English, not the seed articles' wording; an entry holds words (matched by stem)
# and phrases (matched as written, lowercased).
_HEAD_WORDING: dict[str, tuple[str, ...]] = {
    "part": ("portion", "section", "region", "area", "side", "half"),
    "label": ("call", "called", "dub", "dubbed", "nickname", "term", "refer to * as",
              "known as", "described as", "branded"),
    "nickname": ("call", "called", "dub", "dubbed", "label", "refer to * as", "known as"),
    "term": ("call", "called", "dub", "dubbed", "label", "refer to * as", "known as"),
    "threat": ("danger", "risk", "menace"),
    "verdict": ("ruling", "ruled", "judgment", "convicted", "acquitted", "sentenced"),
    "job": ("role", "task", "duty", "duties", "responsibility", "function"),
    "role": ("job", "task", "duty", "duties", "responsibility", "function", "position"),
    "task": ("job", "role", "duty", "duties", "responsibility", "mission"),
    "purpose": ("aim", "goal", "objective", "meant for", "intended", "in order to"),
    "goal": ("aim", "purpose", "objective", "in order to"),
    "punishment": ("fined", "jailed", "sentenced", "fired", "dismissed", "penalty"),
}
_HEAD_STEMS = {stem(head): head for head in _HEAD_WORDING}


def names_head(text: str, head: str) -> bool:
    """Does ``text`` name ``head``, or word it the usual other way?
    ``names_head("focusing on the eastern portions of the country", "part") -> True``."""
    if _has_stem(text, head):
        return True
    related = _HEAD_WORDING.get(_HEAD_STEMS.get(stem(head), ""), ())
    stems = {stem(w) for w in words(text)}
    lower = " ".join(words(text))
    for item in related:
        if " " not in item and stem(item) in stems:
            return True
        parts = [r"\w+(?: \w+){0,2}" if w == "*" else re.escape(w) for w in item.split()]
        if " " in item and re.search(r"\b" + " ".join(parts) + r"\b", lower):
            return True
    return False


def _has_stem(text: str, word: str) -> bool:
    target = stem(word)
    return any(stem(w) == target for w in words(text))
