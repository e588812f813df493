"""``qa index URL`` against a real HTTP server on loopback: a page, a feed, a slow server, a
404, an oversized body and a type nothing reads. Each gets its articles or one line saying
why, and a failure leaves the index as it was."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from qa import cli
from qa.errors import DocumentError
from qa.ingest.documents import from_bytes
from qa.ingest.fetch import fetch, name_for
from qa.settings import Settings
from qa.store.index import Index

from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit

NEWS = Path(__file__).parents[1] / "fixtures" / "news"
PAGE = (NEWS / "pages" / "dunmere-courier-school-budget.html").read_bytes()
FEED = (NEWS / "feed.rss").read_bytes()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        pass

    def send(self, body: bytes, kind: str, status: int = 200, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        path = self.path
        if path == "/news/school-budget":
            self.send(PAGE, "text/html; charset=utf-8")
        elif path == "/feed":
            self.send(FEED, "application/rss+xml")
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/news/school-budget")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow":
            time.sleep(2)
            self.send(PAGE, "text/html")
        elif path == "/big":  # says how big it is: refused before the body is read
            self.send(b"", "text/html", length=50 * 1024 * 1024)
        elif path == "/endless":  # does not say: refused once it has sent too much
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"<p>" + b"word " * 1000 + b"</p>")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/logo.png":
            self.send(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        else:
            self.send(b"<h1>Not found</h1>", "text/html", status=404)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback is reached directly, whatever proxy this machine is set up with."""
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy"):
        monkeypatch.delenv(key, raising=False)


def test_a_page_is_fetched_with_its_metadata(site: str) -> None:
    page = fetch(f"{site}/news/school-budget")
    assert page.name == "127-0-0-1-news-school-budget.html"
    [doc] = from_bytes(page.name, page.data, page.url, page.url)
    assert doc.outlet == "Dunmere Courier" and doc.published == "2024-06-04"
    assert doc.path == f"{site}/news/school-budget"
    assert "5-2" in doc.text


def test_a_redirect_is_followed(site: str) -> None:
    assert fetch(f"{site}/moved").url == f"{site}/news/school-budget"


def test_a_feed_is_fetched_as_its_entries(site: str) -> None:
    page = fetch(f"{site}/feed")
    assert page.name.endswith(".rss")
    docs = from_bytes(page.name, page.data, page.url)
    assert len(docs) == 4 and all("#" in d.source for d in docs)
    assert {d.outlet for d in docs} == {"Fenwick Valley Herald"}


@pytest.mark.parametrize("path, says, limit", [
    ("/slow", "did not answer within 1 s", {"timeout": 1.0}),
    ("/missing", "the server answered 404 Not Found", {}),
    ("/big", "it is 50.0 MB, and the limit is 10.0 MB", {}),
    ("/endless", "over the limit of 0.1 MB", {"max_bytes": 100_000}),
    ("/logo.png", "it sent image/png, not a page, a feed", {}),
])
def test_each_failure_is_one_line_naming_the_url(site: str, path: str, says: str,
                                                 limit: dict[str, float]) -> None:
    with pytest.raises(DocumentError) as e:
        fetch(f"{site}{path}", **limit)  # type: ignore[arg-type]
    assert says in str(e.value) and f"{site}{path}" in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("url, says", [
    ("ftp://example.com/a.html", "not an http:// or https:// address"),
    ("http://127.0.0.1:9/nothing", "cannot connect"),
])
def test_bad_addresses_are_refused(url: str, says: str) -> None:
    with pytest.raises(DocumentError, match=says):
        fetch(url)


def test_name_for_takes_the_type_from_the_server_else_the_address() -> None:
    assert name_for("https://x.example/news/a-b", "text/html", b"") == "x-example-news-a-b.html"
    assert name_for("https://x.example/feed.xml", "", b"") == "x-example-feed.xml"
    assert name_for("https://x.example/rss", "application/octet-stream",
                    b"<?xml?><rss>") == "x-example-rss.rss"


def test_a_failed_fetch_leaves_the_index_as_it_was(site: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    index_dir = tmp_path / "index"
    code = cli.main(["index", "--index", str(index_dir), f"{site}/missing", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "404" in err
    assert not (index_dir / "manifest.json").exists()


def test_a_fetched_page_stays_when_the_folders_are_indexed_again(
        site: str, settings: Settings, corpus: Path) -> None:
    index = Index.open(settings, HashEmbedder(), create=True)
    page = fetch(f"{site}/news/school-budget")
    index.update([corpus], documents=from_bytes(page.name, page.data, page.url, page.url))
    assert page.name in index.documents
    report = index.update([corpus])  # a URL has no file: it is not pruned
    assert page.name in index.documents and report.removed == []
    info = index.documents[page.name]
    assert info.path == f"{site}/news/school-budget"  # where it was fetched from
    assert info.url.startswith("https://www.dunmerecourier.example/")  # its own address
    assert info.outlet == "Dunmere Courier"
