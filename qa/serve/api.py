"""The OpenAI-compatible API: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Tools that already speak OpenAI's chat API (its Python and JavaScript clients, curl, chat
front ends) can ask the assistant. There is one model, ``qa``. The last user message is the
question; earlier user and assistant messages are the conversation it may follow up on;
system (and developer) messages are ignored, since the assistant answers only from the
articles. The reply is the assistant's grounded answer, as ``qa ask`` gives it:

- ``choices[0].message.content`` is the answer with its [n] markers, then a Markdown list of
  the sources (or, after an abstention, the closest passages), for clients that show only
  the text. The list is dropped again from assistant messages sent back as history.
- ``agreement`` (another) is None, or ``{verdict, claims: [{n, source, quote, value, stance}]}``
  when the cited articles were compared (``qa/agreement.py``);
- ``citations`` (an extra top-level field) is ``[{n, source, start, end, quote, outlet,
  published, author, url}]`` (``published`` ISO ``YYYY-MM-DD``, unknown ones ``null``), the
  same spans as ``Answer.citations``; ``qa`` holds ``abstained``, ``standalone_question``,
  ``short_answer``, ``closest`` and ``timings`` (seconds per stage).

Two extra request fields restrict retrieval (``extra_body`` in OpenAI's Python client):
``"since": "YYYY-MM-DD"`` (articles published on or after it) and ``"source": "outlet"``.

With ``"stream": true`` the same content arrives as ``chat.completion.chunk`` server-sent
events, and the last chunk carries ``citations``, ``agreement`` and ``qa``. The stream
starts once the answer has passed its check: the assistant may replace its model's draft
with the evidence's own words, and a client cannot take back text it was sent, so streaming
and not streaming give the same content, never an unchecked claim.

With an API key (``QA_API_KEY``) every request must send ``Authorization: Bearer KEY``.
Errors are OpenAI's JSON (``{"error": {"message", "type", "param", "code"}}``) with a 4xx
status for the caller's mistakes (bad JSON, no question, unknown model, wrong key) and 5xx
for the server's (the vector store or the model unreachable); never a traceback. Questions
go through ``Service.ask``, the same lock as the browser chat, so the model is never entered
from two threads.

Left out: sampling parameters (``temperature``, ``max_tokens`` ... are accepted and ignored:
the answer is the assistant's, and deterministic), ``n`` > 1, tools, logprobs, token counts
(``usage`` is absent), and the other OpenAI endpoints.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi import Request as HTTPRequest
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from qa.answer import abstain
from qa.answer.conversation import Turn
from qa.errors import ConfigError, InputError, ModelError, QAError, StoreError
from qa.serve.service import Service
from qa.settings import day
from qa.types import Answer, Citation, byline, citation_dict

log = logging.getLogger(__name__)

MODEL = "qa"
SOURCES = "**Sources**"
CLOSEST = f"**{abstain.CLOSEST}** ({abstain.CLOSEST_NOTE})"


class APIError(Exception):
    """An error in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param

    def body(self) -> dict[str, Any]:
        kind = "invalid_request_error" if self.status < 500 else "server_error"  # as OpenAI
        return {"error": {"message": self.message, "type": kind, "param": self.param,
                          "code": self.code}}


@dataclass(frozen=True)
class Request:
    question: str
    history: list[Turn]
    stream: bool
    since: str = ""  # ISO YYYY-MM-DD: only articles published on or after it
    outlet: str = ""  # only articles from outlets whose name holds it


# --- the request --------------------------------------------------------------------------


def parse(raw: bytes) -> Request:
    """The question, its history and whether to stream, from a chat completions body.

    ``parse(b'{"model": "qa", "messages": [{"role": "user", "content": "Who?"}]}')``
    -> ``Request("Who?", [], False)``
    """
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as e:
        raise APIError(400, f"The request body is not valid JSON ({e}). Send a JSON object "
                       f"with \"model\" and \"messages\".") from None
    if not isinstance(body, dict):
        raise APIError(400, "The request body must be a JSON object with \"model\" and "
                       "\"messages\".")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise APIError(400, f"\"model\" is missing. Use \"{MODEL}\".", "missing_model", "model")
    if model != MODEL:
        raise APIError(404, f"The model {model!r} does not exist. This server has one model: "
                       f"\"{MODEL}\".", "model_not_found", "model")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise APIError(400, "\"stream\" must be true or false.", param="stream")
    turns = [_turn(m, i) for i, m in enumerate(_messages(body.get("messages")))]
    turns = [t for t in turns if t["role"] in ("user", "assistant")]
    if not turns or turns[-1]["role"] != "user":
        raise APIError(400, "The last message must be the user's question (role \"user\").",
                       param="messages")
    since, outlet = body.get("since") or "", body.get("source") or ""
    if not isinstance(outlet, str):
        raise APIError(400, "\"source\" must be an outlet's name.", param="source")
    try:
        since = day(since) if since else ""
    except (ConfigError, TypeError):
        raise APIError(400, f"\"since\" must be a date as YYYY-MM-DD. Currently, it is "
                       f"{since!r}.", param="since") from None
    return Request(turns[-1]["content"], turns[:-1], stream, since, outlet.strip())


def _messages(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise APIError(400, "\"messages\" must be a non-empty list of {\"role\", \"content\"} "
                       "objects.", param="messages")
    return value


def _turn(message: Any, i: int) -> Turn:
    roles = ("system", "developer", "user", "assistant")
    if not isinstance(message, dict) or message.get("role") not in roles:
        raise APIError(400, f"messages[{i}] must be an object whose \"role\" is one of "
                       f"{', '.join(roles)}.", param=f"messages[{i}]")
    content = message.get("content")
    if isinstance(content, list):  # content parts: only text means anything here
        content = "\n".join(p.get("text", "") for p in content
                            if isinstance(p, dict) and p.get("type") == "text")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise APIError(400, f"messages[{i}].content must be text.",
                       param=f"messages[{i}].content")
    if message["role"] == "assistant":
        content = strip_sources(content)
    return {"role": str(message["role"]), "content": content}


def strip_sources(content: str) -> str:
    """An earlier reply without the sources list this API appended to it."""
    for heading in (SOURCES, CLOSEST):
        content = content.split(f"\n\n{heading}\n", 1)[0]
    return content


# --- the reply ----------------------------------------------------------------------------


def content(answer: Answer) -> str:
    """The answer's text, then its sources as a Markdown list."""
    listed, heading = (answer.closest, CLOSEST) if answer.abstained else \
        (answer.citations, SOURCES)
    if not listed:
        return answer.text
    lines = [f"- [{c.n}] {c.source}, characters {c.start}-{c.end}"
             f"{f' ({byline(c)})' if byline(c) else ''}: {_quoted(c.quote)}" for c in listed]
    return f"{answer.text}\n\n{heading}\n" + "\n".join(lines)


def _quoted(quote: str) -> str:
    """``_quoted("It was 2016.") -> "“It was 2016.”"``; a quote that opens with a quotation
    mark of its own is left as it is, not doubled."""
    return quote if quote[:1] in "“\"‘'" else f"“{quote}”"


def extras(answer: Answer) -> dict[str, Any]:
    def spans(citations: list[Citation]) -> list[dict[str, Any]]:
        return [{**citation_dict(c), "title": c.title} for c in citations]

    return {"citations": spans(answer.citations),
            "agreement": answer.agreement.to_dict() if answer.agreement else None,
            "qa": {"abstained": answer.abstained,
                   "standalone_question": answer.standalone_question,
                   "short_answer": answer.short_answer, "closest": spans(answer.closest),
                   "timings": {k: round(v, 4) for k, v in answer.timings.items()}}}


def completion(answer: Answer, id_: str, created: int) -> dict[str, Any]:
    return {"id": id_, "object": "chat.completion", "created": created, "model": MODEL,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content(answer)}}],
            **extras(answer)}


def chunks(answer: Answer, id_: str, created: int) -> Iterator[dict[str, Any]]:
    """The completion as stream chunks: the role, the content word by word, then the end
    with the citations. Joining the deltas gives ``completion(...)``'s content exactly."""
    head = {"id": id_, "object": "chat.completion.chunk", "created": created, "model": MODEL}

    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    text = content(answer)
    start = 0
    while start < len(text):
        end = text.find(" ", start + 1)
        end = len(text) if end < 0 else end
        yield chunk({"content": text[start:end]})
        start = end
    yield {**chunk({}, "stop"), **extras(answer)}


def models(created: int) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": created,
                                        "owned_by": "qa"}]}


def authorize(header: str | None, api_key: str | None) -> None:
    """Nothing without a key; otherwise ``Authorization: Bearer <key>`` or a 401."""
    if not api_key:
        return
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(401, "Missing API key. Send it as Authorization: Bearer <QA_API_KEY>.",
                       "invalid_api_key")
    if not hmac.compare_digest(token.strip().encode(), api_key.encode()):
        raise APIError(401, "Incorrect API key provided. Send the server's QA_API_KEY as "
                       "Authorization: Bearer <key>.", "invalid_api_key")


def ask(service: Service, request: Request) -> Answer:
    """Ask through the service (its lock); errors become ``APIError``s."""
    try:
        final = None
        for item in service.ask(request.question, request.history, since=request.since,
                                outlet=request.outlet):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final
    except InputError as e:
        raise APIError(400, str(e), "invalid_question", "messages") from None
    except (StoreError, ModelError) as e:
        raise APIError(503, str(e), "unavailable") from None
    except QAError as e:
        raise APIError(500, str(e)) from None
    except Exception as e:  # a bug: the details go to the server log, not the caller
        log.exception("answering %r through the API failed", request.question)
        raise APIError(500, f"The server failed to answer ({type(e).__name__}); the details "
                       f"are in its log.") from None


# --- the routes ---------------------------------------------------------------------------


def app(service: Service, api_key: str | None = None) -> FastAPI:
    """A FastAPI app with the ``/v1`` routes (the browser chat is mounted on it at ``/``)."""
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)  # docs would load a CDN
    started = int(time.time())

    def error(e: APIError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else None
        return JSONResponse(e.body(), status_code=e.status, headers=headers)

    @api.exception_handler(HTTPException)
    async def http_error(_request: HTTPRequest, e: HTTPException) -> Response:
        return error(APIError(e.status_code, str(e.detail)))

    @api.get("/v1/models")
    async def list_models(request: HTTPRequest) -> Response:
        try:
            authorize(request.headers.get("authorization"), api_key)
        except APIError as e:
            return error(e)
        return JSONResponse(models(started))

    @api.post("/v1/chat/completions")
    async def chat_completions(request: HTTPRequest) -> Response:
        try:
            authorize(request.headers.get("authorization"), api_key)
            asked = parse(await request.body())
            final = await run_in_threadpool(ask, service, asked)
        except APIError as e:
            return error(e)
        id_, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not asked.stream:
            return JSONResponse(completion(final, id_, created))
        events = [f"data: {json.dumps(c, ensure_ascii=False)}\n\n"
                  for c in chunks(final, id_, created)]
        return StreamingResponse(iter([*events, "data: [DONE]\n\n"]),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    offered = {"/v1/chat/completions": "POST", "/v1/models": "GET"}

    @api.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def elsewhere(request: HTTPRequest, rest: str) -> Response:
        path = f"/v1/{rest}"
        if path in offered:
            return error(APIError(405, f"{path} takes {offered[path]}, not {request.method}.",
                                  "method_not_allowed"))
        return error(APIError(404, f"There is no {path} here. This server offers POST "
                              f"/v1/chat/completions and GET /v1/models.", "unknown_url"))

    return api
