"""The vectors on a real Chroma server (``chroma run``, QA_CHROMA_URL): index, answer, restart
the server, answer again; a server that is down or was replaced is a clear error that
``qa index`` repairs; a write cut short is repaired in the same collection (the embedded
store's rebuild is not for servers), and ``--rebuild`` keeps the lock file while it drops
the collection; retrieval and scores are exactly those of the embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import Assistant, Settings, StoreError
from qa.evaluation.metrics import compare
from qa.evaluation.scoring import evaluate
from qa.evaluation.suite import load_suite
from qa.store.index import Index
from qa.store.vectorstore import client

from ..conftest import ROOT, SEEDS
from ..fakes import HashEmbedder
from ..servers import Server, chroma
from ..test_integration import assert_grounded

pytestmark = pytest.mark.integration

CITY = "From which city did Benyash speak to the Financial Times?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = chroma(tmp_path_factory.mktemp("chroma") / "data").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def index_dir(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds indexed through the CLI into the server (the folder keeps only the rest)."""
    index = tmp_path_factory.mktemp("remote") / "index"
    out = qa("index", str(SEEDS), "--quiet", "--chroma-url", server.url, "--index", str(index))
    assert out.returncode == 0, out.stderr
    return index


def qa(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], env={**full, **env},
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def server_count(url: str, collection: str) -> int:
    return int(client(Path(), url).get_collection(collection).count())


def collections(url: str) -> set[str]:
    return {c.name for c in client(Path(), url).list_collections()}


def test_the_vectors_live_on_the_server_and_reindexing_dedupes(server: Server,
                                                                index_dir: Path) -> None:
    manifest = json.loads((index_dir / "manifest.json").read_text())
    listed = sum(len(d["ids"]) for d in manifest["documents"].values())
    assert not (index_dir / "chroma").exists()  # nothing embedded
    assert (index_dir / "docs").is_dir()  # the texts citations point into stay local
    assert server_count(server.url, manifest["collection"]) == listed > 0

    again = qa("index", str(SEEDS), "--quiet", "--index", str(index_dir),
               QA_CHROMA_URL=server.url)
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 updated, 2 unchanged" in again.stdout
    stats = qa("stats", "--json", "--index", str(index_dir), QA_CHROMA_URL=server.url)
    assert json.loads(stats.stdout)["store"] == server.url
    assert json.loads(stats.stdout)["chunks"] == listed
    assert server_count(server.url, manifest["collection"]) == listed


def test_indexes_share_a_server_in_collections_of_their_own(server: Server,
                                                           corpus: Path) -> None:
    """Two index folders, one server: neither sees the other's chunks; --rebuild drops its
    own collection and no other."""
    first, second = (Index.open(Settings(index_dir=corpus.parent / name, chroma_url=server.url),
                                HashEmbedder(), create=True) for name in ("one", "two"))
    first.update([corpus / "002_75f925b16965c540.txt"])
    second.update([corpus])
    assert set(first.documents) == {"002_75f925b16965c540.txt"}
    assert {c["source"] for c in first.chunks()} == {"002_75f925b16965c540.txt"}
    assert len(second.documents) == 2
    names = {first.collection.name, second.collection.name}
    Index.remove(first.root, server.url)
    assert names - collections(server.url) == {first.collection.name}
    assert server_count(server.url, second.collection.name) == second.stats()["chunks"] > 0


def test_a_write_cut_short_on_a_server_is_repaired_by_the_next_without_a_rebuild(
        server: Server, corpus: Path) -> None:
    """What a killed writer leaves (a stray chunk, a listed chunk missing, ``.writing``) is
    put right by the next update, as in the embedded store, but from the kept texts into the
    same collection: a server's store did not die with the writer, so it is not rebuilt."""
    settings = Settings(index_dir=corpus.parent / "cut", chroma_url=server.url)
    first = Index.open(settings, HashEmbedder(), create=True)
    first.update([corpus])
    clean = sorted(c["id"] for c in first.chunks())
    source = sorted(first.documents)[0]
    first.collection.delete(ids=[first.documents[source].ids[0]])
    first.collection.add(ids=["ghost:0"], documents=["half-written"],
                         embeddings=[[0.0] * 255 + [1.0]],
                         metadatas=[{"source": "ghost.txt", "start": 0, "end": 1}])
    (settings.index_dir / ".writing").touch()
    with pytest.raises(StoreError, match="lacks 1 of the"):
        Index.open(settings, HashEmbedder())

    again = Index.open(settings, HashEmbedder(), create=True)
    report = again.update([corpus])
    assert report.recovered and report.restored == [source] and report.repaired == 1
    assert report.chunks_written == 0 and again.collection.id == first.collection.id
    assert sorted(c["id"] for c in again.chunks()) == clean
    assert not (settings.index_dir / ".writing").exists()
    Index.open(settings, HashEmbedder())  # consistent again

    # --rebuild: the lock file stays (a writer may hold it), the collection goes.
    Index.remove(settings.index_dir, server.url)
    assert [p.name for p in settings.index_dir.iterdir()] == [".lock"]
    assert first.collection.name not in collections(server.url)


def test_an_index_from_before_servers_gets_a_collection_that_it_keeps(
        server: Server, settings: Settings, corpus: Path) -> None:
    """Its manifest names no collection; on a server it is given one, filled from the kept
    texts, and the name is committed even though every write re-reads the manifest."""
    Index.open(settings, HashEmbedder(), create=True).update([corpus])
    manifest_path = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["collection"]
    manifest_path.write_text(json.dumps(manifest))
    remote = settings.with_(chroma_url=server.url)
    before = collections(server.url)
    index = Index.open(remote, HashEmbedder(), create=True)
    report = index.update([corpus])
    assert sorted(report.restored) == sorted(index.documents)
    named = json.loads(manifest_path.read_text())["collection"]
    assert named == index.collection.name
    assert collections(server.url) - before == {named}  # one name, not one per write
    reopened = Index.open(remote, HashEmbedder())
    assert len(reopened.chunks()) == server_count(server.url, named) > 0


def test_answers_survive_a_restart_and_a_lost_server_is_a_clear_error(
        server: Server, index_dir: Path, tmp_path: Path) -> None:
    settings = Settings(index_dir=index_dir, corpus_dir=SEEDS, chroma_url=server.url)
    assistant = Assistant.open(settings=settings, build=False)
    before = assistant.ask(CITY)
    assert_grounded(before, "Krasnodar")

    server.stop()
    with pytest.raises(StoreError, match=f"Cannot reach the Chroma server at {server.url}"):
        assistant.ask(CITY)
    down = qa("ask", CITY, "--index", str(index_dir), QA_CHROMA_URL=server.url)
    assert down.returncode == 2 and "Cannot reach the Chroma server" in down.stderr
    assert "Traceback" not in down.stderr

    server.start()  # the same data, the same port: the running assistant reconnects
    after = assistant.ask(CITY)
    assert after.text == before.text and after.citations == before.citations
    fresh = qa("ask", CITY, "--json", "--index", str(index_dir), QA_CHROMA_URL=server.url)
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout)["citations"] == before.to_dict()["citations"]

    # A server replaced by an empty one: an error naming the fix, never fewer passages.
    replaced = chroma(tmp_path / "empty", port=int(server.url.rsplit(":", 1)[1]))
    server.stop()
    replaced.start()
    try:
        with pytest.raises(StoreError, match="no longer holds the collection"):
            assistant.ask(CITY)
        lacking = qa("ask", CITY, "--index", str(index_dir), QA_CHROMA_URL=server.url)
        assert lacking.returncode == 2 and "lacks all of the" in lacking.stderr, lacking.stderr
        assert "run: qa index" in lacking.stderr
        repair = qa("index", str(SEEDS), "--quiet", "--index", str(index_dir),
                    QA_CHROMA_URL=server.url)
        assert repair.returncode == 0 and "re-added the chunks of 2 documents" in repair.stderr
        repaired = Assistant.open(settings=settings, build=False).ask(CITY)
        assert repaired.text == before.text and repaired.citations == before.citations
    finally:
        replaced.stop()
        server.start()


def test_retrieval_and_scores_are_the_same_as_with_the_embedded_store(
        server: Server, index_dir: Path, tmp_path: Path) -> None:
    """Only retrieval touches the store: every suite question retrieves the same passages
    with the same scores; a sample of the suite, answered end to end, scores the same."""
    remote = Assistant.open(settings=Settings(index_dir=index_dir, corpus_dir=SEEDS,
                                              chroma_url=server.url), build=False)
    local = Assistant.open(settings=Settings(index_dir=tmp_path / "index", corpus_dir=SEEDS))
    cases = load_suite(ROOT / "evals/seeds.yaml")
    for case in cases:
        assert remote.retriever.retrieve(case.question, 20) == \
            local.retriever.retrieve(case.question, 20), case.id
    sample = cases[:8] + [c for c in cases if c.unanswerable][:2]  # follow-ups, all routes
    on_server, embedded = evaluate(remote, sample), evaluate(local, sample)
    assert compare(on_server.summary, embedded.summary, tolerance=0.0) == []
    assert compare(embedded.summary, on_server.summary, tolerance=0.0) == []
    assert [c.answer for c in on_server.cases] == [c.answer for c in embedded.cases]
