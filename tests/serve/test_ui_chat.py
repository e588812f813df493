"""The chat's event handlers, called as Gradio calls them, on the small fakes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.answer.llm import Message
from qa.errors import ConfigError
from qa.serve.access import Access, parse_auth, warning
from qa.serve.address import Address, check_free, is_loopback
from qa.serve.service import Service
from qa.serve.ui import ChatUI, Conversation, build
from qa.settings import ServeSettings, Settings
from qa.store.index import Index

from ..conftest import fake_assistant
from ..fakes import ScriptedGenerator

pytestmark = pytest.mark.unit


class BrokenGenerator(ScriptedGenerator):
    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        yield "Twelve "
        raise RuntimeError("llama.cpp fell over")


@pytest.fixture
def ui(hash_index: Index, settings: Settings, corpus: Path) -> ChatUI:
    return ChatUI(Service(fake_assistant(hash_index, settings), corpus))


def run(ui: ChatUI, question: str, conv: Conversation | None = None,
        **kw: Any) -> list[tuple[Any, ...]]:
    return list(ui.respond(question, conv or Conversation(), **kw))


def text(message: dict[str, Any]) -> str:
    return str(message["content"])


def test_an_answer_streams_then_shows_sources_and_the_searched_question(ui: ChatUI) -> None:
    steps = run(ui, "Why did the guardsmen refuse to fight?")
    first, last = steps[0], steps[-1]
    assert first[0][-1]["metadata"]["status"] == "pending"  # "Searching the articles…"
    assert first[3] == ""  # the question box is cleared at once
    messages, panel, answer, _, conv = last
    assert [m["role"] for m in messages] == ["user", "assistant", "assistant"]
    assert "[1]" in text(messages[1])
    assert messages[2]["metadata"] == {"title": "Searched for: Why did the guardsmen refuse "
                                       "to fight?", "status": "done"}
    assert "<mark>" in panel and answer["citations"]
    assert conv.turns[0] == {"role": "user", "content": "Why did the guardsmen refuse to fight?"}
    assert conv.panels[1] == conv.panels[2] == panel


def test_a_follow_up_is_searched_as_a_standalone_question(ui: ChatUI) -> None:
    conv = Conversation(turns=[
        {"role": "user", "content": "Which lawyer represents the dismissed guardsmen?"},
        {"role": "assistant", "content": "Mikhail Benyash."}])
    messages = run(ui, "Which city was he calling from?", conv)[-1][0]
    assert "Benyash" in messages[-1]["metadata"]["title"]


def test_timings_when_asked_for(ui: ChatUI) -> None:
    note = run(ui, "Why did the guardsmen refuse?", show_timings=True)[-1][0][-1]
    assert "total" in text(note) and note["metadata"]["duration"] >= 0


def test_bad_input_is_a_message_and_not_part_of_the_history(ui: ChatUI) -> None:
    messages, _, _, _, conv = run(ui, "?!?")[-1]
    assert text(messages[-1]) == ("The question has no words in it. Type a question about "
                                  "the articles.")
    assert conv.turns == []
    assert run(ui, "   ")[-1][0] == []  # nothing to ask: nothing happens


def test_a_crash_is_a_readable_message_not_a_traceback(hash_index: Index, settings: Settings,
                                                       corpus: Path) -> None:
    assistant = fake_assistant(hash_index, settings)
    assistant.generator = BrokenGenerator()
    ui = ChatUI(Service(assistant, corpus))
    reply = text(run(ui, "How many guardsmen is Benyash defending?")[-1][0][-1])
    assert reply.startswith("Something went wrong while answering (RuntimeError)")
    assert "Traceback" not in reply and "llama.cpp fell over" not in reply


def test_new_conversation_and_earlier_sources(ui: ChatUI) -> None:
    conv = run(ui, "Why did the guardsmen refuse to fight?")[-1][4]
    conv = run(ui, "When was the Vladimir SOBR division founded?", conv)[-1][4]
    assert conv.panels[1] != conv.panels[4]

    class Click:
        index = 1

    assert ui.show_sources(conv, Click()) == conv.panels[1]  # type: ignore[arg-type]
    messages, panel, _, _, fresh = ui.new_conversation()
    assert messages == [] and fresh.turns == [] and "appear here" in panel


def test_examples_fit_the_corpus(ui: ChatUI) -> None:
    assert len(ui.examples()) == 4
    ui.service.remove("002_75f925b16965c540.txt")
    ui.service.remove("000_1daafaa0c1248cb7.txt")
    assert ui.examples() == []


def test_documents_tab_adds_and_removes(ui: ChatUI, tmp_path: Path) -> None:
    page = tmp_path / "harbour.html"
    page.write_text("<title>Harbour Bridge Closed</title><p>Cracks were found.</p>",
                    encoding="utf-8")
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK")
    status, table, _, summary, box = ui.add_files([str(page), str(bad)],
                                                  progress=lambda *a, **k: None)
    assert "**Added.** harbour.html was added: 1 passage" in status
    assert "**Not added.** notes.docx was not added: only .txt" in status
    assert ["Harbour Bridge Closed", "", "no date", "harbour.html", 1] in table
    assert summary.startswith("3 articles") and box is None
    status = ui.remove("harbour.html")[0]
    assert status.startswith("**Removed.**")
    assert ui.remove(None)[0] == "Choose a document to remove first."


def test_markup_quoted_from_an_article_is_shown_as_text(ui: ChatUI, tmp_path: Path) -> None:
    page = tmp_path / "mayor.txt"
    page.write_text("Mayor Resigns\n\nThe mayor resigned because the budget <img "
                    "src=https://tracker.example/x.png> failed badly.\n", encoding="utf-8")
    assert "**Added.**" in ui.add_files([str(page)], progress=lambda *a, **k: None)[0]
    messages = run(ui, "Why did the <b>mayor</b> resign?")[-1][0]
    assert text(messages[0]) == "Why did the &lt;b&gt;mayor&lt;/b&gt; resign?"
    assert "&lt;img src=https://tracker.example/x.png&gt;" in text(messages[1])
    assert all("<" not in text(m) for m in messages)


def test_the_app_offers_its_api_by_name(ui: ChatUI) -> None:
    demo = build(ui.service)
    names = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert names == {"ask", "new_conversation", "add_documents", "remove_document"}


def test_address_flags_then_gradio_variables_then_loopback() -> None:
    def chosen(env: dict[str, str], **flags: Any) -> tuple[Address, Access]:
        s = ServeSettings.from_env(env, **flags)
        return Address.of(s), Access.of(s)

    assert chosen({}) == (Address("127.0.0.1", 7860), Access(None, None))
    env = {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "8000", "QA_AUTH": "a:b",
           "QA_API_KEY": "k"}
    assert chosen(env) == (Address("0.0.0.0", 8000), Access([("a", "b")], "k"))
    assert chosen(env, host="127.0.0.2", port=9000, auth="c:d", api_key=None) == (
        Address("127.0.0.2", 9000), Access([("c", "d")], "k"))  # a flag left out: None
    assert chosen({}, host="0.0.0.0")[0].url == "http://127.0.0.1:7860"
    with pytest.raises(ConfigError, match="GRADIO_SERVER_PORT"):
        ServeSettings.from_env({"GRADIO_SERVER_PORT": "http"})
    with pytest.raises(ConfigError, match="between 1 and 65535"):
        ServeSettings.from_env({}, port=70000)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


def test_a_public_address_without_logins_is_warned_about() -> None:
    assert warning(Address("127.0.0.1", 7860), Access()) is None
    assert warning(Address("0.0.0.0", 7860), Access([("a", "b")], "k")) is None
    said = warning(Address("0.0.0.0", 7860), Access(None, "k"))
    assert said and "listening on 0.0.0.0 without --auth" in said


def test_a_port_in_use_is_said_before_anything_loads() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"Cannot listen on 127.0.0.1:{port}"):
            check_free(Address("127.0.0.1", port))


def test_auth_pairs() -> None:
    assert parse_auth(None) is None
    assert parse_auth("ann:pw1, bob:pw:2") == [("ann", "pw1"), ("bob", "pw:2")]
    for bad in ("ann", "ann:", ":pw"):
        with pytest.raises(ConfigError, match="USER:PASSWORD"):
            parse_auth(bad)
