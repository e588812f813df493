"""The BM25 cache in the index folder: used when it holds this state of the index, rebuilt
when the index changed or the cache is damaged, and never a different ranking."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from bench.scale import StoreOnly
from qa.settings import Settings
from qa.store.cache import META, TEMP
from qa.store.index import Index
from qa.store.retrieval import CACHE_DIR, HybridRetriever, Ranked
from qa.types import Passage

from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit

QUESTIONS = ["Who is Mikhail Benyash?", "Why were the National Guards fired?",
             "Where is Krasnodar?", "What did the Financial Times report?",
             "How many people were in touch with his team?", "Rosgvardia court trial",
             "invasion of Ukraine refusing to fight", "a word no article has: xylograph"]


class Uncached:
    """The index without a folder or a fingerprint: a retriever over it builds every time."""

    def __init__(self, index: Index) -> None:
        self.collection = index.collection
        self._index = index

    def chunks(self) -> list[dict[str, Any]]:
        return self._index.chunks()


class NoChunks:
    """The index whose chunk store cannot be read: only a cached open gets anywhere."""

    def __init__(self, index: Index) -> None:
        self.root = index.root
        self.collection = index.collection
        self._index = index

    def fingerprint(self, ids: Iterable[str] | None = None) -> str:
        return self._index.fingerprint(ids)

    def chunks(self) -> list[dict[str, Any]]:
        raise AssertionError("a cached open read the chunks from the store")


class Lacking(NoChunks):
    """The index read while its store lacks a chunk (a Chroma server reset mid-repair)."""

    def chunks(self) -> list[dict[str, Any]]:
        return self._index.chunks()[1:]


def open_(index: Any) -> HybridRetriever:
    return HybridRetriever(index, HashEmbedder(), top_k=5)  # type: ignore[arg-type]


def results(retriever: HybridRetriever) -> list[tuple[Ranked, list[Passage]]]:
    return [(retriever.bm25.search(q, retriever.candidates), retriever.retrieve(q, 10))
            for q in QUESTIONS]


def caches(index: Index) -> list[Path]:
    return sorted((index.root / CACHE_DIR).iterdir())


def files(index: Index) -> dict[str, tuple[int, int, int]]:
    """Each cache file's (inode, size, mtime): any rewrite changes one of them."""
    return {str(p.relative_to(index.root)): (p.stat().st_ino, p.stat().st_size,
                                             p.stat().st_mtime_ns)
            for p in (index.root / CACHE_DIR).rglob("*") if p.is_file()}


def test_a_cached_open_ranks_exactly_as_a_fresh_build(hash_index: Index) -> None:
    fresh = open_(hash_index)
    assert not fresh.from_cache and len(caches(hash_index)) == 1
    cached = open_(NoChunks(hash_index))  # the chunk table comes from the cache too
    assert cached.from_cache
    assert cached._chunks == fresh._chunks
    expected = results(open_(Uncached(hash_index)))
    assert any(ranked.ids for ranked, _ in expected) and any(p for _, p in expected)
    assert results(cached) == results(fresh) == expected


def test_opening_again_reads_the_cache_and_writes_nothing(hash_index: Index,
                                                          settings: Settings) -> None:
    first = open_(hash_index)
    before = files(hash_index)
    assert {Path(n).name for n in before} >= {META, "chunks.json"}
    time.sleep(0.01)  # a rewrite would show in mtime_ns
    reader = Index.open(settings, HashEmbedder())  # another process, reading
    again = open_(reader)
    assert again.from_cache and files(hash_index) == before
    assert results(again) == results(first)


def test_adding_a_document_invalidates_the_cache(hash_index: Index, corpus: Path) -> None:
    retriever = open_(hash_index)
    old = caches(hash_index)
    (corpus / "010_quokka.txt").write_text(
        "Quokkas Return To Rottnest\n\nThe quokka population of Rottnest Island grew this "
        "year, rangers said on Monday.\n", encoding="utf-8")
    hash_index.update([corpus])
    retriever.reload()  # as the app does after indexing
    assert not retriever.from_cache
    assert retriever.bm25.search("quokkas on Rottnest", 5).ids[0].startswith("010_quokka.txt:")
    assert retriever.source_of(retriever.bm25.search("quokka", 5).ids[0]) == "010_quokka.txt"
    assert len(caches(hash_index)) == 1 and caches(hash_index) != old  # the stale one is gone
    again = open_(NoChunks(hash_index))
    assert again.from_cache and results(again) == results(retriever)


@pytest.mark.parametrize("damage", ["truncate", "garble", "delete", "empty"])
def test_a_damaged_cache_file_is_rebuilt_never_used(hash_index: Index, damage: str) -> None:
    expected = results(open_(hash_index))
    (folder,) = caches(hash_index)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) >= 6  # the table, the meta, and bm25s's matrix, vocabulary, params
    for name in names:
        path = folder / name
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garble":  # same size, still parses: only the checksum tells
            mid = len(data) // 2
            path.write_bytes(data[:mid] + (b"0" if data[mid:mid + 1] != b"0" else b"1")
                             + data[mid + 1:])
        elif damage == "delete":
            path.unlink()
        else:
            path.write_bytes(b"")
        rebuilt = open_(hash_index)
        assert not rebuilt.from_cache, name
        assert results(rebuilt) == expected, name
        healed = open_(NoChunks(hash_index))  # the rebuild saved a whole cache again
        assert healed.from_cache and results(healed) == expected, name


def test_what_a_killed_save_leaves_is_never_read_and_is_cleared(hash_index: Index,
                                                                corpus: Path) -> None:
    expected = results(open_(hash_index))
    (folder,) = caches(hash_index)
    dead = hash_index.root / CACHE_DIR / f"{TEMP}killed"
    dead.mkdir()
    (dead / "chunks.json").write_text('{"ids": [', encoding="utf-8")  # cut short
    live = hash_index.root / CACHE_DIR / f"{TEMP}still-writing"
    live.mkdir()
    hour_ago = time.time() - 2 * 3600
    os.utime(dead, (hour_ago, hour_ago))
    assert results(open_(NoChunks(hash_index))) == expected  # the whole one is read
    (corpus / "010_quokka.txt").write_text("Quokkas seen on Rottnest.\n", encoding="utf-8")
    hash_index.update([corpus])
    assert not open_(hash_index).from_cache  # a new state, saved: the old ones are cleared
    left = {p.name for p in caches(hash_index)}
    assert dead.name not in left and folder.name not in left
    assert live.name in left  # young: a live process may still be writing it


def test_a_folder_that_cannot_be_written_still_opens(hash_index: Index) -> None:
    (hash_index.root / CACHE_DIR).write_text("not a folder", encoding="utf-8")
    expected = results(open_(Uncached(hash_index)))
    for _ in range(2):
        retriever = open_(hash_index)
        assert not retriever.from_cache and results(retriever) == expected
    assert (hash_index.root / CACHE_DIR).read_text(encoding="utf-8") == "not a folder"


def test_chunks_read_short_of_the_manifest_are_not_cached(hash_index: Index) -> None:
    retriever = open_(Lacking(hash_index))
    assert len(retriever._chunks) == len(hash_index.chunks()) - 1
    assert not (hash_index.root / CACHE_DIR).exists()  # kept, it would outlive the repair
    full = open_(hash_index)
    assert not full.from_cache and len(full._chunks) == len(hash_index.chunks())


def test_an_empty_index_opens_and_caches_nothing(settings: Settings) -> None:
    index = Index.open(settings, HashEmbedder(), create=True)
    retriever = open_(index)
    assert retriever.retrieve("anything") == [] and not retriever.from_cache
    assert not (index.root / CACHE_DIR).exists()


def test_the_benchmark_stand_in_is_cached_by_its_content(tmp_path: Path) -> None:
    texts = ["Benyash defends the guards in Krasnodar.", "The guards refused to fight in Ukraine.",
             "Quokkas live on Rottnest Island."]
    chunks: list[dict[str, Any]] = [
        {"id": f"s-{i}.txt:0", "text": text, "source": f"s-{i}.txt", "title": "", "start": 0,
         "end": len(text)} for i, text in enumerate(texts)]
    store = StoreOnly(None, chunks, tmp_path)
    assert store.fingerprint(c["id"] for c in chunks[1:]) != store.fingerprint()
    cold, cached = open_(store), open_(store)
    assert not cold.from_cache and cached.from_cache
    assert cached.bm25.search("guards", 5) == cold.bm25.search("guards", 5)
    assert len(cold.bm25.search("guards", 5).ids) == 2
    changed = [dict(chunks[0], text="Quokkas and guards."), *chunks[1:]]
    assert not open_(StoreOnly(None, changed, tmp_path)).from_cache  # same ids, new text
