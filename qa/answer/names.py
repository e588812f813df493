"""Names: capitalized spans read as names, which of them are people's, and who said what.

``proper_spans`` finds the names in a sentence with demonyms, titles and sentence openers
peeled off ("Russian lawyer Mikhail Benyash" -> "Mikhail Benyash"). Which names are people's
is learned from the corpus, not listed: ``people`` keeps a name that some mention of it
gives a person cue (a role before it, a speech verb after it) and the role it is given
("lawyer" -> {"benyash"}). ``question_names`` are the names a question leans on;
``speaker_names`` the person it attributes its answer to ("according to their lawyer").
Left out: named-entity models, and any list of people, groups or places (the words here are
general English: roles, titles, speech verbs, organisation words, from ``qa.text``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from qa.text import (
    CAPITALIZED,
    HONORIFICS,
    MONTHS,
    NAME_ROLES,
    ORG_WORDS,
    ROLE_NOUNS,
    SPEECH,
    STOPWORDS,
    TITLES,
    normalize,
    sentences,
    stem,
    words,
)

# What may stand between a person's name and what they do: "Benyash's", "Chikov (of Agora)".
AFTER_NAME = r"^(?:’s|'s)?\s*,?\s*(?:\([^)]*\)\s*)?"
_ROLES = "|".join(sorted(NAME_ROLES))
_ROLE_BEFORE = re.compile(rf"\b({_ROLES}|{'|'.join(sorted(HONORIFICS))})\.?,?\s+$",
                          re.IGNORECASE)
_ROLE_AFTER = re.compile(rf"^,\s+(?:the|a|an)\s+(?:\w+\s+)?({_ROLES})\b", re.IGNORECASE)
_SPEAKS = re.compile(rf"{AFTER_NAME}(?:recently\s+)?(?:{'|'.join(SPEECH)})\b")


def proper_spans(text: str, keep_openers: bool = True) -> list[tuple[int, int]]:
    """Capitalized name spans, demonyms and titles peeled off, split at "of the".

    ``"Russian lawyer Mikhail Benyash said"`` -> the span of "Mikhail Benyash";
    ``"Admiral Tony Radakin of the United Kingdom"`` -> "Tony Radakin".
    """
    out = []
    for m in CAPITALIZED.finditer(text):
        tokens = [(t.start() + m.start(), t.end() + m.start())
                  for t in re.finditer(r"\S+", m.group())]
        cut = next((i for i, (a, _) in enumerate(tokens) if text[a:].startswith("of ")), None)
        if cut is not None and is_demonym_or_title(text[tokens[0][0]:tokens[0][1]]):
            tokens = tokens[:cut]
        while len(tokens) > 1 and (is_demonym_or_title(text[tokens[0][0]:tokens[0][1]]) or
                                   normalize(text[tokens[0][0]:tokens[0][1]]) in
                                   _SENTENCE_OPENERS | STOPWORDS):
            tokens = tokens[1:]
        start, end = tokens[0][0], tokens[-1][1]
        lower = normalize(text[start:end])
        if lower in STOPWORDS or lower.split()[0] in MONTHS:
            continue
        opener = start == 0 or bool(re.search(r"[.!?“\"]\s*$", text[:start]))
        if len(tokens) == 1 and (opener and (lower in _SENTENCE_OPENERS or not keep_openers)
                                 or is_demonym_or_title(lower)):
            continue  # "Information on ..." opens a sentence; it is not a name
        out.append((start, end))
    return out


_SENTENCE_OPENERS = frozenset("despite however but although and as according unfortunately "
                              "culminating those these this that they their".split())


def is_demonym_or_title(token: str) -> bool:
    """``"Russian"``, ``"Ukrainian"``, ``"British"``, ``"Admiral"`` -> True."""
    t = normalize(token)
    return t in TITLES or bool(re.fullmatch(r"[a-z]+(?:ian|ean|ish|ese)", t))


def people(texts: Iterable[str]) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """In one pass over the corpus: ``person_names`` and ``person_roles``."""
    found: set[str] = set()
    roles: dict[str, set[str]] = {}
    for text, start, end, tokens in _name_mentions(texts):
        role = _ROLE_BEFORE.search(text[:start])
        if role or _SPEAKS.search(text[end:]):
            found.add(" ".join(tokens))
            found.add(tokens[-1])
        role = role or _ROLE_AFTER.search(text[end:])
        if role:
            roles.setdefault(role.group(1).lower(), set()).add(tokens[-1])
    return frozenset(found), {role: frozenset(names) for role, names in roles.items()}


def person_names(texts: Iterable[str]) -> frozenset[str]:
    """Lowercased names the corpus uses for people, with their surnames.

    A name counts when some mention of it has a person cue: a role before it ("lawyer
    Mikhail Benyash") or a speech verb after it ("Chikov wrote", "Putin himself").
    """
    return people(texts)[0]


def _name_mentions(texts: Iterable[str]) -> Iterator[tuple[str, int, int, list[str]]]:
    """Each capitalized name that is not an organisation's, in each sentence that is not
    page debris: (sentence text, start, end, the name's words)."""
    for doc in texts:
        for s_start, s_end, debris in sentences(doc):
            if debris:
                continue
            text = doc[s_start:s_end]
            for start, end in proper_spans(text):
                tokens = words(text[start:end])
                if tokens and not any(w in ORG_WORDS for w in tokens):
                    yield text, start, end, tokens


def person_roles(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Role word -> surnames of the people the corpus gives that role, from "lawyer Mikhail
    Benyash" and "Benyash, the lawyer,": ``{"lawyer": {"benyash"}, ...}``."""
    return people(texts)[1]


_SAME_ROLE = {"attorney": "lawyer", "counsel": "lawyer", "advocate": "lawyer"}
_ATTRIBUTED = re.compile(
    r"\baccording to (?:the |their |his |her |its )?((?:\w+ ){0,2}\w+)|"
    r"\b(?:does|did|do) (?:the |their |his |her )?((?:\w+ ){0,2}?\w+) (?:believe|think|say|"
    r"argue|claim|feel|fear|explain|mean)\b")


def speaker_names(question: str, persons: frozenset[str],
                  roles: dict[str, frozenset[str]]) -> frozenset[str]:
    """Surnames of the person a question attributes its answer to: "according to their
    lawyer" or "Why does the attorney believe ...?" -> ``{"benyash"}`` when the corpus calls
    Benyash a lawyer; "according to Chikov" -> ``{"chikov"}``."""
    m = _ATTRIBUTED.search(normalize(question))
    if m is None:
        return frozenset()
    out: set[str] = set()
    for w in words(m.group(1) or m.group(2)):
        if w in persons:
            out.add(w)
        out |= roles.get(_SAME_ROLE.get(w, w), frozenset())
    return frozenset(out)


def spoken_by(text: str, speakers: frozenset[str]) -> bool:
    """Does a speaker in ``speakers`` say ``text``: "Benyash argues that ...", "according to
    Benyash, ..."?"""
    for m in re.finditer(r"[\w’'-]+", text):
        if normalize(m.group()).replace("'s", "") not in speakers:
            continue
        if _SPEAKS.search(text[m.end():]) or re.search(r"according to\s+(?:\w+\s+){0,4}$",
                                                       text[: m.start()], re.IGNORECASE):
            return True
    return False


def is_person(span: str, persons: frozenset[str]) -> bool:
    tokens = words(span)
    return bool(tokens) and (" ".join(tokens) in persons or tokens[-1] in persons)


def question_names(question: str) -> list[str]:
    """Names in a question (demonyms and its first word aside), as stems to look for."""
    out: list[str] = []
    for start, end in proper_spans(question):
        span = question[start:end]
        if start == 0:
            continue
        out.extend(w for w in words(span) if w not in ORG_WORDS and w not in STOPWORDS)
    # Demonyms count too: "Ukrainian soldiers" are not the "Russian troops" of the evidence.
    out.extend(normalize(m.group()) for m in re.finditer(r"\b[A-Z][a-z]+(?:ian|ean)\b", question)
               if m.start() > 0)
    return out


def described(question: str) -> dict[str, list[str]]:
    """The common noun a question puts after a name, with the name: "How many people does
    the Carrow plant employ?" -> ``{"plant": ["carrow"]}``. A report names it once and then
    says "the plant" (``refers``)."""
    out: dict[str, list[str]] = {}
    for start, end in proper_spans(question):
        if start == 0:
            continue
        after = re.match(r"\s+([a-z]+)\b", question[end:])
        if after is None or after.group(1) in STOPWORDS:
            continue
        named = [w for w in words(question[start:end]) if w not in STOPWORDS]
        if named:
            out.setdefault(stem(after.group(1)), []).extend(named)
    return out


def called(text: str, names_: list[str]) -> dict[str, list[str]]:
    """The common noun a report gives a question's name before "of" it, like ``described``
    for the question: ``called("Flooding in the river town of Merrow ...", ["merrow"])`` ->
    ``{"town": ["merrow"]}``, so that "Voss, the town's mayor" speaks of Merrow. A role ("the
    mayor of Merrow") says who, not what the name is, and a plural ("the residents of
    Merrow") are its people: neither is one."""
    said = words(text)
    out: dict[str, list[str]] = {}
    for i in range(3, len(said)):
        if said[i] not in names_ or said[i - 1] != "of":
            continue
        noun = said[i - 2]
        if noun.isalpha() and noun not in STOPWORDS and noun not in ROLE_NOUNS and \
                not (noun.endswith("s") and not noun.endswith("ss")) and \
                "the" in said[max(0, i - 5):i - 2]:
            named = out.setdefault(stem(noun), [])
            if said[i] not in named:
                named.append(said[i])
    return out


def refers(sentence: str, document: str, nouns: dict[str, list[str]]) -> bool:
    """Does ``sentence`` speak of a ``described`` name by its noun ("The plant employs about
    600 people.") in a document that names it ("... the Carrow chemical plant ...")? The
    noun counts after "the", or opening the sentence bare, as news writes a title
    ("Company spokesman Tomas Reyes said ...")."""
    said = words(sentence)
    named = [n for before, word in zip(["the", *said], said, strict=False)
             if before == "the" for n in nouns.get(stem(word), [])]
    return bool(named) and mentions_any(document, named)


def mentions_any(text: str, names_: list[str]) -> bool:
    """Does ``text`` mention one of ``names_``? A word's start counts for a name of four
    letters or more ("Crimea" ~ "Crimean"); a shorter one must be the whole word ("La La
    Land" is not met by "last" and "landed", nor "US" by "used")."""
    t = " " + " ".join(words(text)) + " "
    for n in names_:
        wanted = " ".join(words(n))
        if not wanted:
            continue
        last = wanted.rsplit(" ", 1)[-1]
        if f" {wanted}{'' if len(last) >= 4 else ' '}" in t:
            return True
    return False
