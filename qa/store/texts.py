"""Kept texts: ``docs/<sha256>.txt`` in the index folder, the exact text of each document.

Citation offsets index into the text a document had when it was indexed, which its file may
no longer hold (edited since, or a page or feed whose text ``formats`` extracted), so the
index keeps that text, one file per content hash: two names of one text share it. ``keep``
writes it atomically (a temporary file renamed into place), ``get`` reads it back (once per
name per process) and falls back on the document's own file while that still holds the same
text, and ``prune`` deletes the texts no listed document has. Left out: compressing them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qa.errors import DocumentError, IndexMissingError
from qa.ingest.documents import Document, load

FOLDER = "docs"  # in the index folder


class Texts:
    """The kept texts of the index at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / FOLDER
        self._read: dict[str, str] = {}  # file name -> its text, as read

    def get(self, source: str, entry: dict[str, Any]) -> str:
        """The exact text ``source`` (its manifest ``entry``) had when indexed."""
        if source not in self._read:
            sha = entry["sha256"]
            try:
                with open(self.dir / f"{sha}.txt", encoding="utf-8", newline="") as f:
                    self._read[source] = f.read()
            except OSError:
                self._read[source] = self._original(source, entry["path"], sha)
        return self._read[source]

    def _original(self, source: str, path: str, sha: str) -> str:
        """The document's own file, when it still holds the indexed text."""
        try:
            doc = next((d for d in load(Path(path)) if d.source == source), None)
        except DocumentError:
            doc = None
        if doc is None or doc.sha256 != sha:
            raise IndexMissingError(
                f"The stored text of {source} is missing from {self.root}/{FOLDER}/ and its "
                f"file has changed. Run: qa index   (it indexes the file as it now is)")
        return doc.text

    def keep(self, doc: Document) -> None:
        """Store ``doc``'s text as ``docs/<sha>.txt`` unless it is there already."""
        path = self.dir / f"{doc.sha256}.txt"
        if path.exists():
            return
        self.dir.mkdir(exist_ok=True)
        tmp = self.dir / f".{doc.sha256}.tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(doc.text)
        os.replace(tmp, path)

    def prune(self, shas: set[str]) -> None:
        """Delete every kept text but those of the content hashes ``shas``."""
        keep = {f"{sha}.txt" for sha in shas}
        if self.dir.exists():
            for p in self.dir.iterdir():
                if p.name not in keep:
                    p.unlink(missing_ok=True)

    def forget(self, source: str | None = None) -> None:
        """Read ``source``'s text (every text, with None) from disk again next time."""
        if source is None:
            self._read.clear()
        else:
            self._read.pop(source, None)
