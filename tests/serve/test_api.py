"""The OpenAI-compatible API on the small fakes: requests parsed, replies shaped, keys and
errors in OpenAI's JSON, through the real FastAPI app (Starlette's test client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from qa import cli
from qa.answer.llm import Message
from qa.serve.access import Access, check_exposed
from qa.serve.address import Address
from qa.serve.api import APIError, Request, app, authorize, chunks, completion, content, parse
from qa.serve.service import Service
from qa.settings import Settings
from qa.store.index import Index
from qa.types import Answer, Citation

from ..conftest import fake_assistant
from ..fakes import ScriptedGenerator

pytestmark = pytest.mark.unit

KEY = "test-key-123"
WHY = "Why did the guardsmen refuse to go into Ukraine?"


def body(*messages: tuple[str, Any], **extra: Any) -> bytes:
    return json.dumps({"model": "qa", "messages": [{"role": r, "content": c}
                                                   for r, c in messages], **extra}).encode()


def test_the_last_user_message_is_the_question_and_earlier_turns_its_history() -> None:
    asked = parse(body(("system", "You are a pirate."),
                       ("user", "Which lawyer represents the dismissed guardsmen?"),
                       ("assistant", "Mikhail Benyash. [1]\n\n**Sources**\n- [1] a.txt, ..."),
                       ("user", [{"type": "text", "text": "Which city was he calling from?"}]),
                       stream=True))
    assert asked == Request("Which city was he calling from?", [
        {"role": "user", "content": "Which lawyer represents the dismissed guardsmen?"},
        {"role": "assistant", "content": "Mikhail Benyash. [1]"}], True)


def test_since_and_source_restrict_what_is_asked() -> None:
    asked = parse(body(("user", "Who?"), since="2024-5-1", source=" Herald "))
    assert (asked.since, asked.outlet) == ("2024-05-01", "Herald")


def test_a_scope_that_leaves_no_article_is_a_400_saying_so(client: TestClient) -> None:
    got = client.post("/v1/chat/completions", content=body(("user", WHY), since="2024-01-01"))
    assert got.status_code == 400, got.text  # the seed articles declare no date
    assert "No indexed article is published since 2024-01-01" in got.json()["error"]["message"]


@pytest.mark.parametrize("raw, status, says", [
    (b"{not json", 400, "not valid JSON"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b'{"messages": [{"role": "user", "content": "Who?"}]}', 400, '"model" is missing'),
    (body(("user", "Who?")).replace(b'"qa"', b'"gpt-4o"'), 404, "'gpt-4o' does not exist"),
    (body(), 400, "non-empty list"),
    (body(("user", "Who?"), ("assistant", "Nobody.")), 400, "last message must be the user"),
    (body(("robot", "Who?")), 400, "messages[0] must be an object whose \"role\""),
    (body(("user", 42)), 400, "messages[0].content must be text"),
    (body(("user", "Who?"), stream="yes"), 400, '"stream" must be true or false'),
    (body(("user", "Who?"), since="last week"), 400, '"since" must be a date as YYYY-MM-DD'),
    (body(("user", "Who?"), source=3), 400, '"source" must be an outlet'),
])
def test_a_bad_request_is_a_4xx_that_says_what_to_send(raw: bytes, status: int,
                                                       says: str) -> None:
    with pytest.raises(APIError) as caught:
        parse(raw)
    assert caught.value.status == status and says in caught.value.message
    assert caught.value.body()["error"]["type"] == "invalid_request_error"


def test_keys_are_checked_only_when_the_server_has_one() -> None:
    authorize(None, None)
    authorize(f"Bearer {KEY}", KEY)
    for header in [None, "Bearer", f"Basic {KEY}", "Bearer wrong"]:
        with pytest.raises(APIError) as caught:
            authorize(header, KEY)
        assert caught.value.status == 401 and caught.value.code == "invalid_api_key"


def test_only_loopback_may_listen_without_an_api_key() -> None:
    check_exposed(Address("127.0.0.1", 7860), Access())
    check_exposed(Address("0.0.0.0", 7860), Access(api_key=KEY))
    with pytest.raises(Exception, match="Refusing to listen on 0.0.0.0 without QA_API_KEY"):
        check_exposed(Address("0.0.0.0", 7860), Access())


def test_qa_serve_refuses_a_public_address_without_a_key_before_loading_anything(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = cli.main(["serve", "--host", "0.0.0.0", "--index", str(tmp_path / "none")])
    assert code == 2 and "Refusing to listen on 0.0.0.0 without QA_API_KEY" in \
        capsys.readouterr().err
    assert not (tmp_path / "none").exists()


# --- over HTTP ------------------------------------------------------------------------------


class BrokenGenerator(ScriptedGenerator):
    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        raise RuntimeError("a bug in the model adapter")


@pytest.fixture
def client(hash_index: Index, settings: Settings, corpus: Path) -> Iterator[TestClient]:
    service = Service(fake_assistant(hash_index, settings), corpus)
    with TestClient(app(service, KEY), headers={"Authorization": f"Bearer {KEY}"}) as c:
        yield c


def test_an_answer_carries_its_citations_as_a_field_and_as_markdown(client: TestClient,
                                                                    corpus: Path) -> None:
    got = client.post("/v1/chat/completions", content=body(("user", WHY)))
    assert got.status_code == 200, got.text
    reply = got.json()
    text = reply["choices"][0]["message"]["content"]
    assert reply["object"] == "chat.completion" and reply["model"] == "qa"
    assert reply["citations"] and not reply["qa"]["abstained"]
    for c in reply["citations"]:
        source = (corpus / c["source"]).read_text(encoding="utf-8")
        assert source[c["start"] : c["end"]] == c["quote"]
        assert c["published"] is None and c["outlet"] is None  # text files declare neither
        assert f"[{c['n']}]" in text.split("**Sources**")[0]  # the marker in the answer
        assert f"- [{c['n']}] {c['source']}, characters {c['start']}-{c['end']}" in text


def test_a_stream_joins_to_the_same_content_and_ends_with_the_citations(
        client: TestClient) -> None:
    whole = client.post("/v1/chat/completions", content=body(("user", WHY))).json()
    got = client.post("/v1/chat/completions", content=body(("user", WHY), stream=True))
    assert got.headers["content-type"].startswith("text/event-stream")
    events = [line[6:] for line in got.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    parts = [json.loads(e) for e in events[:-1]]
    assert all(p["object"] == "chat.completion.chunk" for p in parts)
    joined = "".join(p["choices"][0]["delta"].get("content", "") for p in parts)
    assert joined == whole["choices"][0]["message"]["content"]
    assert len(parts) > 5 and parts[-1]["choices"][0]["finish_reason"] == "stop"
    assert parts[-1]["citations"] == whole["citations"]


def test_an_abstention_lists_the_closest_passages_not_sources(hash_index: Index,
                                                              settings: Settings) -> None:
    answer = fake_assistant(hash_index, settings).ask("What is the name of the judge?")
    assert answer.abstained and answer.closest
    text = content(answer)
    assert "**Closest passages**" in text and "**Sources**" not in text
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks(answer, "x", 0))
    assert streamed == completion(answer, "x", 0)["choices"][0]["message"]["content"] == text


def test_http_errors_are_openai_json_never_a_traceback(client: TestClient, hash_index: Index,
                                                       settings: Settings, corpus: Path) -> None:
    def error(response: Any, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert "Traceback" not in response.text
        return dict(response.json()["error"])

    assert error(client.post("/v1/chat/completions", content=b"{"), 400)["message"]
    empty = error(client.post("/v1/chat/completions", content=body(("user", "  "))), 400)
    assert "question is empty" in empty["message"]
    assert error(client.get("/v1/chat/completions"), 405)["code"] == "method_not_allowed"
    assert error(client.get("/v1/embeddings"), 404)["code"] == "unknown_url"
    for headers in [{"Authorization": "Bearer wrong"}, {"Authorization": ""}]:
        denied = client.get("/v1/models", headers=headers)
        assert error(denied, 401)["code"] == "invalid_api_key"
        assert denied.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/models").json()["data"][0]["id"] == "qa"

    broken = fake_assistant(hash_index, settings)
    broken.generator = BrokenGenerator()
    with TestClient(app(Service(broken, corpus))) as c:  # no key: anyone on this machine
        failed = c.post("/v1/chat/completions",
                        content=body(("user", "How many guardsmen is Benyash defending?")))
        assert "RuntimeError" in error(failed, 500)["message"]
        assert error(failed, 500)["type"] == "server_error"


def test_sources_list_quotes_each_passage_once() -> None:
    cited = [Citation(1, "a.txt", 0, 17, "“A lot,” he said.", ""),
             Citation(2, "a.txt", 18, 30, "It was 2016.", "")]
    text = content(Answer("He said so. [1][2]", False, cited, "q", "q"))
    assert "[1] a.txt, characters 0-17: “A lot,” he said." in text
    assert "[2] a.txt, characters 18-30: “It was 2016.”" in text
