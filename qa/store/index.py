"""The index: documents in, their chunks (``chunking``, ``batches``) in Chroma, kept in step.

Layout of an index folder::

    index/
      manifest.json   spec that built it + per document: sha256, path (a file, or the URL
                      it was fetched from), title, outlet, author, published, url, chunk ids
                      (see ``manifest``)
      chroma/         the persistent Chroma store (vectors, chunk text, metadata), unless
                      QA_CHROMA_URL puts them on a Chroma server (see vectorstore.py)
      docs/<sha>.txt  the exact text each document had when indexed (offsets point into it)
      bm25/, selector/  caches of what opening reads (the BM25 matrix and chunk table,
                      the selector's word counts and names), keyed by ``fingerprint``
      .lock           held while a process writes (``locking.writer``)

Updating is idempotent (``plan`` decides what an update does): a document whose sha256 is in
the manifest is skipped, a changed one has its chunks replaced, one whose file is gone (or now
skipped) loses its chunks, and a text already indexed under another name is not indexed twice.

Crash safety: the manifest is the commit record. Chunk ids are derived from (file name,
content hash, position), so a rerun writes the same ids; a document enters the manifest only
after all its chunks are in Chroma, and the manifest is replaced atomically (written to a
temporary file, synced, renamed) at the end of a run and every few seconds during a long one.
Each update first re-reads the manifest and checks it against the vector store: a listed
document with chunks missing (a killed run, a Chroma server reset or replaced, a damaged
store rebuilt empty) has them re-added from its text kept in ``docs/``, a missing
``docs/<sha>.txt`` is written again, and any chunk the manifest does not list is deleted. So
a run killed at any point leaves a state the next run turns into exactly what a clean run
makes. The embedded store gets two more repairs, as it lives and dies with the writer: after
an interrupted write its collection is rebuilt from its own records, and a store too damaged
to open is rebuilt from the documents by the next writer (it holds nothing that is not
derived from them). A Chroma server is another process, never damaged by a writer's death;
one that cannot be read is a ``StoreError`` naming it. A document fetched from a URL has no
file: it stays until removed or rebuilt (``update`` never prunes it). Left out: fetching a
URL again to see whether its page changed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qa.errors import IndexMissingError, StoreError
from qa.ingest.documents import Document, Skipped, fingerprint, headline, load_all
from qa.settings import IndexSpec, Settings
from qa.store import batches, vectorstore
from qa.store import manifest as manifests
from qa.store import plan as plans
from qa.store.batches import Group
from qa.store.chunking import split
from qa.store.embeddings import Embedder
from qa.store.locking import LOCK_FILE, writer
from qa.store.manifest import META, DocInfo
from qa.store.texts import Texts

MANIFEST = "manifest.json"
WRITING = vectorstore.WRITING  # there while a writer changes Chroma; a killed run leaves it
CHECKPOINT_SECONDS = 5.0  # a long run commits what it has done this often

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    """What one ``update`` did, for the CLI and the UI to show."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_written: int = 0
    repaired: int = 0  # stray chunks of an interrupted run that were deleted
    # Listed and unchanged, but the vector store lacked chunks: re-added from the kept text.
    restored: list[str] = field(default_factory=list)
    recovered: bool = False  # the last write was interrupted (and is repaired now)


class Index:
    """A folder holding the chunks of a corpus; open one with ``Index.open`` or ``create``."""

    def __init__(self, root: Path, spec: IndexSpec, embedder: Embedder,
                 manifest: dict[str, Any], chroma_url: str = "", create: bool = True) -> None:
        """``create`` opens for writing: a missing collection is made, and a damaged embedded
        store is rebuilt. Reading needs the store to hold every chunk the manifest lists."""
        self.root = root
        self.spec = spec
        self.embedder = embedder
        self._manifest = manifest
        self.chroma_url = chroma_url  # "" keeps the vectors in root/chroma
        self._texts = Texts(root)
        self._doc_vectors: dict[tuple[str, str], list[float]] = {}  # (source, sha) -> mean
        self._client: Any = None
        try:
            self._open_store(create)
        except StoreError:  # a server down, or a store lacking chunks: its message says why
            self.close()
            raise
        except Exception as e:  # noqa: BLE001 - Chroma's errors have no common base class
            self.close()
            if chroma_url:  # nothing here to repair: the server's own store is at fault
                raise StoreError(
                    f"The Chroma server at {chroma_url} cannot read the collection of "
                    f"{root}/ ({str(e)[:200]}). Check the server's log; if it was reset, "
                    f"run: qa index") from None
            damaged = IndexMissingError(
                f"The index at {root}/ is damaged (its Chroma store cannot be read: "
                f"{str(e)[:200]}). Run: qa index   (it rebuilds what is damaged)")
            if not create:
                raise damaged from None
            # Everything in the store is derived from the documents: rebuild it from them
            # (``update`` re-adds every listed document from the texts kept in docs/).
            log.warning("The Chroma store in %s/ is damaged (%s); rebuilding it from the "
                        "documents.", root, str(e)[:200])
            shutil.rmtree(root / "chroma", ignore_errors=True)
            try:
                self._open_store(create)
            except Exception:  # noqa: BLE001 - still unreadable after a fresh start
                self.close()
                raise damaged from None
        if not create:  # reading: the store must hold what the manifest lists
            try:
                vectorstore.check(self.collection, manifest, root, chroma_url)
            except StoreError:
                self.close()
                raise

    def close(self) -> None:
        """Let go of the Chroma store (the next ``open`` in this process reads it afresh)."""
        client = getattr(self, "_client", None)
        if client is not None:
            with contextlib.suppress(Exception):  # closing what failed to open
                client.close()
            self._client = None

    def _open_store(self, create: bool = True) -> None:
        old, self._client = self._client, vectorstore.client(self.root, self.chroma_url)
        if old is not None:  # after the new one: an embedded store stays open in between
            with contextlib.suppress(Exception):
                old.close()
        self.collection = vectorstore.collection(self._client, self.root, self.chroma_url,
                                                 self._manifest, create)
        self.collection.count()  # reads the vector segment: a damaged one fails here

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder, create: bool = False) -> Index:
        """Open ``settings.index_dir``; with ``create`` (a writer), make an empty one if there
        is none and rebuild a damaged Chroma store."""
        root = Path(settings.index_dir)
        spec = replace(settings.spec, embed_model=embedder.name)
        if not create:
            manifest = manifests.read(root / MANIFEST, spec)
            if manifest is None:
                raise IndexMissingError(f"No index at {root}/. Run: qa index")
            return cls(root, spec, embedder, manifest, settings.chroma_url, create=False)
        with writer(root):
            manifest = manifests.read(root / MANIFEST, spec) or {
                "spec": spec.to_dict(), "documents": {},
                "collection": vectorstore.new_collection_name()}
            return cls(root, spec, embedder, manifest, settings.chroma_url, create=True)

    @staticmethod
    def remove(root: Path, chroma_url: str = "") -> None:
        """Empty an index folder (for ``--rebuild``) and drop its collection on a Chroma
        server; refuses a folder that is not an index. The lock file stays: a writer holding
        it keeps holding the one others will try."""
        if not root.exists():
            return
        if not (root / MANIFEST).exists() and not (root / "chroma").exists():
            raise IndexMissingError(f"{root}/ does not look like an index; not deleting it.")
        with writer(root):
            # The server's collection before the manifest that names it: a run killed in
            # between leaves an index lacking its chunks (qa index says so), not an orphan.
            with contextlib.suppress(OSError, ValueError):
                manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
                vectorstore.drop(root, chroma_url, manifest)
            (root / MANIFEST).unlink(missing_ok=True)  # first: what is left is no index
            for p in root.iterdir():
                if p.name == LOCK_FILE:
                    continue
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()

    # --- reading ------------------------------------------------------------------------

    @property
    def documents(self) -> dict[str, DocInfo]:
        return manifests.documents(self._manifest)

    def text(self, source: str) -> str:
        """The exact text ``source`` had when indexed; citation offsets index into it."""
        return self._texts.get(source, self._manifest["documents"][source])

    def document_vector(self, source: str) -> list[float]:
        """The mean of a document's chunk vectors, unit length: what the whole document is
        about (two reports of one event are near, at 0.7-0.9; two events, below 0.55)."""
        ids = list(self._manifest["documents"][source]["ids"])
        key = (source, self._manifest["documents"][source]["sha256"])
        if key not in self._doc_vectors:
            got = self.collection.get(ids=ids, include=["embeddings"])
            rows = [list(map(float, v)) for v in got["embeddings"]]
            mean = [sum(col) / len(rows) for col in zip(*rows, strict=True)] if rows else []
            norm = sum(x * x for x in mean) ** 0.5 or 1.0
            self._doc_vectors[key] = [x / norm for x in mean]
        return self._doc_vectors[key]

    def chunks(self) -> list[dict[str, Any]]:
        """Every chunk the manifest lists as ``{"id", "text", "source", "title", "start",
        "end"}`` (strays of a killed run, or anything else in the collection, are not ours to
        cite)."""
        listed = manifests.listed(self._manifest)
        out = []
        for got in vectorstore.pages(self.collection, ["documents", "metadatas"]):
            for id_, text, meta in zip(got["ids"], got["documents"], got["metadatas"],
                                       strict=True):
                if id_ not in listed:
                    continue
                out.append({"id": id_, "text": text, "source": meta["source"],
                            "title": meta.get("title", ""), "start": int(meta["start"]),
                            "end": int(meta["end"])})
        return out

    def stats(self) -> dict[str, Any]:
        docs = self._manifest["documents"]
        return {
            "index": str(self.root),
            "documents": len(docs),
            "chunks": self.collection.count(),
            "embed_model": self.spec.embed_model,
            "store": self.chroma_url or str(self.root / "chroma"),
            "spec": self.spec.to_dict(),
            "per_document": {
                name: {"chunks": len(d["ids"]), "title": d["title"], "path": d["path"],
                       "encoding": d.get("encoding", "utf-8"),
                       **{k: d.get(k) or None for k in META}}
                for name, d in sorted(docs.items())
            },
        }

    # --- writing ------------------------------------------------------------------------

    def update(self, paths: Iterable[Path], progress: bool = False, prune: bool = True,
               vectors: Mapping[str, Sequence[float]] | None = None,
               documents: Sequence[Document] = ()) -> IndexReport:
        """Bring the index in line with the files under ``paths`` and the ``documents`` read
        elsewhere (fetched from a URL).

        With ``prune``, documents whose file no longer exists (or is now skipped) are removed
        too; an article that left a feed whose file is still there stays, as do documents
        fetched from a URL. ``vectors`` (chunk text -> vector, from ``prepare``) spares
        embedding again.
        """
        docs, skipped = load_all(paths, progress)
        here = {d.source for d in docs}
        docs += [d for d in documents if d.source not in here]
        report = IndexReport(skipped=skipped)
        with self._writing() as report.recovered:
            known = self._manifest["documents"]
            present = vectorstore.ids(self.collection)
            plan = plans.plan(docs, known, skipped, prune)
            report.removed, report.added, report.updated = plan.removed, plan.added, plan.updated
            report.unchanged = [doc.source for doc in plan.unchanged]
            report.skipped += plan.twins
            for name in plan.removed:
                self._delete_source(name)
                known.pop(name)
            for doc in plan.unchanged:  # the same text: its chunks, if lost, are restored
                known[doc.source] = plans.refreshed(known[doc.source], doc)
                self._texts.keep(doc)
            for doc in plan.todo:
                if doc.source in known:  # changed: out of the manifest before its chunks go
                    known.pop(doc.source)
                    self._delete_source(doc.source)
            self._write_manifest()
            report.restored = self._restore(present, progress)
            committed = time.monotonic()
            bar = batches.progress_bar(len(plan.todo), "embedding", progress, unit="doc")
            for group in batches.groups(plan.todo, self.spec, report.skipped):
                written = self._add_group(group, present, vectors or {})
                for (doc, _), ids in zip(group, written, strict=True):
                    known[doc.source] = manifests.entry(doc, ids)
                    report.chunks_written += len(ids)
                bar.update(len(group))
                if time.monotonic() - committed > CHECKPOINT_SECONDS:
                    self._write_manifest()
                    committed = time.monotonic()
            bar.close()
            self._write_manifest()
            report.repaired = self._delete_strays()
            self._gc_texts()
        return report

    def _restore(self, present: set[str], progress: bool = False) -> list[str]:
        """Re-add the chunks the vector store lacks of documents the manifest lists (a Chroma
        server reset or replaced, a damaged store rebuilt empty, a write cut short) from the
        texts kept in ``docs/``, whether or not their files are part of this run; the same
        text gives the same chunk ids, so the manifest stays as it is."""
        restored = []
        for name, d in sorted(self._manifest["documents"].items()):
            if present.issuperset(d["ids"]):
                continue
            try:
                text = self.text(name)
            except IndexMissingError:
                raise IndexMissingError(
                    f"{vectorstore.describe(self.root, self.chroma_url)} lacks the chunks of "
                    f"{name}, and its text is missing from {self.root}/docs/ too (and its file "
                    f"has changed). Index it with the folder that holds it (qa index PATH), or "
                    f"rebuild the index: qa index --rebuild") from None
            doc = manifests.document(name, d, text)
            d["ids"] = self._add_group([(doc, split(doc, self.spec))], present, {})[0]
            restored.append(name)
        return restored

    def remove_document(self, source: str) -> bool:
        with self._writing():
            if source not in self._manifest["documents"]:
                return False
            self._manifest["documents"].pop(source)
            self._write_manifest()  # first: a run killed now leaves strays, cleaned next time
            self._delete_source(source)
            self._gc_texts()
            return True

    def prepare(self, text: str, progress: bool = False) -> dict[str, list[float]]:
        """Vectors for the chunks ``text`` will be split into (chunk text -> vector), without
        the lock or any write: ``update(..., vectors=...)`` then only writes them."""
        doc = Document("prepared", "", text, headline(text), fingerprint(text))
        texts = [n.get_content() for n in split(doc, self.spec)]
        # Small batches: a question waiting for the embedder waits for one batch at most.
        return dict(zip(texts, batches.embed(self.embedder, texts, "embedding", progress,
                                             batch=16), strict=True))

    def _add_group(self, group: Group, present: set[str],
                   vectors: Mapping[str, Sequence[float]]) -> list[list[str]]:
        """Keep the texts of ``group``'s documents, then embed and write its chunks."""
        for doc, _ in group:
            self._texts.keep(doc)
        return batches.write(self.collection, self.embedder, group, present, vectors)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[bool]:
        """Hold the write lock over the manifest as last committed; yields whether an earlier
        write was interrupted (and, for the embedded store, the collection rebuilt from its
        own records before this one; a server's store did not die with the writer)."""
        with writer(self.root):
            self._reload()  # another writer may have committed since this index was opened
            marker = self.root / WRITING
            interrupted = marker.exists()
            if interrupted and not self.chroma_url:
                self._rebuild_store()
            marker.touch()
            yield interrupted
            marker.unlink()  # only on success: after an exception, the next writer checks

    def _rebuild_store(self) -> None:
        """Rebuild the Chroma collection from its own records, keeping the chunks the manifest
        lists (no re-embedding). After a killed write, Chroma's vector segment can miss a
        vector its records still hold (seen once in 30 kills), so it is not trusted as is."""
        try:
            records = vectorstore.records(self.collection, manifests.listed(self._manifest))
        except Exception as e:  # noqa: BLE001 - unreadable: every document is embedded again
            log.warning("The vector store in %s/ is unreadable (%s); re-embedding.",
                        self.root, str(e)[:200])
            records = []
        self._client.delete_collection(self.collection.name)
        self._open_store()
        vectorstore.add(self.collection, records)

    def _reload(self) -> None:
        manifest = manifests.read(self.root / MANIFEST, self.spec)
        if manifest is None:
            return
        if "collection" not in manifest and "collection" in self._manifest:
            # An index from before servers, named when it met one: keep that name.
            manifest["collection"] = self._manifest["collection"]
        self._manifest = manifest
        self._texts.forget()
        if vectorstore.collection_name(manifest, self.chroma_url) != self.collection.name:
            self._open_store()  # another writer rebuilt it into a new collection

    def _delete_source(self, source: str) -> None:
        self.collection.delete(where={"source": source})
        self._texts.forget(source)

    def _delete_strays(self) -> int:
        strays = sorted(vectorstore.ids(self.collection) - manifests.listed(self._manifest))
        vectorstore.delete(self.collection, strays)
        return len(strays)

    def _gc_texts(self) -> None:
        self._texts.prune({d["sha256"] for d in self._manifest["documents"].values()})

    def _write_manifest(self) -> None:
        manifests.write(self.root / MANIFEST, self._manifest)

    def fingerprint(self, ids: Iterable[str] | None = None) -> str:
        """What the index holds (see ``manifest.fingerprint``): equal ones, equal chunks.
        ``ids``: those in place of the listed ones (what a reader got from the store)."""
        return manifests.fingerprint(self._manifest, self.spec, ids)

