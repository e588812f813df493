"""The index on a real Chroma store (with the hash embedder standing in for MiniLM)."""

from dataclasses import replace
from pathlib import Path

import pytest

from qa.errors import IndexMismatchError, IndexMissingError
from qa.settings import Settings
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
