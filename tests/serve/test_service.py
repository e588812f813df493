"""The service behind the browser chat, on a real Chroma index with the small fakes."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import wiring
from qa.answer.llm import Message
from qa.errors import DocumentError, InputError
from qa.serve.service import REMOVED, Service
from qa.settings import Settings
from qa.store.index import MANIFEST, Index
from qa.types import Answer

from ..conftest import fake_assistant
from ..fakes import HashEmbedder, ScriptedGenerator

pytestmark = pytest.mark.unit

HARBOUR = """Harbour Bridge Closed For Repairs

The city council closed the Old Harbour Bridge on Monday after inspectors found cracks in two \
of its steel girders.

Engineer Priya Natarajan said the repairs would take eleven weeks.
"""


class FlakyEmbedder(HashEmbedder):
    """The hash embedder, failing on demand: an indexing run that breaks half-way."""

    fail = False

    def embed(self, texts: list[str]) -> list[list[float]]:  # type: ignore[override]
        if self.fail:
            raise RuntimeError("embedding failed")
        return super().embed(texts)


class SlowGenerator(ScriptedGenerator):
    """Counts how many threads are inside ``stream`` at once."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.most = 0

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        self.prompts.append(messages)
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            for word in ("About", "twelve", "people."):
                time.sleep(0.02)
                yield word + " "
        finally:
            self.inside -= 1


def service_on(settings: Settings, corpus: Path, embedder: HashEmbedder | None = None,
               generator: ScriptedGenerator | None = None) -> Service:
    embedder = embedder or HashEmbedder()
    index = Index.open(settings, embedder, create=True)
    index.update([corpus])
    assistant = wiring.assistant(settings, embedder=embedder, index=index,
                                 generator=generator or ScriptedGenerator(), reader=None)
    return Service(assistant, corpus)


@pytest.fixture
def service(hash_index: Index, settings: Settings, corpus: Path) -> Service:
    return Service(fake_assistant(hash_index, settings), corpus)


def upload(tmp_path: Path, name: str, data: bytes | str) -> Path:
    folder = tmp_path / "browser-upload"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def final(service: Service, question: str, **kw: object) -> Answer:
    items = list(service.ask(question, **kw))  # type: ignore[arg-type]
    assert isinstance(items[-1], Answer)
    return items[-1]


def test_ask_streams_then_answers_and_errors_reach_the_caller(service: Service) -> None:
    answer = final(service, "Why did the guardsmen refuse to fight?")
    assert answer.citations and not answer.abstained
    with pytest.raises(InputError, match="empty"):
        list(service.ask("   "))


def test_top_k_is_per_call(service: Service) -> None:
    assert len(final(service, "Why did the guardsmen refuse?", top_k=1).passages) == 1
    assert len(final(service, "Why did the guardsmen refuse?").passages) == service.top_k


def test_an_upload_is_searchable_at_once_and_cited_in_its_stored_file(
        service: Service, corpus: Path, tmp_path: Path) -> None:
    before = {d.source for d in service.documents()}
    [added] = service.add([upload(tmp_path, "Harbour news.html",
                                  f"<title>Harbour</title><p>{HARBOUR}</p>")])
    assert added.ok and added.source == "Harbour_news.html", added.message
    assert "searchable now" in added.message
    assert {d.source for d in service.documents()} == before | {"Harbour_news.html"}
    assert (corpus / "Harbour_news.html").exists()  # the page as it came, for qa index
    answer = final(service, "Why did the council close the Old Harbour Bridge?")
    assert answer.citations[0].source == "Harbour_news.html"
    stored = service.articles(["Harbour_news.html"])["Harbour_news.html"]  # what is cited
    for c in answer.citations:
        assert stored[c.start : c.end] == c.quote


def test_refused_and_duplicate_uploads_change_nothing(service: Service, corpus: Path,
                                                      settings: Settings,
                                                      tmp_path: Path) -> None:
    files = sorted(p.name for p in corpus.iterdir())
    manifest = (settings.index_dir / MANIFEST).read_bytes()
    seed = (corpus / "002_75f925b16965c540.txt").read_bytes()
    results = service.add([upload(tmp_path, "slides.pptx", b"PK\x03\x04"),
                           upload(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00"),
                           upload(tmp_path, "copy.txt", seed)])
    assert [r.ok for r in results] == [False, False, False]
    assert "only .txt, .md, .html, .pdf" in results[0].message
    assert "photo.txt was not added: it looks binary" in results[1].message
    assert "already indexed as 002_75f925b16965c540.txt" in results[2].message
    assert sorted(p.name for p in corpus.iterdir()) == files
    assert (settings.index_dir / MANIFEST).read_bytes() == manifest


def test_one_bad_file_does_not_stop_the_others(service: Service, tmp_path: Path) -> None:
    results = service.add([upload(tmp_path, "bad.exe", b"MZ"),
                           upload(tmp_path, "harbour.txt", HARBOUR)])
    assert [r.ok for r in results] == [False, True]


def test_a_failed_indexing_run_leaves_corpus_and_index_as_they_were(
        settings: Settings, corpus: Path, tmp_path: Path) -> None:
    embedder = FlakyEmbedder()
    service = service_on(settings, corpus, embedder)
    files = sorted(p.name for p in corpus.iterdir())
    manifest = (settings.index_dir / MANIFEST).read_bytes()
    embedder.fail = True
    [failed] = service.add([upload(tmp_path, "harbour.txt", HARBOUR)])
    assert not failed.ok and "indexing it failed (RuntimeError)" in failed.message
    assert sorted(p.name for p in corpus.iterdir()) == files
    assert (settings.index_dir / MANIFEST).read_bytes() == manifest
    embedder.fail = False
    assert "harbour.txt" not in {d.source for d in service.documents()}
    [added] = service.add([upload(tmp_path, "harbour.txt", HARBOUR)])
    assert added.ok  # and the stray chunks of the failed run were cleaned up on the way
    assert sum(d.chunks for d in service.documents()) == service.index.collection.count()


def test_an_index_busy_elsewhere_is_a_message(service: Service, corpus: Path,
                                              settings: Settings, tmp_path: Path) -> None:
    with open(settings.index_dir / ".lock", "w") as lock:  # as `qa index` holds it
        fcntl.flock(lock, fcntl.LOCK_EX)
        [result] = service.add([upload(tmp_path, "harbour.txt", HARBOUR)])
    assert not result.ok and "Another process is updating the index" in result.message
    assert not (corpus / "harbour.txt").exists()


def test_remove_sets_the_file_aside_and_it_is_no_longer_found(service: Service,
                                                              corpus: Path) -> None:
    message = service.remove("002_75f925b16965c540.txt")
    assert "moved to" in message
    assert not (corpus / "002_75f925b16965c540.txt").exists()
    assert (corpus / REMOVED / "002_75f925b16965c540.txt").exists()
    assert [d.source for d in service.documents()] == ["000_1daafaa0c1248cb7.txt"]
    answer = final(service, "Why did the guardsmen refuse to fight?")
    assert all(p.source == "000_1daafaa0c1248cb7.txt" for p in answer.passages)
    with pytest.raises(DocumentError, match="not in the index"):
        service.remove("002_75f925b16965c540.txt")
    again = Index.open(Settings(index_dir=service.index.root), HashEmbedder())
    again.update([corpus])  # what `qa index` does: it does not bring the file back
    assert "002_75f925b16965c540.txt" not in again.documents


def test_the_model_is_never_entered_from_two_threads(settings: Settings,
                                                     corpus: Path) -> None:
    generator = SlowGenerator()
    service = service_on(settings, corpus, generator=generator)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            final(service, "How many guardsmen is Benyash defending?")
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert generator.most == 1 and len(generator.prompts) == 4


def test_a_stream_abandoned_half_way_does_not_block_the_next(settings: Settings,
                                                             corpus: Path) -> None:
    service = service_on(settings, corpus, generator=SlowGenerator())
    stream = service.ask("How many guardsmen is Benyash defending?")
    assert isinstance(next(stream), str)
    del stream  # a closed browser tab
    done = threading.Event()
    threading.Thread(target=lambda: (final(service, "Why did they refuse?"), done.set()),
                     daemon=True).start()
    assert done.wait(timeout=30)
