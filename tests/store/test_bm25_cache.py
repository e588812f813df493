"""The BM25 cache in the index folder: used when it holds this state of the index, rebuilt
when the index changed or the cache is damaged, and never a different ranking."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from bench.scale import StoreOnly
from qa.settings import Settings
from qa.store.cache import META, TEMP
from qa.store.index import Index
from qa.store.retrieval import CACHE_DIR, HybridRetriever, Ranked
from qa.types import Passage

from .. import caches
from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit

QUESTIONS = ["Who is Mikhail Benyash?", "Why were the National Guards fired?",
             "Where is Krasnodar?", "What did the Financial Times report?",
             "How many people were in touch with his team?", "Rosgvardia court trial",
             "invasion of Ukraine refusing to fight", "a word no article has: xylograph"]


def open_(index: Any) -> HybridRetriever:
    return HybridRetriever(index, HashEmbedder(), top_k=5)  # type: ignore[arg-type]


def results(retriever: HybridRetriever) -> list[tuple[Ranked, list[Passage]]]:
    return [(retriever.bm25.search(q, retriever.candidates), retriever.retrieve(q, 10))
            for q in QUESTIONS]


def states(index: Index) -> list[Path]:
    return caches.states(index, CACHE_DIR)


def test_a_cached_open_ranks_exactly_as_a_fresh_build(hash_index: Index) -> None:
    fresh = open_(hash_index)
    assert not fresh.from_cache and len(states(hash_index)) == 1
    cached = open_(caches.NoChunks(hash_index))  # the chunk table comes from the cache too
    assert cached.from_cache
    assert cached._chunks == fresh._chunks
    expected = results(open_(caches.Uncached(hash_index)))
    assert any(ranked.ids for ranked, _ in expected) and any(p for _, p in expected)
    assert results(cached) == results(fresh) == expected


def test_opening_again_reads_the_cache_and_writes_nothing(hash_index: Index,
                                                          settings: Settings) -> None:
    caches.check_read_again_writes_nothing(hash_index, settings, CACHE_DIR, open_, results)
    assert {Path(n).name for n in caches.stamps(hash_index, CACHE_DIR)} >= {META, "chunks.json"}


def test_adding_a_document_invalidates_the_cache(hash_index: Index, corpus: Path) -> None:
    retriever = open_(hash_index)
    old = states(hash_index)
    caches.add_quokkas(hash_index, corpus)
    retriever.reload()  # as the app does after indexing
    assert not retriever.from_cache
    assert retriever.bm25.search("quokkas on Rottnest", 5).ids[0].startswith("010_quokka.txt:")
    assert retriever.source_of(retriever.bm25.search("quokka", 5).ids[0]) == "010_quokka.txt"
    assert len(states(hash_index)) == 1 and states(hash_index) != old  # the stale one is gone
    again = open_(caches.NoChunks(hash_index))
    assert again.from_cache and results(again) == results(retriever)


@pytest.mark.parametrize("how", caches.DAMAGES)
def test_a_damaged_cache_file_is_rebuilt_never_used(hash_index: Index, how: str) -> None:
    expected = results(open_(hash_index))
    (folder,) = states(hash_index)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) >= 6  # the table, the meta, and bm25s's matrix, vocabulary, params
    for name in names:
        caches.damage(folder / name, how)
        rebuilt = open_(hash_index)
        assert not rebuilt.from_cache, name
        assert results(rebuilt) == expected, name
        healed = open_(caches.NoChunks(hash_index))  # the rebuild saved a whole cache again
        assert healed.from_cache and results(healed) == expected, name


def test_what_a_killed_save_leaves_is_never_read_and_is_cleared(hash_index: Index,
                                                                corpus: Path) -> None:
    expected = results(open_(hash_index))
    (folder,) = states(hash_index)
    dead = hash_index.root / CACHE_DIR / f"{TEMP}killed"
    dead.mkdir()
    (dead / "chunks.json").write_text('{"ids": [', encoding="utf-8")  # cut short
    live = hash_index.root / CACHE_DIR / f"{TEMP}still-writing"
    live.mkdir()
    hour_ago = time.time() - 2 * 3600
    os.utime(dead, (hour_ago, hour_ago))
    assert results(open_(caches.NoChunks(hash_index))) == expected  # the whole one is read
    (corpus / "010_quokka.txt").write_text("Quokkas seen on Rottnest.\n", encoding="utf-8")
    hash_index.update([corpus])
    assert not open_(hash_index).from_cache  # a new state, saved: the old ones are cleared
    left = {p.name for p in states(hash_index)}
    assert dead.name not in left and folder.name not in left
    assert live.name in left  # young: a live process may still be writing it


def test_a_folder_that_cannot_be_written_still_opens(hash_index: Index) -> None:
    caches.check_unwritable_folder(hash_index, CACHE_DIR, open_, results)


def test_chunks_read_short_of_the_manifest_are_not_cached(hash_index: Index) -> None:
    caches.check_short_read_not_cached(hash_index, CACHE_DIR, open_, lambda r: len(r._chunks))


def test_an_empty_index_opens_and_caches_nothing(settings: Settings) -> None:
    index = Index.open(settings, HashEmbedder(), create=True)
    retriever = open_(index)
    assert retriever.retrieve("anything") == [] and not retriever.from_cache
    assert not (index.root / CACHE_DIR).exists()


def test_the_benchmark_stand_in_is_cached_by_its_content(tmp_path: Path) -> None:
    texts = ["Benyash defends the guards in Krasnodar.", "The guards refused to fight in Ukraine.",
             "Quokkas live on Rottnest Island."]
    chunks = caches.stand_in_chunks(texts)
    store = StoreOnly(None, chunks, tmp_path)
    assert store.fingerprint(c["id"] for c in chunks[1:]) != store.fingerprint()
    cold, cached = open_(store), open_(store)
    assert not cold.from_cache and cached.from_cache
    assert cached.bm25.search("guards", 5) == cold.bm25.search("guards", 5)
    assert len(cold.bm25.search("guards", 5).ids) == 2
    changed = [dict(chunks[0], text="Quokkas and guards."), *chunks[1:]]
    assert not open_(StoreOnly(None, changed, tmp_path)).from_cache  # same ids, new text
