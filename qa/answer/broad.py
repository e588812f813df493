"""Broad questions: overviews, comparisons, profiles and two-sided yes/no, from every article.

A fact question is answered from its best sentence; "What is this story about?", "What do
the articles say about the lawsuit?", "Who is Tony Radakin?" and "Is the army on the verge
of mutiny?" are not single facts. ``kind_of(question)`` recognises them by their wording
(general English only: "summarize", "what do the reports say about", "who is" + a name,
a question opening with "is" / "did" / ...), and ``Composer`` answers each extractively,
with every sentence quoted exactly and cited:

- **overview**: the sentences most central to the articles (cosine to the mean of all their
  sentence vectors, with a lead bonus: news puts what happened first), chosen greedily with
  at least one from each article and none close to one already chosen (``REDUNDANT``);
  the first says what happened, the rest follow in article order; "(Drawn from N articles.)"
- **comparison**: each article's best sentences about the topic, article by article, then
  the agreement line when two articles give a number for the same thing.
- **profile**: the sentences that describe the person (an appositive, a role before the
  name, "X is ...", "He is ..." right after a mention), then what they did or said.
- **two-sided**: the evidence, split into what supports the statement and what qualifies or
  denies it (negation and contrast words the question does not use); never a bare yes or no.

Left out: abstractive summaries (the 135M model invents from long prompts), questions that
mix a broad and a fact part, and stance detection beyond negation and contrast words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from qa.answer import values
from qa.answer.candidates import NUMBER_SPAN
from qa.answer.cues import DESCRIBES, describes
from qa.answer.names import question_names
from qa.text import AUXILIARIES, ROLE_NOUNS, STOPWORDS, content_terms, normalize, words
from qa.types import Agreement, Claim, Passage, Sentence

if TYPE_CHECKING:
    from qa.answer.evidence import EvidenceSelector


class Broad(StrEnum):
    OVERVIEW = "overview"
    COMPARISON = "comparison"
    PROFILE = "profile"
    TWO_SIDED = "two-sided"


@dataclass(frozen=True)
class Asked:
    """A broad question: its ``kind`` and ``topic`` (the words it is about; "" for the
    whole corpus)."""

    kind: Broad
    topic: str = ""


_DOCS = r"(?:articles?|reports?|stories|story|sources?|texts?|documents?|news|coverage|pieces?)"
_OVERVIEW = re.compile(
    rf"^(?:please\s+)?(?:summari[sz]e|sum up|recap|brief me on|give (?:me )?(?:an? )?"
    rf"(?:overview|summary|rundown|recap|gist)|(?:an? )?(?:overview|summary|recap) of|"
    rf"what(?:'s| is| are)? (?:this|these|the|all this) {_DOCS}? ?(?:all )?about|"
    rf"what (?:are|were) the (?:main|key) (?:points|facts|takeaways|events)|"
    rf"(?:the )?(?:main|key) points|tl;?dr|(?:what happened|what is going on)(?: here)?$|"
    rf"what(?:'s| is) (?:this|it) (?:all )?about)\b")
_COMPARISON = re.compile(
    rf"^(?:what|how) do(?:es)? (?:the|both|these|all the|each of the) (?:two |three )?"
    rf"{_DOCS}(?: each)? (?:say|report|tell|write)(?: us)? (?:about|on|of)\b|"
    rf"^how do (?:the )?(?:two |three )?{_DOCS}(?: (?:of|on|about) .+)? (?:differ|compare|"
    rf"disagree)\b|"
    rf"^compare (?:the |what the )?(?:two )?{_DOCS}\b|"
    rf"^do (?:the|both|all the) (?:two )?{_DOCS} (?:agree|differ|say the same)\b|"
    rf"\b(?:differ|difference|differences) between the {_DOCS}\b")
_PROFILE = re.compile(r"^(?:who (?:is|was|'s)|tell me (?:more )?about|what do (?:we|you|the "
                      rf"{_DOCS}) know about|give (?:me )?a profile of|profile of|describe)\s+")
# A yes/no question opens with an auxiliary ("be" and "been" never open one).
_YES_NO = re.compile(rf"^(?:{'|'.join(sorted(AUXILIARIES - {'be', 'been'}))})\b|"
                     r"^is it (?:true|the case) that\b")
_TOPIC_NOISE = frozenset("summarize summarise sum recap brief overview summary rundown gist "
                         "main key points facts takeaways events happened going story stories "
                         "article articles report reports source sources text texts document "
                         "documents news coverage piece pieces tell say says write two three "
                         "both each all differ compare agree disagree difference differences "
                         "please give".split())


def kind_of(question: str) -> Asked | None:
    """``kind_of("Summarize the articles.") -> Asked(OVERVIEW)``;
    ``kind_of("What do the two articles say about the lawsuit?") -> Asked(COMPARISON,
    "lawsuit")``; ``kind_of("Who is Tony Radakin?") -> Asked(PROFILE, "Tony Radakin")``;
    ``kind_of("Who is the director of the Rosgvardia?") -> None`` (a fact: a role).
    """
    q = normalize(question).rstrip("?.! ")
    if _COMPARISON.search(q):
        return Asked(Broad.COMPARISON, _topic(q))
    if _OVERVIEW.search(q):
        return Asked(Broad.OVERVIEW, _topic(q))
    m = _PROFILE.match(q)
    if m:
        rest = question.strip().rstrip("?.! ")[m.end():].strip()
        named = " ".join(w for w in rest.split() if w[:1].isupper())
        if named and len(named.split()) == len(rest.split()):  # a name, not "the director"
            return Asked(Broad.PROFILE, named)
        if not q.startswith("who") and content_terms(rest):
            return Asked(Broad.OVERVIEW, rest)  # "Tell me about the lawsuit."
        return None
    if _YES_NO.match(q) and " or " not in q:
        return Asked(Broad.TWO_SIDED, question.strip())
    return None


def _topic(q: str) -> str:
    """The words a broad question is about: ``"what do the articles say about the
    lawsuit" -> "lawsuit"``; ``"summarize the articles" -> ""``."""
    kept = [w for w in words(q) if w not in STOPWORDS and w not in _TOPIC_NOISE]
    return " ".join(kept)


@dataclass
class Composed:
    """A broad answer: the text with [n] markers, the sentences cited (in citation order),
    and an agreement between them when two articles give a number for one thing."""

    text: str
    cited: list[Sentence]
    agreement: Agreement | None = None
    documents: int = 0
    meta: dict[str, object] = field(default_factory=dict)


MAX_DOCUMENTS = 4  # an overview of more reads the articles retrieved for the question
OVERVIEW_SENTENCES = 5
LEAD_BONUS = 0.08  # for each of a body's first two sentences: news tells what happened first
REDUNDANT = 0.85  # cosine to a chosen sentence above which a sentence repeats it
RELEVANT = 0.6  # of the best score, for a yes/no's sentence to count
MENTIONS = 0.4  # of the best score, for an article's best sentence to speak of a topic
PROFILE_SENTENCES = 3
_CONTRA = re.compile(r"\b(?:not|no|never|none|n't|nor|deny|denies|denied|unverified|"
                     r"cannot be confirmed|unconfirmed|rather than|instead of|warned|"
                     r"doubt\w*|false|untrue)\b")


class Composer:
    """Answers a broad question from the index the selector reads."""

    def __init__(self, selector: EvidenceSelector) -> None:
        self.selector = selector

    def _body(self, source: str) -> list[Sentence]:
        """A document's sentences (debris, headlines and fragments left out), in order."""
        text = self.selector.index.text(source)
        title = self.selector.index.documents[source].title
        out = []
        for s, e, debris in self.selector.doc_sentences(source):
            t = text[s:e]
            if debris or len(words(t)) < 6 or len(words(t)) > 80 or not re.search(r"[.!?”\"]$", t):
                continue
            out.append(Sentence(source, title, s, e, t))
        return out

    def overview(self, topic: str, passages: list[Passage]) -> Composed | None:
        index = self.selector.index
        docs = list(index.documents)
        if topic or len(docs) > MAX_DOCUMENTS:
            docs = list(dict.fromkeys(p.source for p in passages if p.source in index.documents))
        docs = docs[:MAX_DOCUMENTS]
        bodies = {d: self._body(d) for d in docs}
        bodies = {d: b for d, b in bodies.items() if b}
        if not bodies:
            return None
        pool = [s for b in bodies.values() for s in b]
        vectors = dict(zip([(s.source, s.start) for s in pool], self.selector.vectors(pool),
                           strict=True))
        centre = _unit([sum(col) for col in zip(*vectors.values(), strict=True)])
        if topic:
            topical = _unit(self.selector.embedder.embed([topic])[0])
            centre = _unit([a + b for a, b in zip(centre, topical, strict=True)])
        position = {(s.source, s.start): i for b in bodies.values() for i, s in enumerate(b)}

        def score(s: Sentence) -> float:
            lead = LEAD_BONUS if position[(s.source, s.start)] < 2 else 0.0
            return _dot(vectors[(s.source, s.start)], centre) + lead

        ranked = sorted(pool, key=score, reverse=True)
        chosen: list[Sentence] = []

        def fresh(s: Sentence) -> bool:
            v = vectors[(s.source, s.start)]
            return all(_dot(v, vectors[(c.source, c.start)]) < REDUNDANT for c in chosen)

        for d in bodies:  # one from each article first
            top = next((s for s in ranked if s.source == d and fresh(s)), None)
            if top is not None:
                chosen.append(top)
        for s in ranked:
            if len(chosen) >= max(OVERVIEW_SENTENCES, len(bodies)):
                break
            if s not in chosen and fresh(s):
                chosen.append(s)
        first = min(chosen, key=lambda s: (position[(s.source, s.start)], -score(s)))
        order = list(bodies)
        rest = sorted((s for s in chosen if s is not first),
                      key=lambda s: (order.index(s.source), s.start))
        cited = [first, *rest]
        n = len(bodies)
        text = " ".join(f"{s.text} [{i}]" for i, s in enumerate(cited, 1))
        text += f"\n\n(Drawn from {n} article{'s' if n != 1 else ''}.)"
        return Composed(text, cited, between(cited), n)

    def comparison(self, topic: str, question: str, passages: list[Passage]
                   ) -> Composed | None:
        ranked = self.selector.select(question, passages).ranked
        if not ranked:
            return None
        top = ranked[0][0].score
        per_doc: dict[str, list[Sentence]] = {}
        for sent, _ in ranked:  # best first: each article's best, and a close second
            group = per_doc.setdefault(sent.source, [])
            if sent.score >= MENTIONS * top and len(group) < 2 and (
                    not group or sent.score >= 0.85 * group[0].score):
                group.append(sent)
        per_doc = {d: sorted(g, key=lambda s: s.start) for d, g in per_doc.items() if g}
        if not per_doc:
            return None
        cited: list[Sentence] = []
        parts = []
        for d, group in per_doc.items():
            marks = []
            for s in group:
                cited.append(s)
                marks.append(f"{s.text} [{len(cited)}]")
            title = self.selector.index.documents[d].title or d
            parts.append(f"{title}: " + " ".join(marks))
        # Left for the line below: what each article says side by side, not whether a
        # paraphrase of one says the other (unjudged unless a number for one thing differs).
        if len(per_doc) == 1:
            parts.append("Only one article speaks of it.")
        return Composed("\n\n".join(parts), cited, between(cited), len(per_doc))

    def profile(self, name: str, passages: list[Passage]) -> Composed | None:
        names = question_names(f"X {name}") or [normalize(name)]
        last = names[-1]
        found: list[tuple[float, Sentence]] = []
        docs = list(dict.fromkeys(p.source for p in passages
                                  if p.source in self.selector.index.documents))
        for d in docs:
            body = self._body(d)
            for i, s in enumerate(body):
                t = normalize(s.text)
                here = re.search(rf"\b{re.escape(last)}\b", t) is not None
                after = i > 0 and re.search(rf"\b{re.escape(last)}\b",
                                            normalize(body[i - 1].text)) is not None
                if not here and not (after and re.match(r"^\W*(he|she)\s+(is|was)\b", t)):
                    continue
                found.append((_describing(s.text, last) + (0.0 if here else 0.05)
                              - 0.001 * i, s))
        if not found:
            return None
        found.sort(key=lambda x: -x[0])
        chosen = [s for _, s in found[:PROFILE_SENTENCES]]
        for d in docs:  # each article that names them says something
            if not any(s.source == d for s in chosen):
                extra = next((s for _, s in found if s.source == d), None)
                if extra is not None:
                    chosen.append(extra)
        text = " ".join(f"{s.text} [{i}]" for i, s in enumerate(chosen, 1))
        return Composed(text, chosen, None, len({s.source for s in chosen}))

    def two_sided(self, question: str, passages: list[Passage]) -> Composed | None:
        evidence = self.selector.select(question, passages)
        ranked = [s for s, _ in evidence.ranked]
        if not ranked:
            return None
        top = ranked[0].score
        relevant = [s for s in ranked if s.score >= RELEVANT * top][:4]
        asked = set(_CONTRA.findall(normalize(question)))
        against = [s for s in relevant if set(_CONTRA.findall(normalize(s.text))) - asked]
        support = [s for s in relevant if s not in against]
        cited = (support[:2] + against[:2]) if support and against else relevant[:2]
        for d in dict.fromkeys(s.source for s in ranked):  # each article that speaks of it
            best = next(s for s in ranked if s.source == d)
            if best.score >= MENTIONS * top and all(c.source != d for c in cited):
                contra = bool(set(_CONTRA.findall(normalize(best.text))) - asked)
                (against if contra else support).append(best)
                cited.append(best)
        n = {id(s): i for i, s in enumerate(cited, 1)}
        if support and against and any(id(s) in n for s in against):
            text = ("The articles give evidence both ways. For: " +
                    " ".join(f"{s.text} [{n[id(s)]}]" for s in support if id(s) in n) +
                    "\n\nAgainst, or with a qualification: " +
                    " ".join(f"{s.text} [{n[id(s)]}]" for s in against if id(s) in n))
        else:
            text = "The articles say: " + " ".join(f"{s.text} [{n[id(s)]}]" for s in cited)
        return Composed(text, cited, None, len({s.source for s in cited}),
                        meta={"support": round(evidence.support, 4)})


_ROLES = "|".join(sorted(ROLE_NOUNS))


def _describing(text: str, last: str) -> float:
    """How much a sentence says who someone is: ``"Admiral Tony Radakin of the United
    Kingdom said"`` (a title before the name) and ``"He is the country's Chief of Defense
    Staff"`` score above ``"Radakin said the word"``."""
    t = normalize(text)
    score = 0.0
    if describes(text, [last]) or DESCRIBES.match(t):
        score += 0.6  # an appositive or a copula: what they are
    if re.search(rf"\b(?:[a-z]+ )?(?:{_ROLES})\s+(?:\w+\s+)?{re.escape(last)}\b", t):
        score += 0.4  # a role before the name
    if re.search(rf"\b{re.escape(last)}\s+(?:said|says|told|argues|argued|added|wrote|will|"
                 rf"was|has|had|is)\b", t):
        score += 0.2  # what they did or said
    return score


def between(cited: list[Sentence]) -> Agreement | None:
    """Whether two articles' sentences give the same number for the same thing (the same
    word right after it, "12 members" / "14 members"): an agreement over the first such
    pair, None when there is none."""
    found: list[tuple[int, Sentence, str, values.Value, str]] = []
    for i, s in enumerate(cited, 1):
        for m in NUMBER_SPAN.finditer(s.text):
            after = values.counted(s.text[m.end():], STOPWORDS)
            value = values.number(m.group())
            if value is not None and after and value.high >= 2:
                found.append((i, s, m.group(), value, after[0]))
    for a in found:
        for b in found:
            if a[1].source < b[1].source and a[4] == b[4]:
                ok = values.compatible(a[3], b[3])
                if ok is None:
                    continue
                verdict = "agree" if ok else "differ"
                return Agreement(verdict, (Claim(a[0], a[1].source, a[2], a[3].text, "agree"),
                                           Claim(b[0], b[1].source, b[2], b[3].text, verdict)))
    return None


def _dot(u: list[float], v: list[float]) -> float:
    return sum(x * y for x, y in zip(u, v, strict=True))


def _unit(v: list[float]) -> list[float]:
    norm = sum(x * x for x in v) ** 0.5 or 1.0
    return [x / norm for x in v]
