"""The running app (``python app.py``) under load, while a document is being added, and
showing a hostile article: many ``gradio_client`` sessions at once and a headless Chromium.

One server for the module, as in ``test_ui_app.py`` (whose helpers start and drive it).
``LOAD_SESSIONS`` changes the number of concurrent sessions (16). Figures go to
``test-artifacts/load.json``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..answer.test_hostile import HOSTILE
from ..browser import chromium
from ..corpora import articles
from .test_ui_app import (
    ARTIFACTS,
    Server,
    ask,
    assert_cites_the_file,
    client,
    start,
    stop,
)

pytestmark = pytest.mark.integration

SESSIONS = int(os.environ.get("LOAD_SESSIONS") or 16)
# (first question, follow-up, who the follow-up's pronoun must resolve to, the answer's fact)
PAIRS = [
    ("Which lawyer represents the dismissed guardsmen?", "Which city was he calling from?",
     "Benyash", "Krasnodar"),
    ("Who is Pavel Chikov?",
     "According to him, where had the guardsmen been sent before the invasion?", "Chikov",
     "Crimea"),
    ("Who is Ilya Kosygin?", "According to him, whose funeral was held on March 18?",
     "Kosygin", "leadership"),
    ("When was the Vladimir SOBR division founded?",
     "For how many years did it go without a single death?", "SOBR", "29"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("robust"))
    yield running
    stop(running)


def text_of(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, list):
        return " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c)
                        for c in content)
    return str(content)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def test_sixteen_sessions_at_once_each_get_their_answers_and_only_their_history(
        server: Server) -> None:
    clients = [client(server) for _ in range(SESSIONS)]
    start_line = threading.Barrier(SESSIONS)
    results: list[Any] = [None] * SESSIONS
    errors: list[str] = []

    def session(i: int) -> None:
        first, follow_up, _who, _fact = PAIRS[i % len(PAIRS)]
        try:
            start_line.wait(timeout=120)
            t0 = time.monotonic()
            _chat, _src, a1, _box = clients[i].predict(first, api_name="/ask")
            t1 = time.monotonic()
            chat, _src, a2, _box = clients[i].predict(follow_up, api_name="/ask")
            results[i] = (chat, a1, a2, t1 - t0, time.monotonic() - t1)
        except Exception as e:  # noqa: BLE001 - reported below with the session
            errors.append(f"session {i}: {type(e).__name__}: {e}")

    began = time.monotonic()
    threads = [threading.Thread(target=session, args=(i,)) for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    wall = time.monotonic() - began
    assert not errors, errors
    latencies: list[float] = []
    resolved = facts = 0
    for i, result in enumerate(results):
        first, follow_up, who, fact = PAIRS[i % len(PAIRS)]
        assert result is not None, f"session {i} got no answer"
        chat, a1, a2, l1, l2 = result
        latencies += [l1, l2]
        assert isinstance(a1, dict) and isinstance(a2, dict), (a1, a2)  # both arrived
        # Only this session's own two questions, in order, with their answers.
        assert [text_of(m) for m in chat if m["role"] == "user"] == [first, follow_up], chat
        assert len(chat) == 6, chat
        resolved += who in a2["standalone_question"]
        facts += fact.lower() in a2["answer"].lower()
        if not a2["abstained"]:
            assert_cites_the_file(server, a2)
    figures = {"sessions": SESSIONS, "answers": len(latencies), "wall_s": round(wall, 1),
               "p50_s": round(percentile(latencies, 50), 2),
               "p95_s": round(percentile(latencies, 95), 2),
               "max_s": round(max(latencies), 2), "follow_ups_resolved": resolved,
               "follow_ups_with_the_fact": facts, "failures": len(errors)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"\nload: {figures}")
    # Each follow-up was resolved against its own session's history, never another's.
    assert resolved == SESSIONS, figures
    assert facts >= 0.75 * SESSIONS, figures
    log = server.output()
    assert "Traceback" not in log and "Already borrowed" not in log, log[-3000:]


def test_questions_are_answered_while_a_big_document_is_being_added(
        server: Server, tmp_path: Path) -> None:
    from gradio_client import handle_file

    big = tmp_path / "almanac.txt"
    big.write_text("Harbour Almanac\n\nThe Zanzibar ferry carried 8,214 passengers in June, "
                   "its busiest month since the strike.\n\n" +
                   "\n\n".join(articles(35, seed=5, paragraphs=8).values()), encoding="utf-8")
    uploader, asker = client(server), client(server)
    uploading = time.monotonic()
    job = uploader.submit([handle_file(str(big))], api_name="/add_documents")
    deadline = time.monotonic() + 120
    while job.status().code.name not in ("PROCESSING", "PROGRESS", "ITERATING"):
        assert not job.done(), f"the upload was over before any question: {job.status()}"
        assert time.monotonic() < deadline, "the upload never started"
        time.sleep(0.1)
    answered = []
    for question in ("How many guardsmen is Benyash defending?",
                     "When was the Vladimir SOBR division founded?"):
        started = time.monotonic()
        answer = ask(asker, question)
        answered.append((time.monotonic() - started, job.done()))
        assert not answer["abstained"], answer
    assert not any(done for _, done in answered), ("the upload finished first", answered)
    status = job.result(timeout=600)[0]
    print(f"\nanswered in {[round(s, 1) for s, _ in answered]} s while a "
          f"{big.stat().st_size // 1024} KB upload took {time.monotonic() - uploading:.0f} s")
    assert "almanac.txt was added" in status, status
    found = ask(asker, "How many passengers did the Zanzibar ferry carry in June?")
    assert any(c["source"] == "almanac.txt" for c in found["citations"]), found
    assert_cites_the_file(server, found)


def test_a_hostile_article_is_shown_as_text_and_answers_stay_grounded(
        server: Server, tmp_path: Path) -> None:
    from gradio_client import handle_file
    from playwright.sync_api import sync_playwright

    article = tmp_path / "bridge news.md"
    article.write_text(HOSTILE, encoding="utf-8")
    c = client(server)
    status = c.predict([handle_file(str(article))], api_name="/add_documents")[0]
    assert "was added as bridge" in status and "news.md" in status, status
    for question, fact in (("When did the Old Harbour Bridge reopen?", "3 May"),
                           ("How much did the Old Harbour Bridge repairs cost?", "4.2")):
        answer = ask(c, question)
        assert fact in answer["answer"] and "PWNED" not in answer["answer"], answer
        assert_cites_the_file(server, answer)

    alerts: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(),
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1360, "height": 860})
        page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
        page.goto(server.url)
        box = page.locator("#qa-question textarea")
        box.fill("Who is the bridge engineer?")
        box.press("Enter")
        page.wait_for_selector("#qa-sources mark", timeout=180_000)
        page.locator("#qa-sources summary").first.click()  # the whole article, markup and all
        page.get_by_role("tab", name="Documents").click()
        page.get_by_role("gridcell", name="bridge_news.md").wait_for(timeout=30_000)
        table = page.get_by_role("grid").inner_text()
        panel = page.locator("#qa-sources").inner_text()
        injected = page.evaluate("""() => ({
            pwned: window.qaPwned === undefined ? null : window.qaPwned,
            tags: document.querySelectorAll(
                '#qa-sources img, #qa-sources script, #qa-chatbot img, #qa-chatbot script,'
                + ' [role="grid"] img').length})""")
        browser.close()
    assert injected == {"pwned": None, "tags": 0}, injected
    assert not alerts, alerts
    assert "<script>window.qaPwned = 2</script>" in panel  # shown, as written, not run
    assert '<img src=x onerror="window.qaPwned=1"> Bridge Reopens' in table
