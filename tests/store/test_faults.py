"""Faults: indexing killed with SIGKILL at random points, two writers at once, and questions
answered while a document is being added.

The kill tests compare with what a clean run makes: the same chunk ids, every span exact, and
every chunk reachable through the vector index. The hash-embedder test runs
``tests.index_worker`` (``qa index`` with the hash embedder); ``ROBUSTNESS_KILLS`` makes it
run longer (8 kills by default). Each writes its figures to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from qa.serve.service import Service
from qa.settings import EMBED_MODEL, Settings
from qa.store.index import Index
from qa.store.locking import writer
from qa.types import Answer

from ..conftest import ROOT, fake_assistant
from ..corpora import article, articles, sentences
from ..fakes import HashEmbedder

ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or ROOT / "test-artifacts")
KILLS = int(os.environ.get("ROBUSTNESS_KILLS") or 8)


def write_corpus(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def worker(index: Path, corpus: Path, *flags: str) -> subprocess.Popen[str]:
    """``tests.index_worker`` started; returns once it has opened the index to write."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.index_worker", *flags, str(index), str(corpus)],
        cwd=ROOT, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "opened":
        _out, err = process.communicate(timeout=60)
        raise AssertionError(f"the worker did not open the index: {line!r} {err[-2000:]}")
    return process


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("QA_")}


def report_of(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    return dict(json.loads(out.strip().splitlines()[-1]))


class Runs:
    """``tests.index_worker --serve``: indexing runs forked from one warm process."""

    def __init__(self, log: Path) -> None:
        self.log = log
        with open(log, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.index_worker", "--serve"], cwd=ROOT, env=_env(),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                bufsize=1)

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the worker died: {self.log.read_text()[-3000:]}")
        return line.strip()

    def start(self, index: Path, corpus: Path) -> int:
        """Fork a run; return its pid once it is about to write."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{index} {corpus}\n")
        pid, opened = 0, False
        while not (pid and opened):
            line = self._line()
            if line.startswith("pid "):
                pid = int(line.split()[1])
            elif line == "opened":
                opened = True
            else:
                raise AssertionError(f"{line} {self.log.read_text()[-3000:]}")
        return pid

    def wait(self, kill: bool = False) -> tuple[int, dict[str, Any] | None]:
        """The run's exit code and its report (None when it was killed first)."""
        assert self.process.stdin is not None
        self.process.stdin.write("kill\n" if kill else "wait\n")
        report = None
        while not (line := self._line()).startswith("exit "):
            report = json.loads(line)
        return int(line.split()[1]), report

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def state(index_dir: Path, embedder: HashEmbedder | None = None) -> dict[str, Any]:
    """What an index holds, checked: every span exact against the stored text and the file,
    and every chunk reachable through the vector index."""
    index = Index.open(Settings(index_dir=index_dir), embedder or HashEmbedder())
    try:
        chunks = index.chunks()
        for c in chunks:
            text = index.text(c["source"])
            assert text[c["start"] : c["end"]] == c["text"], c["id"]
            path = Path(index.documents[c["source"]].path)
            assert path.read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]
        ids = sorted(c["id"] for c in chunks)
        probe = (embedder or HashEmbedder()).embed(["guardsmen lawyer"])[0]
        found = index.collection.query(query_embeddings=[probe], n_results=max(len(ids), 1))
        assert sorted(found["ids"][0]) == ids, "a chunk is missing from the vector index"
        return {"ids": ids, "documents": {k: d.sha256 for k, d in index.documents.items()}}
    finally:
        index.close()


def clean_state(corpus: Path, where: Path) -> dict[str, Any]:
    """What a clean run makes of ``corpus`` (in a fresh folder)."""
    index = Index.open(Settings(index_dir=where), HashEmbedder(), create=True)
    index.update([corpus])
    index.close()
    return state(where)


def mutate(corpus: Path, rng: random.Random, pool: list[str], n: int) -> None:
    """Four articles changed, one deleted, one added, one copied under a second name."""
    files = sorted(corpus.glob("*.txt"))
    changed, gone, twin = rng.sample(files, 4), rng.choice(files), rng.choice(files)
    for path in changed:
        path.write_text(article(rng, pool), encoding="utf-8")
    shutil.copy(twin, corpus / f"copy_{n}.txt")
    gone.unlink(missing_ok=True)
    (corpus / f"new_{n}.txt").write_text(article(rng, pool), encoding="utf-8")


@pytest.mark.unit
def test_indexing_killed_at_random_points_ends_as_a_clean_run(tmp_path: Path) -> None:
    rng = random.Random(20240607)
    pool = sentences()
    corpus = write_corpus(tmp_path / "corpus", articles(12, seed=1))
    index = tmp_path / "index"
    runs = Runs(tmp_path / "worker.log")
    # How long a whole first run writes for: kills land uniformly inside that window.
    runs.start(tmp_path / "timing", corpus)
    started = time.monotonic()
    assert runs.wait()[0] == 0
    window = time.monotonic() - started
    kills = recovered = attempts = rounds = 0
    while kills < KILLS and rounds < 3 * KILLS:
        if rounds:
            mutate(corpus, rng, pool, rounds)
        rounds += 1
        for _ in range(2):  # the second kill often lands in the repair of the first
            runs.start(index, corpus)
            time.sleep(rng.uniform(0, window))
            attempts += 1
            if runs.wait(kill=True)[0] == -signal.SIGKILL:
                kills += 1
                window *= 1.1
            else:  # it finished first: an update is shorter than a first build
                window *= 0.6
                break
        runs.start(index, corpus)
        code, report = runs.wait()
        assert code == 0 and report is not None, runs.log.read_text()[-3000:]
        recovered += bool(report["recovered"])
        assert state(index) == clean_state(corpus, tmp_path / f"clean-{rounds}"), rounds
        assert all("same text as" in r for r in report["skipped"]), report["skipped"]
    runs.close()

    # The repaired index answers, citing real spans of real files.
    settings = Settings(index_dir=index, corpus_dir=corpus)
    opened = Index.open(settings, HashEmbedder())
    answer = fake_assistant(opened, settings, "Benyash is defending 12 guardsmen.").ask(
        "How many guardsmen is Benyash defending?")
    assert not answer.abstained and answer.citations
    for c in answer.citations:
        assert (corpus / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote
    opened.close()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "faults-hash.json").write_text(json.dumps(
        {"rounds": rounds, "kill_attempts": attempts, "kills": kills,
         "recovered_after_kill": recovered, "failures": 0}, indent=1), encoding="utf-8")
    # Kills must land while writing, or this test would prove nothing.
    assert kills >= KILLS and recovered >= rounds // 3, (kills, recovered, rounds)


@pytest.mark.unit
def test_a_second_writer_is_refused_clearly_and_nothing_is_doubled(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", articles(6, seed=2))
    index = tmp_path / "index"
    first = worker(index, corpus, "--pause")  # holds the lock, has written nothing yet
    second = subprocess.run(
        [sys.executable, "-m", "tests.index_worker", str(index), str(corpus)], cwd=ROOT,
        capture_output=True, text=True, timeout=120)
    assert second.returncode == 2
    assert "Another process is updating the index" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.stdin is not None
    first.stdin.write("\n")
    first.stdin.flush()
    assert len(report_of(first)["added"]) == 6
    assert state(index) == clean_state(corpus, tmp_path / "clean")


class GatedEmbedder(HashEmbedder):
    """The hash embedder, holding any batch that mentions ``word`` until released."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word
        self.entered = threading.Event()
        self.release = threading.Event()

    def embed(self, texts: list[str]) -> list[list[float]]:  # type: ignore[override]
        if any(self.word in t for t in texts):
            self.entered.set()
            assert self.release.wait(timeout=60)
        return super().embed(texts)


@pytest.fixture
def gated(settings: Settings, corpus: Path) -> Iterator[tuple[Service, GatedEmbedder]]:
    embedder = GatedEmbedder("Zanzibar")
    index = Index.open(settings, embedder, create=True)
    index.update([corpus])
    assistant = fake_assistant(index, settings, "Benyash is defending 12 guardsmen.")
    assistant.retriever.embedder = embedder  # type: ignore[attr-defined]
    yield Service(assistant, corpus), embedder
    embedder.release.set()


@pytest.mark.unit
def test_questions_are_answered_while_a_document_is_being_added(
        gated: tuple[Service, GatedEmbedder], tmp_path: Path) -> None:
    service, embedder = gated
    upload = tmp_path / "zanzibar.txt"
    upload.write_text("Ferry Service Resumes\n\nThe Zanzibar ferry resumed on Monday after "
                      "a two-week strike by its crews.\n", encoding="utf-8")
    results: list[Any] = []
    adding = threading.Thread(target=lambda: results.extend(service.add([upload])))
    adding.start()
    assert embedder.entered.wait(timeout=30)  # the upload is being embedded, and stays so
    started = time.monotonic()
    items = list(service.ask("How many guardsmen is Benyash defending?"))
    answer = items[-1]
    assert isinstance(answer, Answer) and not answer.abstained
    assert time.monotonic() - started < 20 and adding.is_alive()
    assert "zanzibar.txt" not in {d.source for d in service.documents()}
    embedder.release.set()
    adding.join(timeout=60)
    assert [r.ok for r in results] == [True], results
    found = list(service.ask("When did the Zanzibar ferry resume?"))[-1]
    assert isinstance(found, Answer)
    assert any(p.source == "zanzibar.txt" for p in found.passages)


def _lines(stream: IO[bytes], until: str, seconds: float) -> str:
    """Read ``stream`` (tqdm writes carriage returns, not lines) until ``until`` shows up."""
    seen = b""
    deadline = time.monotonic() + seconds
    while until.encode() not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{until!r} never appeared: {seen[-2000:]!r}")
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            raise AssertionError(f"the process ended before {until!r}: {seen[-2000:]!r}")
        seen += chunk
    return seen.decode("utf-8", "replace")


class ProbeEmbedder(HashEmbedder):
    """Opens a MiniLM index and probes its vectors (384 numbers) without loading MiniLM."""

    name = EMBED_MODEL

    def __init__(self) -> None:
        super().__init__(dim=384)


@pytest.mark.integration
def test_real_qa_index_killed_while_embedding_then_the_next_run_and_asking_work(
        tmp_path: Path) -> None:
    rng = random.Random(11)
    corpus = write_corpus(tmp_path / "corpus", articles(12, seed=3))
    shutil.copytree(ROOT / "seeds", corpus, dirs_exist_ok=True)
    env = {**_env(), "QA_INDEX": str(tmp_path / "index")}

    def qa(*args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "qa.cli", *args], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    process = qa("index", str(corpus))
    assert process.stderr is not None
    _lines(process.stderr, "embedding", 240)  # the model is loaded; chunks are going in
    time.sleep(rng.uniform(0.2, 2.0))
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, "it finished before the kill"
    # The next run: what `qa index` does (in this process, where MiniLM stays loaded for the
    # other tests): take the lock, open, update.
    from qa.store.embeddings import MiniLMEmbedder

    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    with writer(settings.index_dir):
        index = Index.open(settings, MiniLMEmbedder(), create=True)
        report = index.update([corpus])
    index.close()
    assert report.recovered and report.chunks_written > 0, report
    # Chunk ids do not depend on the embedder: the clean run can use the hash one.
    assert state(tmp_path / "index", ProbeEmbedder())["ids"] == clean_state(
        corpus, tmp_path / "clean")["ids"]
    # And asking works (in this process: the models stay loaded for the other tests).
    from qa import Assistant

    assistant = Assistant.open(settings=settings, build=False)
    answer = assistant.ask("How many guardsmen is Benyash defending?")
    assert not answer.abstained and "12" in answer.text
    for c in answer.citations:
        assert (corpus / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote
