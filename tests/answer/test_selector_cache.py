"""The evidence selector's cache in the index folder (document frequencies, person names and
roles): used when it holds this state of the index, rebuilt when the index or the code that
counts them changed or the cache is damaged, and never a different selection."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import qa.answer.lexicon
import qa.answer.names
import qa.text
from bench.scale import StoreOnly
from qa.answer.evidence import Evidence, EvidenceSelector
from qa.answer.lexicon import SELECTOR_CACHE_DIR, SELECTOR_DATA
from qa.settings import Settings
from qa.store.cache import META
from qa.store.index import Index
from qa.store.retrieval import HybridRetriever

from .. import caches
from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit

QUESTIONS = ["Who is Mikhail Benyash?", "Why were the National Guards fired?",
             "Which lawyer represents the guardsmen?", "What did the Financial Times report?",
             "How many people were in touch with his team?", "Where is Krasnodar?",
             "According to their lawyer, why did they refuse?"]


def open_(index: Any) -> EvidenceSelector:
    return EvidenceSelector(index, HashEmbedder())


def lexicon(selector: EvidenceSelector) -> tuple[Any, ...]:
    return selector._n, selector._df, selector.persons, selector.roles


def selections(selector: EvidenceSelector, index: Index) -> list[Evidence]:
    retriever = HybridRetriever(index, HashEmbedder(), top_k=8)
    return [selector.select(q, retriever.retrieve(q)) for q in QUESTIONS]


def states(index: Index) -> list[Path]:
    return caches.states(index, SELECTOR_CACHE_DIR)


def test_a_cached_open_holds_exactly_what_a_fresh_count_does(hash_index: Index) -> None:
    expected = open_(caches.Uncached(hash_index))
    assert not expected.from_cache and not (hash_index.root / SELECTOR_CACHE_DIR).exists()
    n, df, persons, roles = lexicon(expected)
    assert n == len(hash_index.chunks()) and df["benyash"] >= 1
    assert {"mikhail benyash", "benyash"} <= persons and roles.get("lawyer")
    fresh = open_(hash_index)
    assert not fresh.from_cache and len(states(hash_index)) == 1
    stand_in = caches.NoChunks(hash_index)
    cached = open_(stand_in)
    assert cached.from_cache and stand_in.read == []  # neither chunks nor texts were read
    assert lexicon(cached) == lexicon(fresh) == lexicon(expected)
    assert type(cached.persons) is frozenset
    assert all(type(v) is frozenset for v in cached.roles.values())
    assert selections(cached, hash_index) == selections(fresh, hash_index) \
        == selections(expected, hash_index)


def test_opening_again_reads_the_cache_and_writes_nothing(hash_index: Index,
                                                          settings: Settings) -> None:
    folder = SELECTOR_CACHE_DIR
    caches.check_read_again_writes_nothing(hash_index, settings, folder, open_, lexicon)
    assert {Path(n).name for n in caches.stamps(hash_index, folder)} == {META, SELECTOR_DATA}


def test_adding_a_document_invalidates_the_cache(hash_index: Index, corpus: Path) -> None:
    selector = open_(hash_index)
    old = states(hash_index)
    caches.add_quokkas(hash_index, corpus, said="Alice Hartley said")
    selector.reload()  # as the app does after indexing
    assert not selector.from_cache
    assert selector._df["quokka"] >= 1 and "hartley" in selector.persons
    assert lexicon(selector) == lexicon(open_(caches.Uncached(hash_index)))
    assert len(states(hash_index)) == 1 and states(hash_index) != old  # the stale one is gone
    again = open_(caches.NoChunks(hash_index))
    assert again.from_cache and lexicon(again) == lexicon(selector)


# Every module whose code derives the lexicon: the counting, the name rules, the stems, stop
# words, sentences and word lists.
@pytest.mark.parametrize("module", [qa.answer.lexicon, qa.answer.names, qa.text],
                         ids=lambda m: m.__name__)
def test_a_change_to_the_counting_code_rebuilds(hash_index: Index, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                module: ModuleType) -> None:
    expected = lexicon(open_(hash_index))
    old = states(hash_index)
    edited = tmp_path / "edited.py"  # the module, one comment longer: what it counts may differ
    edited.write_bytes(Path(module.__file__ or "").read_bytes() + b"# edited\n")
    monkeypatch.setattr(module, "__file__", str(edited))
    rebuilt = open_(hash_index)
    assert not rebuilt.from_cache and lexicon(rebuilt) == expected
    assert states(hash_index) != old


@pytest.mark.parametrize("how", caches.DAMAGES)
def test_a_damaged_cache_file_is_rebuilt_never_used(hash_index: Index, how: str) -> None:
    expected = lexicon(open_(hash_index))
    (folder,) = states(hash_index)
    for name in (META, SELECTOR_DATA):
        path = folder / name
        data = path.read_bytes()  # the data's garbled byte is a count: it still parses
        at = data.index(b'"benyash": ') + len(b'"benyash": ') if name == SELECTOR_DATA else None
        caches.damage(path, how, at, byte=b"7")
        rebuilt = open_(hash_index)
        assert not rebuilt.from_cache, name
        assert lexicon(rebuilt) == expected, name
        healed = open_(caches.NoChunks(hash_index))  # the rebuild saved a whole cache again
        assert healed.from_cache and lexicon(healed) == expected, name


def test_a_folder_without_its_meta_is_replaced(hash_index: Index) -> None:
    expected = lexicon(open_(hash_index))
    (folder,) = states(hash_index)
    (folder / META).unlink()
    (folder / "stray").write_text("half of a killed save", encoding="utf-8")
    assert not open_(hash_index).from_cache
    (again,) = states(hash_index)
    assert again == folder and {p.name for p in again.iterdir()} == {META, SELECTOR_DATA}
    assert lexicon(open_(caches.NoChunks(hash_index))) == expected


def test_a_folder_that_cannot_be_written_still_opens(hash_index: Index) -> None:
    caches.check_unwritable_folder(hash_index, SELECTOR_CACHE_DIR, open_, lexicon)


def test_chunks_read_short_of_the_manifest_are_not_cached(hash_index: Index) -> None:
    caches.check_short_read_not_cached(hash_index, SELECTOR_CACHE_DIR, open_, lambda s: s._n)


def test_an_empty_index_opens_and_caches_nothing(settings: Settings) -> None:
    index = Index.open(settings, HashEmbedder(), create=True)
    selector = open_(index)
    assert not selector.from_cache and selector._df == {} and selector.persons == frozenset()
    assert not (index.root / SELECTOR_CACHE_DIR).exists()


def test_the_benchmark_stand_in_is_cached_by_its_content(tmp_path: Path) -> None:
    texts = ["Lawyer Mikhail Benyash defends the guards in Krasnodar.",
             "The guards refused to fight in Ukraine, Benyash said.",
             "Quokkas live on Rottnest Island."]
    chunks = caches.stand_in_chunks(texts)
    store = StoreOnly(None, chunks, tmp_path)
    assert store.text("s-1.txt") == texts[1] and list(store.documents) == [
        "s-0.txt", "s-1.txt", "s-2.txt"]
    cold, cached = open_(store), open_(store)
    assert not cold.from_cache and cached.from_cache and lexicon(cached) == lexicon(cold)
    assert cold._n == 3 and cold._df["guard"] == 2 and "benyash" in cold.persons
    changed = [dict(chunks[0], text="Quokkas and guards."), *chunks[1:]]
    assert not open_(StoreOnly(None, changed, tmp_path)).from_cache  # same ids, new text
