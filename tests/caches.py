"""What the tests of the caches in the index folder share (the BM25 cache in
``tests/store/test_bm25_cache.py``, the selector's in ``tests/answer/test_selector_cache.py``):
stand-ins for the index that tell whether an open used its cache, a cache folder's listing, a
new article, the ways a cache file is damaged, a benchmark stand-in's chunk table, and the
checks whose steps are the same for any cache (read again by another process, a folder that
cannot be written, chunks read short). Left out: what only one cache has to show, which its
own tests check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from qa.settings import Settings
from qa.store.index import Index
from qa.store.manifest import DocInfo

from .fakes import HashEmbedder

DAMAGES = ["truncate", "garble", "delete", "empty"]  # what ``damage`` does to a file


class Uncached:
    """The index without a folder or a fingerprint: what reads it builds its data every time."""

    def __init__(self, index: Index) -> None:
        self.collection = index.collection
        self._index = index

    def chunks(self) -> list[dict[str, Any]]:
        return self._index.chunks()

    @property
    def documents(self) -> dict[str, DocInfo]:
        return self._index.documents

    def text(self, source: str) -> str:
        return self._index.text(source)


class NoChunks(Uncached):
    """The index whose chunk store cannot be read, and which notes each text read: only a
    cached open gets anywhere, and it reads no document either."""

    def __init__(self, index: Index) -> None:
        super().__init__(index)
        self.root = index.root
        self.read: list[str] = []

    def fingerprint(self, ids: Iterable[str] | None = None) -> str:
        return self._index.fingerprint(ids)

    def chunks(self) -> list[dict[str, Any]]:
        raise AssertionError("a cached open read the chunks from the store")

    def text(self, source: str) -> str:
        self.read.append(source)
        return super().text(source)


class Lacking(NoChunks):
    """The index read while its store lacks a chunk (a Chroma server reset mid-repair)."""

    def chunks(self) -> list[dict[str, Any]]:
        return self._index.chunks()[1:]


def states(index: Index, folder: str) -> list[Path]:
    """The states kept in the index's cache ``folder`` (one folder each)."""
    return sorted((index.root / folder).iterdir())


def stamps(index: Index, folder: str) -> dict[str, tuple[int, int, int]]:
    """Each file's (inode, size, mtime) in the cache ``folder``: any rewrite changes one."""
    return {str(p.relative_to(index.root)): (p.stat().st_ino, p.stat().st_size,
                                             p.stat().st_mtime_ns)
            for p in (index.root / folder).rglob("*") if p.is_file()}


def add_quokkas(index: Index, corpus: Path, said: str = "rangers said") -> None:
    """Index one more article, ``010_quokka.txt``, in which ``said`` says the news."""
    (corpus / "010_quokka.txt").write_text(
        "Quokkas Return To Rottnest\n\nThe quokka population of Rottnest Island grew this "
        f"year, {said} on Monday.\n", encoding="utf-8")
    index.update([corpus])


def damage(path: Path, how: str, at: int | None = None, byte: bytes = b"0") -> None:
    """Damage the file at ``path`` as ``how`` (one of ``DAMAGES``) says. "garble" keeps its
    size and lets it parse, so only the checksum tells: the byte at ``at`` (the middle by
    default) becomes ``byte``, or the next byte value where it is that already (b"0" -> b"1")."""
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garble":
        at = len(data) // 2 if at is None else at
        new = byte if data[at:at + 1] != byte else bytes([byte[0] + 1])
        path.write_bytes(data[:at] + new + data[at + 1:])
    elif how == "delete":
        path.unlink()
    else:
        assert how == "empty", how
        path.write_bytes(b"")


def stand_in_chunks(texts: Iterable[str]) -> list[dict[str, Any]]:
    """A chunk table of one chunk per text, for ``bench.scale.StoreOnly``: ``["Quokkas."] ->
    [{"id": "s-0.txt:0", "text": "Quokkas.", "source": "s-0.txt", "start": 0, ...}]``."""
    return [{"id": f"s-{i}.txt:0", "text": text, "source": f"s-{i}.txt", "title": "", "start": 0,
             "end": len(text)} for i, text in enumerate(texts)]


def check_read_again_writes_nothing(index: Index, settings: Settings, folder: str,
                                    open_: Callable[[Any], Any],
                                    held: Callable[[Any], object]) -> None:
    """What ``open_`` makes (a retriever, a selector) over the index as another process opens
    it to read, after an open that saved the cache ``folder``, reads that cache, holds what
    the first held (``held`` of it), and rewrites no file of it."""
    first = open_(index)
    before = stamps(index, folder)
    time.sleep(0.01)  # a rewrite would show in mtime_ns
    again = open_(Index.open(settings, HashEmbedder()))
    assert again.from_cache and stamps(index, folder) == before
    assert held(again) == held(first)


def check_unwritable_folder(index: Index, folder: str, open_: Callable[[Any], Any],
                            held: Callable[[Any], object]) -> None:
    """With a file where the cache ``folder`` goes, what ``open_`` makes (a retriever, a
    selector) opens uncached, twice, holding what an uncached open holds (``held`` of it),
    and the file is left as it was."""
    (index.root / folder).write_text("not a folder", encoding="utf-8")
    expected = held(open_(Uncached(index)))
    for _ in range(2):
        opened = open_(index)
        assert not opened.from_cache and held(opened) == expected
    assert (index.root / folder).read_text(encoding="utf-8") == "not a folder"


def check_short_read_not_cached(index: Index, folder: str, open_: Callable[[Any], Any],
                                counted: Callable[[Any], int]) -> None:
    """Chunks read short of the manifest are used but not cached (kept, the cache would
    outlive the repair); a full read after it builds afresh. ``counted``: the chunks what
    ``open_`` makes holds."""
    short = open_(Lacking(index))
    assert counted(short) == len(index.chunks()) - 1
    assert not (index.root / folder).exists()
    full = open_(index)
    assert not full.from_cache and counted(full) == len(index.chunks())
