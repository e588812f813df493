"""Conversation: turn a follow-up into a standalone question before retrieval.

"Which city was he calling from?" after "Which lawyer represents the guardsmen?" /
"Mikhail Benyash." becomes "Which city was Mikhail Benyash calling from?". The referent is
the most recent name in the history that fits the pronoun (a person for he/she, anything for
it/they), except that "they" after "How many guardsmen ...?" is the guardsmen; pronouns are
replaced in place rather than history being pasted on, because pasted history drags
retrieval towards the previous answer. Left out: ellipsis ("And the other?").
"""

from __future__ import annotations

import re

from qa.answer.frames import Kind, frame
from qa.text import (
    CAPITALIZED,
    DEMONSTRATIVES,
    ORG_WORDS,
    PERSONAL_PRONOUNS,
    STOPWORDS,
    THING_PRONOUNS,
    WH_WORDS,
    normalize,
    words,
)

Turn = dict[str, str]  # {"role": "user"|"assistant", "content": str}

_PERSONAL = "|".join(PERSONAL_PRONOUNS)
_THING = "|".join(THING_PRONOUNS)
_PRONOUN = re.compile(rf"\b({_PERSONAL}|{_THING})\b", re.IGNORECASE)
# Capitalized words that open a turn without being part of a name: "Which", "Yes", "Thanks".
_LEAD = frozenset(WH_WORDS) | frozenset("the and but did does is are was were yes no in on "
                                        "according a an it he she they i ok okay thanks".split())


def names_in(text: str) -> list[str]:
    """Capitalized phrases, latest last: ``"Mikhail Benyash, per the FT." -> [...Benyash, FT]``."""
    out = []
    for m in CAPITALIZED.finditer(text):
        phrase = m.group().strip()
        tokens = phrase.split()
        while tokens and tokens[0].lower() in _LEAD:
            tokens = tokens[1:]
        phrase = re.sub(r"[’']s?$", "", " ".join(tokens))  # "Benyash’s" -> "Benyash"
        if phrase and normalize(phrase) not in STOPWORDS:
            out.append(phrase)
    return out


def _looks_personal(name: str) -> bool:
    # Two capitalized words ("Mikhail Benyash") or a title; organisations rarely fit he/she.
    return len(name.split()) >= 2 and not any(w in ORG_WORDS for w in words(name))


_DEMONSTRATIVE = re.compile(rf"\b({'|'.join(DEMONSTRATIVES)})\s+([a-z][\w\-]+)\b")


def _demonstratives(question: str, turns: list[str]) -> str:
    """``"the lowest figure that official gave"`` after "...said a high-ranking NATO
    official..." -> ``"... the high-ranking NATO official gave"``: the noun's fuller mention."""
    def swap(m: re.Match[str]) -> str:
        noun = m.group(2)
        for content in reversed(turns):
            found = re.search(rf"((?:[\w\-]+\s+){{0,2}}){re.escape(noun)}\b", content,
                              re.IGNORECASE)
            if found:
                lead = [w for w in found.group(1).split()
                        if w.lower() not in ("a", "an", "the", "that", "this", "said", "by")]
                return "the " + " ".join(lead + [noun])
        return m.group()

    return _DEMONSTRATIVE.sub(swap, question)


def standalone(question: str, history: list[Turn] | None) -> str:
    """Resolve pronouns in ``question`` against ``history``; unchanged when nothing fits."""
    if not history:
        return question
    turns = [t.get("content", "") for t in history if t.get("role") in ("user", "assistant")]
    question = _demonstratives(question, turns)
    if not _PRONOUN.search(question):
        return question
    q_names = {normalize(n) for n in names_in(question)}
    candidates: list[str] = []  # most recent first
    for content in reversed(turns):
        for name in reversed(names_in(content)):
            if normalize(name) not in q_names and name not in candidates:
                candidates.append(name)
    last_user = next((t.get("content", "") for t in reversed(history)
                      if t.get("role") == "user"), "")
    counted = _counted(last_user)
    if not candidates and not counted:
        return question
    person = next((n for n in candidates if _looks_personal(n)), candidates[0] if candidates
                  else "")
    thing = candidates[0] if candidates else ""
    # When the last answer is a bare name, "it"/"they" most likely refers to the topic of the
    # previous question instead; prefer a non-personal name from the last user turn.
    topical = [n for n in names_in(last_user) if not _looks_personal(n)]
    if topical:
        thing = topical[-1]
    replaced = {"done": False}

    def swap(m: re.Match[str]) -> str:
        word = m.group()
        lower = word.lower()
        if replaced["done"] and lower in ("he", "she", "him", "her", "it", "they", "them"):
            return word  # replace the first mention only; later ones read naturally
        replaced["done"] = True
        plural = bool(counted) and lower in _PLURAL
        target = f"the {counted}" if plural else person if re.fullmatch(_PERSONAL, lower) \
            else thing
        if not target:
            return word
        if lower not in _POSSESSIVE:
            return target
        # "Mikhail Benyash’s team", "the guardsmen’s families", "the soldiers’ units"
        return f"{target}’" if plural and counted.endswith("s") else f"{target}’s"

    return _PRONOUN.sub(swap, question, count=2)


_PLURAL = frozenset("they them their theirs".split())
_POSSESSIVE = frozenset("his hers its their theirs".split())


def _counted(question: str) -> str:
    """What a "How many ...?" question counts, when plural: "How many guardsmen is Benyash
    defending?" -> "guardsmen", which a follow-up's "they" or "them" speaks of ("How many of
    them have since pulled out?"), not Benyash."""
    fr = frame(question)
    head = fr.head
    if fr.kind is not Kind.NUMBER or not re.fullmatch(r"[a-z\-]+(?:s|men|people)", head) or \
            head.endswith("ss"):
        return ""
    return head
