"""The assistant: question (+ history) in, checked and cited ``Answer`` out.

Steps, each timed: resolve the follow-up into a standalone question; retrieve passages
(BM25 + dense, fused, then re-ranked by their best sentence); pick evidence sentences and
typed candidates; abstain when the evidence does not answer this question; otherwise let
the model write a short reply from the evidence, check it, and fall back to the evidence's
own words when the check fails.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer import abstain, agreement, broad, compose, compound, grounding, prompt
from qa.answer.constraints import meeting_constraints
from qa.answer.conversation import Turn, standalone
from qa.answer.evidence import Evidence, EvidenceSelector
from qa.answer.inputs import valid_history, validate
from qa.answer.llm import Generator
from qa.answer.published import dated
from qa.answer.short import rank_candidates, read_candidate, short_answer
from qa.errors import InputError
from qa.settings import Settings
from qa.types import Agreement, Answer, Citation, Passage, Sentence

if TYPE_CHECKING:
    from qa.answer.reader import Reader, Reading
    from qa.store.index import Index, IndexReport
    from qa.store.retrieval import HybridRetriever


class Assistant:
    """``Assistant.open()`` wires the real parts (``qa.wiring``); tests pass their own
    through ``__init__`` (a real retriever over the hash embedder, a scripted model)."""

    def __init__(self, retriever: HybridRetriever, generator: Generator, settings: Settings,
                 selector: EvidenceSelector, reader: Reader | None = None) -> None:
        """``reader``: the trained extractive reader; None leaves short answers and the
        order of typed candidates to the linear span scorer."""
        self.retriever = retriever
        self.generator = generator
        self.settings = settings
        self.selector = selector
        self.reader = reader

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             build: bool = True, progress: bool = False) -> Assistant:
        """Open the index (building it from the corpus folder when there is none yet)."""
        from qa import wiring

        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = settings.with_(index_dir=Path(index_dir))
        return wiring.assistant(settings, build=build, progress=progress)

    @property
    def index(self) -> Index:
        """The index this assistant answers from."""
        return self.selector.index

    def with_settings(self, **changes: Any) -> Assistant:
        """The same parts answering with some settings changed (``top_k``, ``since``,
        ``outlet``...): ``assistant.with_settings(top_k=8).ask(...)``."""
        if not changes:
            return self
        return Assistant(self.retriever, self.generator, self.settings.with_(**changes),
                         self.selector, self.reader)

    def reload(self) -> None:
        """Let retrieval and evidence see the index as it now is (after another writer)."""
        self.retriever.reload()
        self.selector.reload()

    def rankings(self, question: str) -> dict[str, list[str]]:
        """Documents best first, four ways: each retriever alone, both fused by reciprocal
        rank, and the fused list re-ranked by best sentence (what ``ask`` reads); for the
        benchmarks' hit@k."""
        r = self.retriever
        depth = max(r.candidates, self.settings.rerank_k)
        fused = r.retrieve(question, depth)
        ids = {"dense": r.dense(question).ids, "bm25": r.bm25.search(question, depth).ids,
               "rrf": [p.id for p in fused],
               "reranked": [p.id for p in self.selector.rerank(question, fused)]}
        out: dict[str, list[str]] = {}
        for mode, chunk_ids in ids.items():
            docs = out.setdefault(mode, [])
            for id_ in chunk_ids:
                source = r.source_of(id_)
                if source and source not in docs:
                    docs.append(source)
        return out

    def add(self, *items: str | Path, progress: bool = False) -> IndexReport:
        """Index more articles (files, folders, http(s) URLs), read as ``qa index`` reads
        them, and answer from them at once: ``assistant.add("saved/", "https://...")``.
        Nothing indexed is removed; a URL that cannot be fetched raises before anything is
        written."""
        from qa.ingest.fetch import split

        paths, fetched = split([str(i) for i in items])
        report = self.index.update(paths, progress=progress, prune=False, documents=fetched)
        self.reload()
        return report

    def ask(self, question: str, history: list[Turn] | None = None,
            passages: list[Passage] | None = None) -> Answer:
        """Answer ``question``; ``history`` resolves follow-ups; ``passages`` (optional) are
        read instead of retrieving, e.g. to ask about one known paragraph."""
        answer = None
        for item in self.ask_stream(question, history, passages):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def ask_stream(self, question: str, history: list[Turn] | None = None,
                   passages: list[Passage] | None = None) -> Iterator[str | Answer]:
        """Yield the reply's text as it is generated, then the final ``Answer``.

        The final ``Answer.text`` is authoritative: when the check rejects the model's draft,
        it holds the evidence-based answer instead of what was streamed. Its citations carry
        where and when each document was published, and a "when" answer given as a relative
        date ("on Tuesday") is followed by the date worked out from its article's.
        """
        for item in self._answer(question, history, passages):
            yield dated(item, self.index.documents) \
                if isinstance(item, Answer) else item

    def _answer(self, question: str, history: list[Turn] | None,
                passages: list[Passage] | None) -> Iterator[str | Answer]:
        question = validate(question)
        history = valid_history(history)
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = now - clock
            clock = now

        query = standalone(question, history)
        lap("rewrite")
        wide = broad.kind_of(query)
        if wide is not None:
            yield from self._ask_broad(question, query, wide, passages, timings, lap)
            return
        asked = compound.split(query)
        if len(asked) > 1:
            yield from self._ask_parts(question, query, asked, passages)
            return
        if passages is None:
            passages = self._retrieve(query)
        passages, missing = meeting_constraints(query, passages)
        lap("retrieve")
        evidence = self.selector.select(query, passages)
        lap("evidence")
        reading = self.reader.read(query, evidence.sentences) if self.reader else None
        ruled = evidence.candidates[0] if evidence.candidates else None
        evidence = read_candidate(query, rank_candidates(query, evidence, reading), reading,
                                  self.selector.persons)
        lap("read")
        base = {"question": question, "standalone_question": query, "passages": passages}
        reason = abstain.why(evidence, reading, self.settings, self.selector.persons, missing)
        if reason is not None:
            refusal = abstain.text(missing)
            yield refusal
            timings["total"] = sum(timings.values())
            yield Answer(text=refusal, abstained=True, citations=[],
                         timings=timings, closest=compose.cite(evidence.sentences),
                         meta=_meta(evidence, reading, None, f"abstained: {reason}"), **base)  # type: ignore[arg-type]
            return
        hint = evidence.best
        found = agreement.restated(query, evidence, agreement.claims(
            query, evidence, self.reader, self.selector, reading), self.selector)
        endorse = not agreement.contested(evidence, ruled)
        lap("agree")
        if hint is None and self.settings.untyped == "quote":
            text, cited = compose.extractive(evidence)
            citations, agreed = self._sourced(evidence, cited, found, endorse)
            marked = _joined(compose.with_markers(text, citations), agreed)
            yield marked
            lap("check")
            timings["total"] = sum(timings.values())
            yield Answer(text=marked, abstained=False, citations=citations, timings=timings,
                         short_answer=short_answer(query, evidence, reading),
                         meta=_meta(evidence, reading, None, "quoted"), agreement=agreed,
                         **base)  # type: ignore[arg-type]
            return
        messages = prompt.render_prompt(query, evidence.sentences, hint)
        quotes = [s.text for s in evidence.sentences]
        draft = ""
        shown = 0
        for piece in self.generator.stream(messages, self.settings.max_tokens):
            draft += piece
            safe = draft[: draft.rfind(" ") + 1] if " " in draft else ""
            if safe and grounding.unsupported_facts(safe, quotes):
                break  # stop before an invented number or name reaches the user
            if len(safe) > shown:
                yield safe[shown:]
                shown = len(safe)
        lap("generate")
        reply = compose.tidy(draft)
        cited = grounding.supporting(evidence, reply)
        verdict = grounding.check(reply, [s.text for s in cited], query, hint)
        if verdict.ok:
            text = reply
            if shown < len(draft):
                yield draft[shown:]
        else:
            text, cited = compose.extractive(evidence)
        citations, agreed = self._sourced(evidence, cited, found, endorse)
        lap("check")
        timings["total"] = sum(timings.values())
        short = short_answer(query, evidence, reading)
        yield Answer(text=_joined(compose.with_markers(text, citations), agreed),
                     abstained=False, citations=citations, timings=timings, short_answer=short,
                     meta=_meta(evidence, reading, draft, "generated" if verdict.ok else
                                f"fallback: {verdict.reason}"), agreement=agreed,
                     **base)  # type: ignore[arg-type]

    def _retrieve(self, query: str) -> list[Passage]:
        """The ``top_k`` passages ``ask`` reads."""
        return self.ranked(query)[: self.settings.top_k]

    def ranked(self, query: str) -> list[Passage]:
        """The ``rerank_k`` fused passages in scope, re-ranked by their best sentence; ``ask``
        reads the first ``top_k``."""
        depth = max(self.settings.top_k, self.settings.rerank_k)
        fused = self.retriever.retrieve(query, depth, sources=self._scope())
        return self.selector.rerank(query, fused)

    def _scope(self) -> frozenset[str] | None:
        """The documents ``since`` and ``outlet`` leave to retrieve from (None: all)."""
        s = self.settings
        if not (s.since or s.outlet):
            return None
        docs = self.index.documents
        allowed = frozenset(n for n, d in docs.items() if s.in_scope(d.outlet, d.published))
        if not allowed:
            undated = sum(not d.published for d in docs.values())
            asked = " and ".join(x for x in (s.since and f"published since {s.since}",
                                              s.outlet and f"from {s.outlet!r}") if x)
            raise InputError(f"No indexed article is {asked} ({len(docs)} indexed, {undated} "
                             f"without a date). Widen the dates or the source.")
        return allowed

    def _sourced(self, evidence: Evidence, cited: list[Sentence],
                 found: list[agreement.Found], endorse: bool = True
                 ) -> tuple[list[Citation], Agreement | None]:
        """The citations, with the best sentence of each other document that states the
        answer (its claim's sentence, or for an untyped answer one that says the same), and
        whether those documents agree (an "agree" only where ``endorse``)."""
        extra = [f.candidate.sentence for f in found[1:]] if found else \
            agreement.others(evidence.question, evidence, self.reader, self.selector) \
            if evidence.best is None else []
        have = {s.source for s in cited}
        for sent in extra:
            if sent.source not in have:
                cited = [*cited, sent]
                have.add(sent.source)
        citations = compose.cite(cited)
        return citations, agreement.agreement(found, agreement.cited(citations), endorse)

    def _ask_broad(self, question: str, query: str, wide: broad.Asked,
                   passages: list[Passage] | None, timings: dict[str, float],
                   lap: Callable[[str], None]) -> Iterator[str | Answer]:
        """An overview, comparison, profile or two-sided answer (``broad``), every
        sentence quoted and cited; abstains when no article speaks of it."""
        if passages is None:
            passages = self._retrieve(wide.topic or query)
        lap("retrieve")
        composer = broad.Composer(self.selector)
        kind = wide.kind
        composed = composer.overview(wide.topic, passages) if kind is broad.Broad.OVERVIEW \
            else composer.comparison(wide.topic, query, passages) \
            if kind is broad.Broad.COMPARISON \
            else composer.profile(wide.topic, passages) if kind is broad.Broad.PROFILE \
            else composer.two_sided(query, passages)
        lap("evidence")
        base = {"question": question, "standalone_question": query, "passages": passages}
        support = composed.meta.get("support", 1.0) if composed else 0.0
        reason = abstain.why_broad(bool(composed and composed.cited),
                                   float(support), self.settings)  # type: ignore[arg-type]
        if composed is None or reason is not None:
            refusal = abstain.text([])
            yield refusal
            timings["total"] = sum(timings.values())
            closest = self.selector.select(query, passages).sentences
            yield Answer(text=refusal, abstained=True, citations=[], timings=timings,
                         closest=compose.cite(closest),
                         meta={"route": f"broad: {kind.value}", "reason": reason,
                               "draft": None},
                         **base)  # type: ignore[arg-type]
            return
        citations = compose.cite(composed.cited)
        text = _joined(composed.text, composed.agreement)
        yield text
        timings["total"] = sum(timings.values())
        yield Answer(text=text, abstained=False, citations=citations, timings=timings,
                     short_answer=composed.cited[0].text, agreement=composed.agreement,
                     meta={"route": f"broad: {kind.value}", "topic": wide.topic,
                           "documents": composed.documents, "draft": None, **composed.meta},
                     **base)  # type: ignore[arg-type]

    def _ask_parts(self, question: str, query: str, asked: list[str],
                   passages: list[Passage] | None) -> Iterator[str | Answer]:
        """Each part answered on its own, then one answer: the parts' texts in order (a part
        the articles do not answer says so), their citations numbered afresh."""
        answers = [self.ask(part, passages=passages) for part in asked]
        numbers: dict[tuple[str, int, int], Citation] = {}
        texts = []
        for part, a in zip(asked, answers, strict=True):
            if a.abstained:
                texts.append(abstain.on_part(part))
                continue
            renumber = {}
            for c in a.citations:
                key = (c.source, c.start, c.end)
                if key not in numbers:
                    numbers[key] = Citation(len(numbers) + 1, c.source, c.start, c.end,
                                            c.quote, c.title)
                renumber[c.n] = numbers[key].n
            texts.append(_renumbered(a.text, renumber))
        text = "\n\n".join(texts)
        yield text
        seen: set[str] = set()
        yield Answer(
            text=text, abstained=all(a.abstained for a in answers),
            citations=list(numbers.values()), question=question, standalone_question=query,
            passages=[p for a in answers for p in a.passages
                      if not (p.id in seen or seen.add(p.id))],  # type: ignore[func-returns-value]
            timings={k: sum(a.timings.get(k, 0.0) for a in answers)
                     for k in answers[0].timings},
            short_answer="; ".join(a.short_answer for a in answers if not a.abstained),
            closest=[c for a in answers if a.abstained for c in a.closest],
            meta={"route": "parts", "parts": [{"question": q, **a.meta}
                                              for q, a in zip(asked, answers, strict=True)]})


def _joined(text: str, agreed: Agreement | None) -> str:
    """The answer with the agreement line under it, when there is one."""
    below = agreement.line(agreed)
    return f"{text}\n\n{below}" if below else text


def _renumbered(text: str, numbers: dict[int, int]) -> str:
    """``_renumbered("Kyiv. [1][2]", {1: 3, 2: 1}) -> "Kyiv. [3][1]"``."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{numbers.get(int(m.group(1)), m.group(1))}]",
                  text)


def _meta(evidence: Evidence, reading: Reading | None, draft: str | None, route: str
          ) -> dict[str, object]:
    return {
        "kind": evidence.kind.value,
        "head": evidence.frame.head,
        "head_found": evidence.head_found,
        "support": round(evidence.support, 4),
        "coverage": round(evidence.coverage, 4),
        "similarity": round(evidence.similarity, 4),
        "candidates": [c.text for c in evidence.candidates[:5]],
        "features": {k: round(v, 6) for k, v in
                     abstain.evidence_features(evidence, reading).items()},
        "reading": reading and {"text": reading.text,
                                "probability": round(reading.probability, 4),
                                "no_answer": round(reading.no_answer, 4)},
        "draft": draft,
        "route": route,
    }


__all__ = ["Assistant", "Citation"]
