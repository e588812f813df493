"""Chunking and indexing: documents in, sentence-aware chunks with exact spans into Chroma.

Layout of an index folder::

    index/
      manifest.json   spec that built it + per document: sha256, path, title, chunk ids
      chroma/         the persistent Chroma store (vectors, chunk text, metadata), unless
                      QA_CHROMA_URL puts them on a Chroma server (see vectorstore.py)
      docs/<sha>.txt  the exact text each document had when indexed (offsets point into it)
      .lock           held while a process writes

Updating is idempotent: a document whose sha256 is in the manifest is skipped, a changed one
has its chunks replaced, and one whose file is gone loses its chunks. Chunk ids are derived
from (file name, content hash, position), and the manifest is written last, atomically; any
chunk in Chroma that the manifest does not list is deleted at the next update, so a killed
run is repaired by the next one. Left out: file formats other than text/Markdown.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import vectorstore
from .documents import Document, Skipped, load_all
from .embeddings import Embedder
from .errors import IndexBusyError, IndexMismatchError, IndexMissingError
from .settings import IndexSpec, Settings
from .text import count_tokens

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DocInfo:
    source: str
    path: str
    title: str
    sha256: str
    ids: tuple[str, ...]


@dataclass
class Report:
    """What one ``update`` did, for the CLI and the UI to show."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_written: int = 0
    repaired: int = 0  # stray chunks of an interrupted run that were deleted
    restored: list[str] = field(default_factory=list)  # re-added: the vector store lacked them


class Index:
    """A folder holding the chunks of a corpus; open one with ``Index.open`` or ``create``."""

    def __init__(self, root: Path, spec: IndexSpec, embedder: Embedder,
                 manifest: dict[str, Any], chroma_url: str = "", create: bool = True) -> None:
        self.root = root
        self.spec = spec
        self.embedder = embedder
        self._manifest = manifest
        self.chroma_url = chroma_url  # "" keeps the vectors in root/chroma
        self.collection = vectorstore.collection(root, chroma_url, manifest, create)
        self._texts: dict[str, str] = {}
        if not create:  # reading: the store must hold what the manifest lists
            vectorstore.check(self.collection, manifest, root, chroma_url)

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder, create: bool = False) -> Index:
        """Open ``settings.index_dir``; with ``create``, make an empty one if there is none."""
        root = Path(settings.index_dir)
        spec = replace(settings.spec, embed_model=embedder.name)
        manifest_path = root / MANIFEST
        if not manifest_path.exists():
            if not create:
                raise IndexMissingError(f"No index at {root}/. Run: qa index")
            root.mkdir(parents=True, exist_ok=True)
            manifest: dict[str, Any] = {"spec": spec.to_dict(), "documents": {},
                                        "collection": vectorstore.new_collection_name()}
        else:
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                stored = manifest["spec"]
                manifest["documents"]  # noqa: B018 - presence check
            except (OSError, ValueError, KeyError, TypeError):
                raise IndexMissingError(
                    f"The index at {root}/ is unreadable ({MANIFEST} is damaged). "
                    f"Rebuild it: qa index --rebuild"
                ) from None
            if stored != spec.to_dict():
                diff = ", ".join(
                    f"{k}: index has {stored.get(k)!r}, settings ask for {v!r}"
                    for k, v in spec.to_dict().items()
                    if stored.get(k) != v
                )
                raise IndexMismatchError(
                    f"The index at {root}/ was built with other settings ({diff}). "
                    f"Use the settings it was built with, or rebuild it: qa index --rebuild"
                )
        return cls(root, spec, embedder, manifest, settings.chroma_url, create)

    @staticmethod
    def remove(root: Path, chroma_url: str = "") -> None:
        """Delete an index folder (for ``--rebuild``), and its collection on a Chroma server;
        refuses a folder that is not an index."""
        if not root.exists():
            return
        if not (root / MANIFEST).exists() and not (root / "chroma").exists():
            raise IndexMissingError(f"{root}/ does not look like an index; not deleting it.")
        with contextlib.suppress(OSError, ValueError):
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
            vectorstore.drop(root, chroma_url, manifest)
        shutil.rmtree(root)

    # --- reading ------------------------------------------------------------------------

    @property
    def documents(self) -> dict[str, DocInfo]:
        return {
            name: DocInfo(name, d["path"], d["title"], d["sha256"], tuple(d["ids"]))
            for name, d in self._manifest["documents"].items()
        }

    def text(self, source: str) -> str:
        """The exact text ``source`` had when indexed; citation offsets index into it."""
        if source not in self._texts:
            sha = self._manifest["documents"][source]["sha256"]
            with open(self.root / "docs" / f"{sha}.txt", encoding="utf-8", newline="") as f:
                self._texts[source] = f.read()
        return self._texts[source]

    def chunks(self) -> list[dict[str, Any]]:
        """Every chunk the manifest lists as ``{"id", "text", "source", "title", "start",
        "end"}`` (another writer's chunks on a shared server are not ours to cite)."""
        got = self.collection.get(include=["documents", "metadatas"])
        listed = {i for d in self._manifest["documents"].values() for i in d["ids"]}
        out = []
        for id_, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
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
                name: {"chunks": len(d["ids"]), "title": d["title"], "path": d["path"]}
                for name, d in sorted(docs.items())
            },
        }

    # --- writing ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusyError(
                    f"Another process is updating the index at {self.root}/. "
                    f"Wait for it to finish, then try again."
                ) from None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def update(self, paths: Iterable[Path], progress: bool = False,
               prune: bool = True) -> Report:
        """Bring the index in line with the files under ``paths``.

        With ``prune``, documents whose file no longer exists are removed too.
        """
        docs, skipped = load_all(paths)
        report = Report(skipped=skipped)
        with self._locked():
            report.restored = self._restore(progress)
            known = self._manifest["documents"]
            todo = []
            for doc in docs:
                old = known.get(doc.source)
                if old and old["sha256"] == doc.sha256:
                    report.unchanged.append(doc.source)
                    if old["path"] != doc.path:
                        old["path"] = doc.path
                    continue
                (report.updated if old else report.added).append(doc.source)
                todo.append(doc)
            if prune:
                for name, d in list(known.items()):
                    if not Path(d["path"]).exists() and name not in {x.source for x in docs}:
                        report.removed.append(name)
            for name in report.removed + [d.source for d in todo if d.source in known]:
                self._delete_source(name)
                known.pop(name, None)
            for doc in todo:
                ids = self._add(doc, progress)
                known[doc.source] = {"path": doc.path, "title": doc.title,
                                     "sha256": doc.sha256, "ids": ids}
                report.chunks_written += len(ids)
            self._write_manifest()
            report.repaired = self._delete_strays()
            self._gc_texts()
        return report

    def remove_document(self, source: str) -> bool:
        with self._locked():
            if source not in self._manifest["documents"]:
                return False
            self._delete_source(source)
            self._manifest["documents"].pop(source)
            self._write_manifest()
            self._gc_texts()
            return True

    def _restore(self, progress: bool = False) -> list[str]:
        """Re-add the chunks of documents the vector store lacks (a Chroma server reset or
        replaced) from the texts kept in ``docs/``; the same text gives the same chunk ids."""
        lost = vectorstore.lost(self.collection, self._manifest)
        for name in lost:
            d = self._manifest["documents"][name]
            self._delete_source(name)
            try:
                text = self.text(name)
            except OSError:
                raise IndexMissingError(
                    f"{vectorstore.describe(self.root, self.chroma_url)} lacks the chunks of "
                    f"{name}, and its text is missing from {self.root}/docs/ too. Rebuild the "
                    f"index: qa index --rebuild") from None
            doc = Document(name, d["path"], text, d["title"], d["sha256"])
            d["ids"] = self._add(doc, progress)
        return list(lost)

    def _add(self, doc: Document, progress: bool) -> list[str]:
        nodes = split(doc, self.spec)
        docs_dir = self.root / "docs"
        docs_dir.mkdir(exist_ok=True)
        tmp = docs_dir / f".{doc.sha256}.tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(doc.text)
        os.replace(tmp, docs_dir / f"{doc.sha256}.txt")
        texts = [n.get_content() for n in nodes]
        vectors: list[list[float]] = []
        batch = 64
        bar = _progress(len(texts), f"embedding {doc.source}", progress)
        for i in range(0, len(texts), batch):
            vectors.extend(self.embedder.embed(texts[i : i + batch]))
            bar.update(len(texts[i : i + batch]))
        bar.close()
        for node, vector in zip(nodes, vectors, strict=True):
            node.embedding = vector
        from llama_index.vector_stores.chroma import ChromaVectorStore

        ChromaVectorStore(chroma_collection=self.collection).add(nodes)
        return [n.node_id for n in nodes]

    def _delete_source(self, source: str) -> None:
        self.collection.delete(where={"source": source})
        self._texts.pop(source, None)

    def _delete_strays(self) -> int:
        expected = {i for d in self._manifest["documents"].values() for i in d["ids"]}
        present = set(self.collection.get(include=[])["ids"])
        strays = sorted(present - expected)
        for i in range(0, len(strays), 1000):
            self.collection.delete(ids=strays[i : i + 1000])
        return len(strays)

    def _gc_texts(self) -> None:
        keep = {f"{d['sha256']}.txt" for d in self._manifest["documents"].values()}
        docs_dir = self.root / "docs"
        if docs_dir.exists():
            for p in docs_dir.iterdir():
                if p.name not in keep:
                    p.unlink(missing_ok=True)

    def _write_manifest(self) -> None:
        tmp = self.root / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(self._manifest, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.root / MANIFEST)


def split(doc: Document, spec: IndexSpec) -> list[Any]:
    """Sentence-aware chunks of ``doc`` as llama-index TextNodes with exact source spans."""
    from llama_index.core import Document as LlamaDocument
    from llama_index.core.node_parser import SentenceSplitter

    keys = ["source", "title", "sha256", "start", "end"]
    splitter = SentenceSplitter(
        chunk_size=spec.chunk_size,
        chunk_overlap=spec.chunk_overlap,
        tokenizer=count_tokens,
        include_metadata=False,
        include_prev_next_rel=False,
        id_func=lambda i, _node: f"{doc.source}:{doc.sha256[:16]}:{i}",
    )
    llama_doc = LlamaDocument(
        text=doc.text,
        id_=doc.source,
        metadata={"source": doc.source, "title": doc.title, "sha256": doc.sha256},
        excluded_embed_metadata_keys=keys,
        excluded_llm_metadata_keys=keys,
    )
    nodes = splitter.get_nodes_from_documents([llama_doc])
    cursor = 0
    for node in nodes:
        chunk = node.get_content()
        # The splitter reports offsets by searching; search forward from the last chunk so a
        # repeated sentence maps to its own occurrence, and verify the span exactly.
        start = doc.text.find(chunk, cursor)
        if start < 0:
            start = doc.text.find(chunk)
        if start < 0:
            raise AssertionError(f"chunk of {doc.source} not found in its text")
        end = start + len(chunk)
        cursor = start + 1
        node.start_char_idx, node.end_char_idx = start, end  # type: ignore[attr-defined]
        node.metadata = {"source": doc.source, "title": doc.title, "sha256": doc.sha256,
                         "start": start, "end": end}
        node.excluded_embed_metadata_keys = keys
        node.excluded_llm_metadata_keys = keys
    return nodes


def _progress(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="chunk", disable=not enabled or total == 0,
                file=sys.stderr, leave=False)
