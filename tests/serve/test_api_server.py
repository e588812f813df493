"""The OpenAI-compatible API as other tools meet it: the official ``openai`` client against
``python app.py`` (the real stack) on a free port, with an API key, beside the browser chat."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .test_ui_app import Server, start, stop

pytestmark = pytest.mark.integration

KEY = "a-long-random-secret"
CITY = "From which city did Benyash speak to the Financial Times?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("api"), env={"QA_API_KEY": KEY})
    yield running
    stop(running)


def openai_client(server: Server, key: str = KEY) -> Any:
    import openai

    return openai.OpenAI(base_url=f"{server.url}v1", api_key=key, max_retries=0, timeout=300)


def ask(server: Server, *turns: str, **kw: Any) -> Any:
    """A conversation of alternating user/assistant turns, the last one the question."""
    roles = ["user", "assistant"] * len(turns)
    messages = [{"role": "system", "content": "Answer like a pirate."}] + [
        {"role": r, "content": t} for r, t in zip(roles, turns, strict=False)]
    return openai_client(server).chat.completions.create(model="qa", messages=messages, **kw)


def assert_cites_the_corpus(server: Server, citations: list[dict[str, Any]]) -> None:
    assert citations
    for c in citations:
        text = (server.corpus / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]


def test_models_lists_the_assistant(server: Server) -> None:
    assert [m.id for m in openai_client(server).models.list()] == ["qa"]


def test_an_answer_with_citations_as_a_field_and_in_the_text(server: Server) -> None:
    reply = ask(server, CITY)
    text = reply.choices[0].message.content
    assert "Krasnodar" in text.split("**Sources**")[0]
    assert_cites_the_corpus(server, reply.citations)  # the extra field, kept by the client
    assert any("Krasnodar" in c["quote"] for c in reply.citations)
    for c in reply.citations:
        assert f"- [{c['n']}] {c['source']}, characters {c['start']}-{c['end']}" in text
    assert reply.qa["abstained"] is False


def test_a_stream_gives_the_same_answer_piece_by_piece(server: Server) -> None:
    whole = ask(server, CITY)
    pieces, last = [], None
    for chunk in ask(server, CITY, stream=True):
        pieces.append(chunk.choices[0].delta.content or "")
        last = chunk
    assert len([p for p in pieces if p]) > 5
    assert "".join(pieces) == whole.choices[0].message.content
    assert last is not None and last.choices[0].finish_reason == "stop"
    assert last.citations == whole.citations


def test_history_in_messages_resolves_a_follow_up(server: Server) -> None:
    first = ask(server, "Which lawyer represents the dismissed guardsmen?")
    assert "Benyash" in first.choices[0].message.content
    # The reply goes back as the client stored it, sources list and all.
    follow = ask(server, "Which lawyer represents the dismissed guardsmen?",
                 first.choices[0].message.content, "Which city was he calling from?")
    assert "Krasnodar" in follow.choices[0].message.content.split("**Sources**")[0]
    assert "Benyash" in follow.qa["standalone_question"]


def test_an_unanswerable_question_abstains_with_the_closest_passages(server: Server) -> None:
    reply = ask(server, "What is the name of the judge in the case?")
    assert reply.qa["abstained"] is True and reply.citations == []
    assert "**Closest passages**" in reply.choices[0].message.content


def test_two_clients_at_once_both_get_answers(server: Server) -> None:
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: ask(server, CITY), range(2)))
    assert all("Krasnodar" in r.choices[0].message.content for r in replies)


def test_keys_and_mistakes_are_openai_errors(server: Server) -> None:
    import openai

    with pytest.raises(openai.AuthenticationError) as denied:
        openai_client(server, key="wrong").models.list()
    assert denied.value.status_code == 401 and denied.value.code == "invalid_api_key"
    with pytest.raises(openai.BadRequestError, match="question is empty"):
        ask(server, "   ")
    with pytest.raises(openai.NotFoundError) as unknown:
        openai_client(server).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": CITY}])
    assert unknown.value.code == "model_not_found"
    for data, headers in [(b"{not json", {"Authorization": f"Bearer {KEY}"}),
                          (b'{"model": "qa"}', {})]:
        request = urllib.request.Request(f"{server.url}v1/chat/completions", data=data,
                                         headers=headers, method="POST")
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=30)
        answer = failed.value.read().decode()
        assert failed.value.code in (400, 401) and "Traceback" not in answer
        assert set(json.loads(answer)["error"]) == {"message", "type", "param", "code"}


def test_the_browser_chat_is_still_at_the_root_without_a_key(server: Server) -> None:
    with urllib.request.urlopen(server.url, timeout=30) as page:
        assert page.status == 200 and "text/html" in page.headers["Content-Type"]
        assert "qa: ask the news" in page.read().decode()  # the Blocks title
