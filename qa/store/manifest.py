"""The manifest: an index's commit record, read, checked, written and fingerprinted.

Its shape (``manifest.json`` in the index folder, see ``index``)::

    {"spec": {...},             the IndexSpec that built it (``read`` refuses another)
     "collection": "qa-...",    the Chroma collection holding its chunks (``vectorstore``)
     "documents": {name: {"path", "title", "sha256", "encoding", "ids", "outlet",
                          "author", "published", "url"}}}

A document's entry is made from a ``Document`` by ``entry`` and turned back into one by
``document``, so what the index keeps of an article is listed once. ``write`` replaces the
file atomically (a temporary file, synced, renamed): a reader sees the old manifest or the new
one, never half of one. Left out: the folder around it (``index``) and the chunks themselves
(Chroma, through ``vectorstore``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import IndexMismatchError, IndexMissingError
from qa.ingest.documents import Document
from qa.settings import IndexSpec

META = ("outlet", "author", "published", "url")  # kept per document beside its title


@dataclass(frozen=True)
class DocInfo:
    source: str
    path: str
    title: str
    sha256: str
    ids: tuple[str, ...]
    outlet: str = ""
    author: str = ""
    published: str = ""  # ISO YYYY-MM-DD, "" when undeclared
    url: str = ""


def read(path: Path, spec: IndexSpec) -> dict[str, Any] | None:
    """The manifest at ``path`` (None when there is none); an error when it is damaged or
    was written with other settings than ``spec``."""
    root = path.parent
    if not path.exists():
        return None
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        stored = manifest["spec"]
        documents = manifest["documents"]
        if not isinstance(stored, dict) or not isinstance(documents, dict):
            raise TypeError
        for d in documents.values():
            d["path"], d["title"], d["sha256"], d["ids"]  # noqa: B018 - presence check
    except (OSError, ValueError, KeyError, TypeError):
        raise IndexMissingError(
            f"The index at {root}/ is unreadable ({path.name} is damaged). "
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
    return manifest


def write(path: Path, manifest: dict[str, Any]) -> None:
    """Replace the manifest at ``path`` with ``manifest``, atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(manifest, indent=1, sort_keys=True))
        f.flush()
        os.fsync(f.fileno())  # the rename must not reach the disk before the data
    os.replace(tmp, path)


def entry(doc: Document, ids: list[str]) -> dict[str, Any]:
    """What the manifest keeps of ``doc``, indexed as the chunks ``ids``."""
    return {"path": doc.path, "title": doc.title, "sha256": doc.sha256,
            "encoding": doc.encoding, "ids": ids, **doc.meta}


def document(name: str, d: dict[str, Any], text: str) -> Document:
    """The document an entry was made from, with ``text`` (as kept in ``docs/``)."""
    return Document(name, d["path"], text, d["title"], d["sha256"], d.get("encoding", "utf-8"),
                    **{k: str(d.get(k) or "") for k in META})


def documents(manifest: dict[str, Any]) -> dict[str, DocInfo]:
    """Every document the manifest lists, by file name."""
    return {
        name: DocInfo(name, d["path"], d["title"], d["sha256"], tuple(d["ids"]),
                      **{k: str(d.get(k) or "") for k in META})
        for name, d in manifest["documents"].items()
    }


def listed(manifest: dict[str, Any]) -> set[str]:
    """The chunk ids the manifest lists."""
    return {i for d in manifest["documents"].values() for i in d["ids"]}


def fingerprint(manifest: dict[str, Any], spec: IndexSpec,
                ids: Iterable[str] | None = None) -> str:
    """What the index holds, as 64 hex digits: sha256 of the spec, the manifest's entry of
    each document and the sorted chunk ids it lists, from the manifest alone (0.1 s for
    100,000 chunks). An id embeds its document's content hash and position and the spec fixes
    the chunking, so equal fingerprints mean equal chunks (``retrieval`` keys its BM25 cache
    by it). ``ids``: the same with those ids in place of the listed ones, so a reader can
    check that what it read from the store is all the manifest lists."""
    docs = manifest["documents"]
    held_ids = listed(manifest) if ids is None else set(ids)
    # The entries too (title, path, what else a document carries): a field that changes
    # without its text changing is not in the ids. JSON, so no name can make two different
    # indexes hash alike.
    held = json.dumps([spec.to_dict(),
                       {n: {k: v for k, v in d.items() if k != "ids"} for n, d in docs.items()},
                       sorted(held_ids)], sort_keys=True)
    return hashlib.sha256(held.encode("utf-8")).hexdigest()


def fetched(path: str) -> bool:
    """Whether a document's path is the URL it was fetched from (it has no file)."""
    return path.startswith(("http://", "https://"))
