"""The index on a real Chroma store (with the hash embedder standing in for MiniLM), and the
plan of an update (``plan``), which needs no store."""

from dataclasses import replace
from pathlib import Path

import pytest

from qa.errors import IndexMismatchError, IndexMissingError
from qa.ingest.documents import Document, Skipped
from qa.settings import Settings
from qa.store import plan
from qa.store.index import Index

from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit


def ids(index: Index) -> list[str]:
    return sorted(c["id"] for c in index.chunks())


def test_every_chunk_span_is_exact_and_carries_source_and_title(hash_index: Index,
                                                                corpus: Path) -> None:
    chunks = hash_index.chunks()
    assert len(chunks) >= 6
    for c in chunks:
        text = (corpus / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["text"]
    titles = {c["source"]: c["title"] for c in chunks}
    assert titles["000_1daafaa0c1248cb7.txt"].startswith("Russian National Guardsman")
    assert titles["002_75f925b16965c540.txt"] == ""  # no headline line in that article


def test_reindexing_unchanged_files_adds_nothing(hash_index: Index, corpus: Path) -> None:
    before = ids(hash_index)
    report = hash_index.update([corpus])
    assert report.chunks_written == 0 and len(report.unchanged) == 2
    assert ids(hash_index) == before


def test_changed_file_replaces_its_chunks_and_removed_file_goes(hash_index: Index,
                                                                corpus: Path) -> None:
    path = corpus / "000_1daafaa0c1248cb7.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing line was added.\n",
                    encoding="utf-8")
    report = hash_index.update([corpus])
    assert report.updated == ["000_1daafaa0c1248cb7.txt"]
    for c in hash_index.chunks():
        assert (corpus / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["text"]
    assert len({c["id"].rsplit(":", 2)[1] for c in hash_index.chunks()
                if c["source"] == path.name}) == 1  # only the new version's chunks
    (corpus / "002_75f925b16965c540.txt").unlink()
    report = hash_index.update([corpus])
    assert report.removed == ["002_75f925b16965c540.txt"]
    assert {c["source"] for c in hash_index.chunks()} == {path.name}


def test_reopening_with_other_settings_is_a_clear_error(hash_index: Index,
                                                        settings: Settings) -> None:
    other = settings.with_(spec=replace(settings.spec, chunk_size=300))
    with pytest.raises(IndexMismatchError, match="chunk_size: index has 160"):
        Index.open(other, HashEmbedder())


def test_missing_index_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="Run: qa index"):
        Index.open(Settings(index_dir=tmp_path / "nowhere"), HashEmbedder())


def test_stray_chunks_from_an_interrupted_run_are_removed(hash_index: Index,
                                                          corpus: Path) -> None:
    clean = ids(hash_index)
    hash_index.collection.add(ids=["ghost:0"], documents=["half-written"],
                              embeddings=[[0.0] * 255 + [1.0]],
                              metadatas=[{"source": "ghost.txt", "start": 0, "end": 1}])
    report = hash_index.update([corpus])
    assert report.repaired == 1 and ids(hash_index) == clean


def doc(name: str, sha: str, folder: str = "/news") -> Document:
    return Document(name, f"{folder}/{name}", f"text {sha}", "", sha, outlet="Courier")


def entry(name: str, sha: str, folder: str = "/news") -> dict[str, object]:
    return {"path": f"{folder}/{name}", "title": "T", "sha256": sha, "ids": [f"{name}:1"]}


def test_the_plan_sorts_each_document_into_added_updated_unchanged_and_removed(
        tmp_path: Path) -> None:
    tmp_path = tmp_path.resolve()
    for name in ("kept.txt", "skipped.txt"):  # both files still there
        (tmp_path / name).write_text("x", encoding="utf-8")
    known = {"same.txt": entry("same.txt", "s1"), "edited.txt": entry("edited.txt", "e1"),
             "kept.txt": entry("kept.txt", "k0", str(tmp_path)),
             "gone.txt": entry("gone.txt", "g1", "/nowhere"),
             "skipped.txt": entry("skipped.txt", "k1", str(tmp_path)),
             "page": {**entry("page", "p1"), "path": "https://example.com/page"}}
    docs = [doc("same.txt", "s1"), doc("edited.txt", "e2"), doc("new.txt", "n1")]
    got = plan.plan(docs, known, [Skipped(str(tmp_path / "skipped.txt"), "unreadable")])
    assert got.removed == ["gone.txt", "skipped.txt"]  # a file still there and a page stay
    assert (got.added, got.updated) == (["new.txt"], ["edited.txt"])
    assert [d.source for d in got.unchanged] == ["same.txt"] and got.twins == []
    assert [d.source for d in got.todo] == ["edited.txt", "new.txt"]
    assert plan.plan(docs, known, prune=False).removed == []


@pytest.mark.parametrize("order", [1, -1])
def test_a_text_under_two_names_is_planned_once_under_the_first_whatever_the_order(
        order: int) -> None:
    docs = [doc("b.txt", "s"), doc("a.txt", "s")][::order]
    got = plan.plan(docs, {})
    assert got.added == ["a.txt"] and [t.path for t in got.twins] == ["/news/b.txt"]
    assert "the same text as a.txt" in got.twins[0].reason
    # Listed under the later name, with the earlier one new in this run: the listed one goes.
    got = plan.plan([doc("a.txt", "s")], {"b.txt": entry("b.txt", "s")}, prune=False)
    assert (got.removed, got.added) == (["b.txt"], ["a.txt"])


def test_an_unchanged_entry_takes_the_new_path_and_metadata_and_keeps_its_chunks() -> None:
    old = {**entry("x.txt", "s", "/old"), "outlet": "Gazette", "author": "Ann"}
    new = plan.refreshed(old, doc("x.txt", "s", "/new"))
    assert new == {**old, "path": "/new/x.txt", "outlet": "Courier", "encoding": "utf-8"}
    assert old["path"] == "/old/x.txt"  # the manifest's entry is not changed in place
