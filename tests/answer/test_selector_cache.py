"""The evidence selector's cache in the index folder (document frequencies, person names and
roles): used when it holds this state of the index, rebuilt when the index or the code that
counts them changed or the cache is damaged, and never a different selection."""

from __future__ import annotations

import time
from collections.abc import Iterable
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
from qa.store.manifest import DocInfo
from qa.store.retrieval import HybridRetriever

from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit

QUESTIONS = ["Who is Mikhail Benyash?", "Why were the National Guards fired?",
             "Which lawyer represents the guardsmen?", "What did the Financial Times report?",
             "How many people were in touch with his team?", "Where is Krasnodar?",
             "According to their lawyer, why did they refuse?"]


class Uncached:
    """The index without a folder or a fingerprint: a selector over it counts every time."""

    def __init__(self, index: Index) -> None:
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


def open_(index: Any) -> EvidenceSelector:
    return EvidenceSelector(index, HashEmbedder())


def lexicon(selector: EvidenceSelector) -> tuple[Any, ...]:
    return selector._n, selector._df, selector.persons, selector.roles


def selections(selector: EvidenceSelector, index: Index) -> list[Evidence]:
    retriever = HybridRetriever(index, HashEmbedder(), top_k=8)
    return [selector.select(q, retriever.retrieve(q)) for q in QUESTIONS]


def caches(index: Index) -> list[Path]:
    return sorted((index.root / SELECTOR_CACHE_DIR).iterdir())


def files(index: Index) -> dict[str, tuple[int, int, int]]:
    """Each cache file's (inode, size, mtime): any rewrite changes one of them."""
    return {str(p.relative_to(index.root)): (p.stat().st_ino, p.stat().st_size,
                                             p.stat().st_mtime_ns)
            for p in (index.root / SELECTOR_CACHE_DIR).rglob("*") if p.is_file()}


def test_a_cached_open_holds_exactly_what_a_fresh_count_does(hash_index: Index) -> None:
    expected = open_(Uncached(hash_index))
    assert not expected.from_cache and not (hash_index.root / SELECTOR_CACHE_DIR).exists()
    n, df, persons, roles = lexicon(expected)
    assert n == len(hash_index.chunks()) and df["benyash"] >= 1
    assert {"mikhail benyash", "benyash"} <= persons and roles.get("lawyer")
    fresh = open_(hash_index)
    assert not fresh.from_cache and len(caches(hash_index)) == 1
    stand_in = NoChunks(hash_index)
    cached = open_(stand_in)
    assert cached.from_cache and stand_in.read == []  # neither chunks nor texts were read
    assert lexicon(cached) == lexicon(fresh) == lexicon(expected)
    assert type(cached.persons) is frozenset
    assert all(type(v) is frozenset for v in cached.roles.values())
    assert selections(cached, hash_index) == selections(fresh, hash_index) \
        == selections(expected, hash_index)


def test_opening_again_reads_the_cache_and_writes_nothing(hash_index: Index,
                                                          settings: Settings) -> None:
    first = open_(hash_index)
    before = files(hash_index)
    assert {Path(n).name for n in before} == {META, SELECTOR_DATA}
    time.sleep(0.01)  # a rewrite would show in mtime_ns
    reader = Index.open(settings, HashEmbedder())  # another process, reading
    again = open_(reader)
    assert again.from_cache and files(hash_index) == before
    assert lexicon(again) == lexicon(first)


def test_adding_a_document_invalidates_the_cache(hash_index: Index, corpus: Path) -> None:
    selector = open_(hash_index)
    old = caches(hash_index)
    (corpus / "010_quokka.txt").write_text(
        "Quokkas Return To Rottnest\n\nThe quokka population of Rottnest Island grew this "
        "year, Alice Hartley said on Monday.\n", encoding="utf-8")
    hash_index.update([corpus])
    selector.reload()  # as the app does after indexing
    assert not selector.from_cache
    assert selector._df["quokka"] >= 1 and "hartley" in selector.persons
    assert lexicon(selector) == lexicon(open_(Uncached(hash_index)))
    assert len(caches(hash_index)) == 1 and caches(hash_index) != old  # the stale one is gone
    again = open_(NoChunks(hash_index))
    assert again.from_cache and lexicon(again) == lexicon(selector)


# Every module whose code derives the lexicon: the counting, the name rules, the stems, stop
# words, sentences and word lists.
@pytest.mark.parametrize("module", [qa.answer.lexicon, qa.answer.names, qa.text],
                         ids=lambda m: m.__name__)
def test_a_change_to_the_counting_code_rebuilds(hash_index: Index, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                module: ModuleType) -> None:
    expected = lexicon(open_(hash_index))
    old = caches(hash_index)
    edited = tmp_path / "edited.py"  # the module, one comment longer: what it counts may differ
    edited.write_bytes(Path(module.__file__ or "").read_bytes() + b"# edited\n")
    monkeypatch.setattr(module, "__file__", str(edited))
    rebuilt = open_(hash_index)
    assert not rebuilt.from_cache and lexicon(rebuilt) == expected
    assert caches(hash_index) != old


@pytest.mark.parametrize("damage", ["truncate", "garble", "delete", "empty"])
def test_a_damaged_cache_file_is_rebuilt_never_used(hash_index: Index, damage: str) -> None:
    expected = lexicon(open_(hash_index))
    (folder,) = caches(hash_index)
    for name in (META, SELECTOR_DATA):
        path = folder / name
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garble":  # same size, still parses: only the checksum tells
            at = data.index(b'"benyash": ') + len(b'"benyash": ') if name == SELECTOR_DATA \
                else len(data) // 2
            path.write_bytes(data[:at] + (b"7" if data[at:at + 1] != b"7" else b"8")
                             + data[at + 1:])
        elif damage == "delete":
            path.unlink()
        else:
            path.write_bytes(b"")
        rebuilt = open_(hash_index)
        assert not rebuilt.from_cache, name
        assert lexicon(rebuilt) == expected, name
        healed = open_(NoChunks(hash_index))  # the rebuild saved a whole cache again
        assert healed.from_cache and lexicon(healed) == expected, name


def test_a_folder_without_its_meta_is_replaced(hash_index: Index) -> None:
    expected = lexicon(open_(hash_index))
    (folder,) = caches(hash_index)
    (folder / META).unlink()
    (folder / "stray").write_text("half of a killed save", encoding="utf-8")
    assert not open_(hash_index).from_cache
    (again,) = caches(hash_index)
    assert again == folder and {p.name for p in again.iterdir()} == {META, SELECTOR_DATA}
    assert lexicon(open_(NoChunks(hash_index))) == expected


def test_a_folder_that_cannot_be_written_still_opens(hash_index: Index) -> None:
    (hash_index.root / SELECTOR_CACHE_DIR).write_text("not a folder", encoding="utf-8")
    expected = lexicon(open_(Uncached(hash_index)))
    for _ in range(2):
        selector = open_(hash_index)
        assert not selector.from_cache and lexicon(selector) == expected
    assert (hash_index.root / SELECTOR_CACHE_DIR).read_text(encoding="utf-8") == "not a folder"


def test_chunks_read_short_of_the_manifest_are_not_cached(hash_index: Index) -> None:
    selector = open_(Lacking(hash_index))
    assert selector._n == len(hash_index.chunks()) - 1
    assert not (hash_index.root / SELECTOR_CACHE_DIR).exists()  # it would outlive the repair
    full = open_(hash_index)
    assert not full.from_cache and full._n == len(hash_index.chunks())


def test_an_empty_index_opens_and_caches_nothing(settings: Settings) -> None:
    index = Index.open(settings, HashEmbedder(), create=True)
    selector = open_(index)
    assert not selector.from_cache and selector._df == {} and selector.persons == frozenset()
    assert not (index.root / SELECTOR_CACHE_DIR).exists()


def test_the_benchmark_stand_in_is_cached_by_its_content(tmp_path: Path) -> None:
    texts = ["Lawyer Mikhail Benyash defends the guards in Krasnodar.",
             "The guards refused to fight in Ukraine, Benyash said.",
             "Quokkas live on Rottnest Island."]
    chunks: list[dict[str, Any]] = [
        {"id": f"s-{i}.txt:0", "text": text, "source": f"s-{i}.txt", "title": "", "start": 0,
         "end": len(text)} for i, text in enumerate(texts)]
    store = StoreOnly(None, chunks, tmp_path)
    assert store.text("s-1.txt") == texts[1] and list(store.documents) == [
        "s-0.txt", "s-1.txt", "s-2.txt"]
    cold, cached = open_(store), open_(store)
    assert not cold.from_cache and cached.from_cache and lexicon(cached) == lexicon(cold)
    assert cold._n == 3 and cold._df["guard"] == 2 and "benyash" in cold.persons
    changed = [dict(chunks[0], text="Quokkas and guards."), *chunks[1:]]
    assert not open_(StoreOnly(None, changed, tmp_path)).from_cache  # same ids, new text
