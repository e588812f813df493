"""The plan of an update: which documents are added, updated, unchanged or removed.

``plan`` sets the documents a run read beside the manifest's entries (file name -> entry) and
decides, changing neither: a listed document whose file is gone or now skipped is removed
(``pruned``; one fetched from a URL has no file and stays); a text under several names is
indexed once, under the (path, name) that sorts first whatever order the files arrived in
(``firsts``), so an update ends where a clean run would, and its other names are skipped as
twins (and removed if listed); a listed document with the same content hash is unchanged (its
entry ``refreshed``), one with another is updated, and the rest are added. ``Index.update``
carries the plan out. Left out: the vector store, the kept texts and the manifest file
(``index`` deletes, embeds and commits). No cache key names this module: it decides what is
indexed, and the caches are derived from the chunks and manifest that result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.ingest.documents import Document, Skipped
from qa.store import manifest as manifests


@dataclass(frozen=True)
class Plan:
    """What an update does, each list in the order the report shows it."""

    removed: list[str]  # listed names whose chunks and entries go
    added: list[str]
    updated: list[str]  # listed with another text: entry and chunks replaced
    unchanged: list[Document]  # listed with this text: entry ``refreshed``, chunks kept
    twins: list[Skipped]  # the same text as a name that sorts first: not indexed twice
    todo: list[Document]  # to embed: the added and the updated, in the order read


def plan(docs: Sequence[Document], known: Mapping[str, Mapping[str, Any]],
         skipped: Sequence[Skipped] = (), prune: bool = True) -> Plan:
    """What an update with ``docs`` (and ``skipped``, as read) does to the ``known`` entries;
    with ``prune``, the ``pruned`` ones are removed too."""
    removed = pruned(docs, known, skipped) if prune else []
    gone = set(removed)
    listed = {name: d for name, d in known.items() if name not in gone}
    here = {d.source for d in docs}
    first = firsts([(d["sha256"], d["path"], name) for name, d in listed.items()
                    if name not in here] + [(d.sha256, d.path, d.source) for d in docs])
    for name, d in list(listed.items()):
        if name not in here and first[d["sha256"]][1] != name:
            removed.append(name)  # a file of this run with its text sorts first
            listed.pop(name)
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[Document] = []
    twins: list[Skipped] = []
    todo: list[Document] = []
    for doc in docs:
        old = listed.get(doc.source)
        twin = first[doc.sha256][1]
        if twin != doc.source:
            twins.append(Skipped(doc.path, f"the same text as {twin}, which is indexed; it is "
                                           f"not indexed twice"))
            if old is not None:
                removed.append(doc.source)
                listed.pop(doc.source)
            continue
        if old is not None and old["sha256"] == doc.sha256:
            unchanged.append(doc)  # its chunks, if lost, are restored
            continue
        (updated if old else added).append(doc.source)
        todo.append(doc)
    return Plan(removed, added, updated, unchanged, twins, todo)


def pruned(docs: Iterable[Document], known: Mapping[str, Mapping[str, Any]],
           skipped: Iterable[Skipped]) -> list[str]:
    """The listed names that no document of this run has and whose file is gone or was
    skipped this time; a document fetched from a URL stays."""
    loaded = {d.source for d in docs}
    dropped = {_resolved(s.path) for s in skipped}
    return [name for name, d in known.items() if name not in loaded and (
        d["path"] in dropped or not (manifests.fetched(d["path"]) or Path(d["path"]).exists()))]


def firsts(candidates: Iterable[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """For each content hash, the (path, file name) that sorts first among the candidates
    (sha256, path, file name): ``[("s", "/b/x", "x"), ("s", "/a/y", "y")] -> {"s": ("/a/y",
    "y")}``."""
    first: dict[str, tuple[str, str]] = {}
    for sha, path, name in candidates:
        if sha not in first or (path, name) < first[sha]:
            first[sha] = (path, name)
    return first


def refreshed(entry: Mapping[str, Any], doc: Document) -> dict[str, Any]:
    """An unchanged document's ``entry`` with the path and metadata ``doc`` now has (its
    title and chunk ids stay): ``{"path": "a/x.txt", ...}`` -> ``{"path": "b/x.txt", ...}``."""
    out = dict(entry)
    out["path"] = doc.path
    out.setdefault("encoding", doc.encoding)
    out.update({k: v for k, v in doc.meta.items() if v})
    return out


def _resolved(path: str) -> str:
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError):  # a symbolic link loop
        return path
