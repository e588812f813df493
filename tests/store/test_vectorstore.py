"""The vector store and the manifest agree, or opening says how to make them (embedded Chroma;
tests/test_chroma_server.py does the same against a real Chroma server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import ConfigError, IndexMissingError, StoreError
from qa.settings import Settings, parse_url
from qa.store.index import MANIFEST, Index
from qa.store.vectorstore import LEGACY_COLLECTION, client

from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit


def test_parse_url_accepts_a_server_address_and_names_the_form_otherwise() -> None:
    assert parse_url("http://10.0.0.5:8001") == ("10.0.0.5", 8001, False)
    assert parse_url("http://chroma.internal/") == ("chroma.internal", 8000, False)
    assert parse_url("https://chroma.example.org") == ("chroma.example.org", 443, True)
    for bad in ["localhost:8000", "ftp://h:1", "http://h:port", "http://h:8000/api/v2", ""]:
        with pytest.raises(ConfigError, match="http://HOST:PORT"):
            parse_url(bad)
    with pytest.raises(ConfigError, match="QA_CHROMA_URL"):
        Settings.from_env({"QA_CHROMA_URL": "chroma:8000"})
    assert Settings.from_env({"QA_CHROMA_URL": "http://h:1"}).chroma_url == "http://h:1"


def test_each_new_index_has_a_collection_of_its_own(hash_index: Index, tmp_path: Path) -> None:
    name = json.loads((hash_index.root / MANIFEST).read_text())["collection"]
    other = Index.open(Settings(index_dir=tmp_path / "other"), HashEmbedder(), create=True)
    assert name.startswith("qa_chunks_") and name == hash_index.collection.name
    assert other.collection.name.startswith("qa_chunks_") and other.collection.name != name


def test_an_index_from_before_servers_keeps_its_collection(hash_index: Index,
                                                           settings: Settings) -> None:
    manifest_path = hash_index.root / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    old = manifest.pop("collection")
    manifest_path.write_text(json.dumps(manifest))
    # The embedded store's collection, renamed as it was called then.
    client(hash_index.root, "").get_collection(old).modify(name=LEGACY_COLLECTION)
    reopened = Index.open(settings, HashEmbedder())
    assert reopened.collection.name == LEGACY_COLLECTION
    assert len(reopened.chunks()) == hash_index.stats()["chunks"] > 0


def test_a_store_lacking_chunks_is_an_error_and_qa_index_puts_them_back(
        hash_index: Index, settings: Settings, corpus: Path) -> None:
    before = sorted((c["id"], c["text"]) for c in hash_index.chunks())
    source = sorted(hash_index.documents)[0]
    hash_index.collection.delete(where={"source": source})  # as a reset server would
    with pytest.raises(StoreError, match=r"lacks \d+ of the \d+ chunks.*Run: qa index"):
        Index.open(settings, HashEmbedder())
    (corpus / source).unlink()  # restored from the index's own copy, not from the corpus
    index = Index.open(settings, HashEmbedder(), create=True)
    report = index.update([corpus], prune=False)
    assert report.restored == [source] and report.chunks_written == 0
    assert sorted((c["id"], c["text"]) for c in index.chunks()) == before
    Index.open(settings, HashEmbedder())  # consistent again


def test_a_missing_collection_is_an_error_too(hash_index: Index, settings: Settings) -> None:
    client(hash_index.root, "").delete_collection(hash_index.collection.name)
    with pytest.raises(StoreError, match="lacks all of the"):
        Index.open(settings, HashEmbedder())


def test_chunks_the_manifest_does_not_list_are_never_read(hash_index: Index) -> None:
    listed = len(hash_index.chunks())
    hash_index.collection.add(ids=["someone-else:0"], documents=["Benyash lives in Paris."],
                              embeddings=[[0.0] * 255 + [1.0]],
                              metadatas=[{"source": "002_75f925b16965c540.txt", "start": 0,
                                          "end": 23}])
    assert len(hash_index.chunks()) == listed
    assert "someone-else:0" not in {c["id"] for c in hash_index.chunks()}


def test_lost_chunks_with_no_text_left_to_restore_them_from(hash_index: Index,
                                                           settings: Settings,
                                                           corpus: Path) -> None:
    """The kept text gone and the file changed: a run without that file says to rebuild; a
    run with it indexes the file as it now is."""
    source, other = sorted(hash_index.documents)
    hash_index.collection.delete(where={"source": source})
    for p in (settings.index_dir / "docs").iterdir():
        p.unlink()
    (corpus / source).write_text("Changed since, and indexed as it now is.\n")
    index = Index.open(settings, HashEmbedder(), create=True)
    with pytest.raises(IndexMissingError, match=f"lacks the chunks of {source}.*--rebuild"):
        index.update([corpus / other], prune=False)
    report = index.update([corpus])
    assert report.updated == [source] and report.restored == [] and report.recovered
    assert {c["source"] for c in Index.open(settings, HashEmbedder()).chunks()} == \
        {source, other}
