"""The service: one ``Assistant`` and its index, shared safely by many chat sessions.

Every use of the model and every write to the index goes through one lock, taken by a worker
thread, so llama.cpp is never entered from two threads and no question is answered from a
half-updated index. A caller that stops reading a stream (a closed browser tab) cannot leave
the lock held: the worker finishes the answer on its own and releases it. An upload is split
and embedded (the slow part) before it takes the lock, so questions keep being answered while
a document is being added; only writing it into the index waits for them.

Uploads are checked and read before anything is written (``uploads.convert``: the articles
``qa index`` will read from the file), stored into the corpus folder atomically, then
indexed; when indexing fails the stored file is removed again, and the index's own manifest
is written last, so the index never holds half a document. Removing a document moves its
file out of the way (``corpus/.removed/``) rather than deleting it, so nothing a user had is
lost and the next ``qa index`` does not bring it back (an article of a feed or an export
leaves the index only: its file holds the others).

Left out: per-user corpora; conversation history lives with each session, not here.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.answer.assistant import Assistant
from qa.answer.conversation import Turn
from qa.errors import DocumentError, QAError
from qa.ingest.documents import MAX_BYTES
from qa.ingest.uploads import Upload, check, convert, store
from qa.settings import Settings
from qa.store.index import Index
from qa.types import Answer

log = logging.getLogger(__name__)

REMOVED = ".removed"
LEAD = 1000  # characters of each document kept for naming one without a headline

Progress = Callable[[float, str], None]  # (fraction done, what is happening)


@dataclass(frozen=True)
class DocumentRow:
    source: str
    title: str  # the headline, "" when the document has none
    chunks: int
    lead: str  # its opening characters, to name a document without a headline
    outlet: str = ""
    published: str = ""  # ISO YYYY-MM-DD, "" when undeclared


@dataclass(frozen=True)
class Added:
    """What became of one uploaded file: ``source`` is set when it was indexed."""

    original: str
    source: str | None  # the first of ``sources``
    chunks: int
    message: str
    sources: tuple[str, ...] = ()  # a feed or an export adds several articles

    @property
    def ok(self) -> bool:
        return self.source is not None


class _Done:
    pass


class Service:
    """``ask(question, history)`` streams like ``Assistant.ask_stream``; ``add``/``remove``
    change the corpus; ``documents()`` lists it."""

    def __init__(self, assistant: Assistant, corpus_dir: Path,
                 max_bytes: int = MAX_BYTES) -> None:
        self.assistant = assistant
        self.index: Index = assistant.index
        self.corpus_dir = Path(corpus_dir)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._documents = self._list()

    @property
    def settings(self) -> Settings:
        """The settings the assistant answers with (model server, store, scope)."""
        return self.assistant.settings

    @property
    def model_name(self) -> str:
        return self.assistant.generator.name

    @property
    def top_k(self) -> int:
        return self.assistant.settings.top_k

    # --- asking -------------------------------------------------------------------------

    def ask(self, question: str, history: list[Turn] | None = None,
            top_k: int | None = None, since: str = "", outlet: str = ""
            ) -> Iterator[str | Answer]:
        """Text pieces as generated, then the final ``Answer``; errors are raised here.
        ``since`` (ISO date) and ``outlet`` restrict retrieval as ``Settings`` says."""
        current = self.assistant.settings
        assistant = self.assistant.with_settings(**{
            k: v for k, v in (("top_k", top_k), ("since", since), ("outlet", outlet))
            if v and v != getattr(current, k)})
        items: queue.Queue[str | Answer | BaseException | _Done] = queue.Queue()

        def work() -> None:
            with self._lock:
                try:
                    for item in assistant.ask_stream(question, history):
                        items.put(item)
                except BaseException as e:  # handed to the reader, who raises it
                    items.put(e)
                finally:
                    items.put(_Done())

        threading.Thread(target=work, name="qa-ask", daemon=True).start()
        while True:
            item = items.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def articles(self, sources: list[str]) -> dict[str, str]:
        """The exact text each source had when indexed (citation offsets point into it);
        sources no longer indexed are left out."""
        with self._lock:
            return {s: self.index.text(s) for s in dict.fromkeys(sources)
                    if s in self.index.documents}

    # --- the corpus ---------------------------------------------------------------------

    def documents(self) -> list[DocumentRow]:
        """The indexed documents, by file name (a snapshot: listing never waits on the model)."""
        return list(self._documents)

    def add(self, files: list[Path], progress: Progress | None = None) -> list[Added]:
        """Check, store and index uploaded files; each one succeeds or fails on its own, and
        a failure is reported, not raised (the details of an unexpected one are logged)."""
        out: list[Added] = []
        for i, path in enumerate(files):
            if progress:
                progress(i / len(files), f"Reading {path.name}")
            try:
                out.append(self._add_one(path, progress, (i + 0.3) / len(files)))
            except QAError as e:
                out.append(Added(path.name, None, 0, str(e)))
            except Exception as e:
                log.exception("indexing %s failed", path)
                out.append(Added(path.name, None, 0, f"{path.name} was not added: indexing "
                                 f"it failed ({type(e).__name__}); nothing was changed. The "
                                 f"details are in the server's log."))
        if progress:
            progress(1.0, "Done")
        return out

    def _add_one(self, path: Path, progress: Progress | None, done: float) -> Added:
        check(path.name, path.stat().st_size, self.max_bytes)  # before reading a huge file
        upload = convert(path.name, path.read_bytes(), self.max_bytes)
        with self._lock:
            twin = self._twin(upload)
        if twin:
            return twin
        if progress:
            progress(done, f"Indexing {path.name}")
        vectors: dict[str, list[float]] = {}
        for doc in upload.documents:  # unlocked: questions go on being answered
            vectors.update(self.index.prepare(doc.text, progress=progress is not None))
        with self._lock:
            twin = self._twin(upload)  # the same text may have arrived meanwhile
            if twin:
                return twin
            stored = store(self.corpus_dir, upload, taken=self._taken())
            try:
                report = self.index.update([stored], prune=False, vectors=vectors)
                sources = tuple(report.added + report.updated)
                if not sources:
                    why = report.skipped[0].reason if report.skipped else "nothing was new"
                    raise DocumentError(f"{upload.original} was not added: {why}")
            except BaseException:
                stored.unlink(missing_ok=True)
                raise
            finally:
                self._refresh()
        documents = self.index.documents
        chunks = sum(len(documents[s].ids) for s in sources)
        renamed = f" as {stored.name}" if stored.name != upload.original else ""
        passages = f"{chunks} passage{'s' if chunks != 1 else ''}"
        if len(sources) > 1:
            passages = f"{len(sources)} articles, {passages}"
        return Added(upload.original, sources[0], chunks,
                     f"{upload.original} was added{renamed}: {passages}, searchable now.",
                     sources)

    def _taken(self) -> set[str]:
        """File names indexed already (an article of a feed counts as its feed's name)."""
        return {name.split("#", 1)[0] for name in self.index.documents}

    def _twin(self, upload: Upload) -> Added | None:
        """A refusal when every article of ``upload`` is indexed already (under any name)."""
        known = {d.sha256: d.source for d in self.index.documents.values()}
        twins = [known.get(doc.sha256) for doc in upload.documents]
        if all(twins):
            return Added(upload.original, None, 0, f"{upload.original} was not added: "
                         f"the same text is already indexed as {', '.join(map(str, twins))}.")
        return None

    def remove(self, source: str) -> str:
        """Take ``source`` out of the index; its file (if in the corpus folder) is set aside."""
        with self._lock:
            doc = self.index.documents.get(source)
            if doc is None:
                raise DocumentError(f"{source} is not in the index; nothing was removed.")
            self.index.remove_document(source)
            self._refresh()
            path = Path(doc.path)
            corpus = self.corpus_dir.resolve()
            if any(d.path == doc.path for d in self.index.documents.values()):
                return (f"Removed {source} from the index; {path.name} holds other indexed "
                        f"articles too, so it stays (qa index {path.name} adds it again).")
            if path.parent != corpus or not path.exists():
                return f"Removed {source} from the index."
            aside = corpus / REMOVED
            aside.mkdir(exist_ok=True)
            target, n = aside / path.name, 1
            while target.exists():  # an earlier removal of a file with this name stays too
                n += 1
                target = aside / f"{path.stem}-{n}{path.suffix}"
            shutil.move(path, target)
            return (f"Removed {source} from the index; its file was moved to "
                    f"{self.corpus_dir / REMOVED / target.name}.")

    def _refresh(self) -> None:
        """Let retrieval and evidence see the index as it now is."""
        self.assistant.reload()
        self._documents = self._list()

    def _list(self) -> list[DocumentRow]:
        return [DocumentRow(name, d.title, len(d.ids), self.index.text(name)[:LEAD],
                            d.outlet, d.published)
                for name, d in sorted(self.index.documents.items())]
