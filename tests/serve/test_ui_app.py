"""The browser chat as users meet it: a real server (python app.py) on the real stack, driven
through gradio_client and through a headless Chromium (Playwright).

The server starts once for the module, on a free port, with a private copy of the seed
articles, no index yet, and none of the caller's ``QA_*`` settings. The browser test saves a
screenshot and its timings to ``test-artifacts/`` (``ARTIFACTS_DIR`` elsewhere); with
``UPDATE_SCREENSHOT=1`` it also replaces the README's ``docs/screenshot.png``. The browser is
the system's Chromium (``tests/browser.py``: ``$CHROMIUM``, else on the PATH, else installed
from Debian the first time).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..browser import chromium
from ..conftest import ROOT, SEEDS
from ..fakes import pdf
from ..servers import free_port, terminate, wait_until_up

pytestmark = pytest.mark.integration

ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or ROOT / "test-artifacts")
UPDATE_SCREENSHOT = os.environ.get("UPDATE_SCREENSHOT") == "1"
STARTUP_SECONDS = 240


@dataclass
class Server:
    url: str
    corpus: Path
    index: Path
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """``python app.py ARGS`` on a private corpus copy; returns once it answers HTTP."""
    corpus = tmp / "corpus"
    if not corpus.exists():
        shutil.copytree(SEEDS, corpus)
    index = tmp / "index"
    port = free_port()
    log = tmp / f"server-{port}.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    full_env.update({"QA_INDEX": str(index), "QA_CORPUS": str(corpus),
                     "GRADIO_SERVER_PORT": str(port), **(env or {})})
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "app.py", *args], cwd=ROOT, env=full_env,
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}/", corpus, index, log, process)
    wait_until_up(process, server.url, STARTUP_SECONDS, server.output)
    return server


def stop(server: Server) -> None:
    terminate(server.process)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("chat"))
    yield running
    stop(running)


def client(server: Server, **kw: Any) -> Any:
    from gradio_client import Client

    return Client(server.url, verbose=False, **kw)


def ask(c: Any, question: str) -> dict[str, Any]:
    """The answer's JSON (the ``qa ask --json`` shape) from the /ask endpoint."""
    _chat, _sources, answer, _box = c.predict(question, api_name="/ask")
    assert isinstance(answer, dict), answer
    return answer


def assert_cites_the_file(server: Server, answer: dict[str, Any]) -> None:
    """Every citation is an exact span of the text the index keeps of its document (a text
    file's own content; a page's or a PDF's extracted text)."""
    assert answer["citations"], answer
    manifest = json.loads((server.index / "manifest.json").read_text(encoding="utf-8"))
    for c in answer["citations"]:
        sha = manifest["documents"][c["source"]]["sha256"]
        text = (server.index / "docs" / f"{sha}.txt").read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]
        if c["source"].endswith(".txt"):
            assert (server.corpus / c["source"]).read_text(encoding="utf-8") == text


def open_chat(p: Any, server: Server) -> tuple[Any, Any, Any]:
    """Chromium on the chat page: (browser, page, the question box), the box ready."""
    browser = p.chromium.launch(executable_path=chromium(),
                                args=["--headless", "--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1360, "height": 860})
    page.goto(server.url)
    box = page.locator("#qa-question textarea")
    box.wait_for()
    return browser, page, box


def test_the_browser_shows_a_streamed_answer_and_its_highlighted_source(
        server: Server) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    elsewhere: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1360, "height": 860})
        page.on("request", lambda r: elsewhere.append(r.url)
                if not r.url.startswith((server.url, "data:", "blob:")) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        page.wait_for_selector("#qa-chatbot")
        # Record every text the answer bubble shows, to see it grow word by word.
        page.evaluate("""() => {
          window.qaSeen = [];
          const root = document.querySelector('#qa-chatbot');
          new MutationObserver(() => {
            const bots = root.querySelectorAll('[data-testid="bot"]');
            const text = bots.length ? bots[0].innerText.trim() : '';
            const seen = window.qaSeen;
            if (text && (!seen.length || seen[seen.length - 1].text !== text))
              seen.push({t: performance.now(), text: text});
          }).observe(root, {subtree: true, childList: true, characterData: true});
        }""")
        clicked = page.evaluate("performance.now()")
        page.get_by_text("How many guardsmen is Benyash defending?").first.click()
        page.wait_for_selector("#qa-sources mark", timeout=120_000)
        seen = page.evaluate("window.qaSeen")
        answer = page.locator('[data-testid="bot"]').first.inner_text()
        mark = page.locator("#qa-sources .qa-passage mark").first.inner_text()
        passage = page.locator("#qa-sources .qa-passage").first.inner_text()
        page.locator("#qa-sources summary").first.click()
        in_article = page.locator("#qa-sources .qa-article-text mark").first
        in_article.wait_for(state="visible")
        page.locator("#qa-sources summary").first.click()  # closed again for the picture
        page.screenshot(path=str(ARTIFACTS / "chat.png"))
        browser.close()

    words = [s for s in seen if not s["text"].startswith(("Searching", "Loading"))]
    first_token_ms = words[0]["t"] - clicked
    (ARTIFACTS / "chat.json").write_text(json.dumps(
        {"first_token_ms": round(first_token_ms), "answer_ms": round(words[-1]["t"] - clicked),
         "texts_seen": [s["text"] for s in words]}, indent=1), encoding="utf-8")
    assert len({s["text"] for s in words}) >= 3, words  # it streamed, not one block
    assert "12" in answer and "[1]" in answer, answer
    assert len(mark) > 20 and mark in passage and len(passage) > len(mark)
    assert "12" in mark
    assert not elsewhere, f"the page fetched from elsewhere: {elsewhere}"
    assert not errors, errors
    if UPDATE_SCREENSHOT:
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(ARTIFACTS / "chat.png", ROOT / "docs" / "screenshot.png")


def test_the_browser_shows_an_overview_and_whether_the_articles_agree(server: Server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page, box = open_chat(p, server)
        box.fill("What is this story about?")
        box.press("Enter")
        bubble = page.locator('[data-testid="bot"]', has_text="Drawn from 2 articles")
        bubble.first.wait_for(timeout=120_000)
        overview = bubble.first.inner_text()
        page.wait_for_function("document.querySelectorAll('#qa-sources .qa-source').length >= 2")
        files = page.locator("#qa-sources .qa-file").all_inner_texts()
        box.fill("Roughly how many people reached out to the lawyer's team?")
        box.press("Enter")
        bubble = page.locator('[data-testid="bot"]', has_text="Both articles say this")
        bubble.first.wait_for(timeout=120_000)
        agreed = bubble.first.inner_text()
        page.locator("#qa-sources .qa-stance").first.wait_for()
        stances = page.locator("#qa-sources .qa-stance").all_inner_texts()
        page.screenshot(path=str(ARTIFACTS / "agreement.png"))
        browser.close()
    assert "[1]" in overview and "[2]" in overview, overview
    assert len({f.split(" ·")[0] for f in files}) == 2, files  # both articles cited
    assert "Both articles say this" in agreed and "[2]" in agreed, agreed
    assert stances and set(stances) <= {"agrees", "differs"}, stances


def test_it_built_the_index_first_and_said_so(server: Server) -> None:
    assert "No index yet: building" in server.output()
    assert (server.index / "manifest.json").exists()


def test_client_asks_follows_up_and_sessions_keep_their_own_history(server: Server) -> None:
    ann, bob = client(server), client(server)
    first = ask(ann, "Which lawyer represents the dismissed guardsmen?")
    assert "Benyash" in first["answer"]
    assert_cites_the_file(server, first)
    # Both at once: the queue answers one after the other, each in its own session.
    job_ann = ann.submit("Which city was he calling from?", api_name="/ask")
    job_bob = bob.submit("Which city was he calling from?", api_name="/ask")
    follow_up, lone = job_ann.result(timeout=120)[2], job_bob.result(timeout=120)[2]
    assert "Benyash" in follow_up["standalone_question"]
    assert "Krasnodar" in follow_up["answer"]
    assert_cites_the_file(server, follow_up)
    assert lone["standalone_question"] == "Which city was he calling from?"
    chat = job_ann.result()[0]
    assert [m["role"] for m in chat].count("user") == 2


def test_client_uploads_a_document_and_it_is_answerable_at_once(server: Server,
                                                                tmp_path: Path) -> None:
    from gradio_client import handle_file

    page = tmp_path / "harbour.html"
    page.write_text(
        "<html><head><title>Harbour Bridge Closed For Repairs</title></head><body>"
        "<p>The city council closed the Old Harbour Bridge on Monday after inspectors found "
        "cracks in two of its steel girders.</p><p>Engineer Priya Natarajan said the repairs "
        "would take eleven weeks and cost 4.2 million euros.</p></body></html>",
        encoding="utf-8")
    paper = tmp_path / "lighthouse.pdf"
    paper.write_bytes(pdf("Margaret OConnell kept the Ballycotton lighthouse for forty years.",
                          title="Lighthouse Keeper Retires"))
    old = tmp_path / "photo.txt"
    old.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    before = sorted(p.name for p in server.corpus.iterdir())
    c = client(server)
    status, table, _choices, summary, _files = c.predict(
        [handle_file(str(p)) for p in (page, paper, old)], api_name="/add_documents")
    assert "harbour.html was added: 1 passage" in status, status
    assert "lighthouse.pdf was added: 1 passage" in status, status
    assert "photo.txt was not added: it looks binary" in status, status
    assert sorted(p.name for p in server.corpus.iterdir()) == sorted(
        [*before, "harbour.html", "lighthouse.pdf"])
    assert "Lighthouse Keeper Retires" in json.dumps(table) and summary.startswith("4 articles")
    answer = ask(c, "Why did the city council close the Old Harbour Bridge?")
    assert not answer["abstained"], answer
    assert {x["source"] for x in answer["citations"]} == {"harbour.html"}
    assert "cracks" in answer["answer"]
    assert_cites_the_file(server, answer)


def test_the_browser_shows_a_pages_outlet_and_date_on_its_source(server: Server) -> None:
    from gradio_client import handle_file
    from playwright.sync_api import sync_playwright

    saved = ROOT / "tests" / "fixtures" / "news" / "pages" / "dunmere-courier-school-budget.html"
    status = client(server).predict([handle_file(str(saved))], api_name="/add_documents")[0]
    assert "dunmere-courier-school-budget.html was added" in status, status
    with sync_playwright() as p:
        browser, page, box = open_chat(p, server)
        box.fill("By what vote did the Dunmere school board pass its budget?")
        box.press("Enter")
        page.locator("#qa-sources .qa-published").first.wait_for(timeout=120_000)
        told = page.locator("#qa-sources .qa-published").first.inner_text()
        files = page.locator("#qa-sources .qa-file").all_inner_texts()
        page.screenshot(path=str(ARTIFACTS / "published.png"))
        browser.close()
    assert "Dunmere Courier" in told and "4 June 2024" in told, told
    assert files[0].startswith("dunmere-courier-school-budget.html"), files


def test_auth_turns_on_a_login(server: Server, tmp_path: Path) -> None:
    from gradio_client import Client

    shutil.copytree(server.index, tmp_path / "index")  # built already: a quick start
    guarded = start(tmp_path, env={"QA_AUTH": "ann:s3cret"})
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error types vary
            Client(guarded.url, verbose=False)
        with pytest.raises(Exception):  # noqa: B017
            Client(guarded.url, verbose=False, auth=("ann", "wrong"))
        assert "/ask" in Client(guarded.url, verbose=False, auth=("ann", "s3cret")).view_api(
            print_info=False, return_format="dict")["named_endpoints"]
    finally:
        stop(guarded)
