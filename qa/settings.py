"""Settings: typed defaults, then environment variables, then CLI flags.

The one place that reads the environment: ``Settings`` (how the assistant answers, from
``QA_*``) and ``ServeSettings`` (where ``qa serve`` listens and who may use it, from
Gradio's ``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``, ``QA_AUTH`` and ``QA_API_KEY``) are
both loaded by ``from_env``, each from its table of variables; the rest of the package takes
values. ``IndexSpec`` is the part of the settings that shapes the stored vectors; the index
records it and refuses to open with a different one.

Left out: config files; what a value means beyond its type, range and form (``serve.access``
parses the logins; the Chroma URL's form is checked here, ``parse_url``, as the store reads it).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qa.errors import ConfigError

EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class IndexSpec:
    """What built the vectors; a stored index must match it exactly."""

    embed_model: str = EMBED_MODEL
    chunk_size: int = 160  # tokens, as counted by text.count_tokens
    chunk_overlap: int = 40
    splitter: str = "llama-index SentenceSplitter"
    schema: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_SWITCH = {"on": True, "1": True, "true": True, "yes": True,
           "off": False, "0": False, "false": False, "no": False}

# variable -> (field, how its text is read: str, int, float, Path or bool, an on/off switch)
_VARIABLES: dict[str, tuple[str, type]] = {
    "QA_INDEX": ("index_dir", Path),
    "QA_CORPUS": ("corpus_dir", Path),
    "QA_READER": ("reader", bool),
    "QA_MODEL": ("model_path", str),
    "QA_LLM_BASE_URL": ("llm_base_url", str),
    "QA_LLM_MODEL": ("llm_model", str),
    "QA_LLM_API_KEY": ("llm_api_key", str),
    "QA_UNTYPED": ("untyped", str),
    "QA_ABSTENTION": ("abstention", str),
    "QA_CHROMA_URL": ("chroma_url", str),
    "QA_SINCE": ("since", str),
    "QA_SOURCE": ("outlet", str),
    "QA_TOP_K": ("top_k", int),
    "QA_RERANK_K": ("rerank_k", int),
    "QA_EVIDENCE_K": ("evidence_k", int),
    "QA_MAX_TOKENS": ("max_tokens", int),
    "QA_THREADS": ("n_threads", int),
    "QA_SEED": ("seed", int),
    "QA_ABSTAIN_BELOW": ("abstain_below", float),
}
# Gradio's own names for the address, so a deployment set up for Gradio works unchanged.
_SERVE_VARIABLES: dict[str, tuple[str, type]] = {
    "GRADIO_SERVER_NAME": ("host", str),
    "GRADIO_SERVER_PORT": ("port", int),
    "QA_AUTH": ("auth", str),
    "QA_API_KEY": ("api_key", str),
}


def _load(variables: Mapping[str, tuple[str, type]], env: Mapping[str, str] | None,
          overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that ``env`` (``os.environ`` when None; empty values ignored) and then
    ``overrides`` (None values ignored) set: ``_load({"QA_TOP_K": ("top_k", int)},
    {"QA_TOP_K": "8"}, {"seed": None}) -> {"top_k": 8}``"""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for var, (name, kind) in variables.items():
        if env.get(var):
            values[name] = _parse(var, env[var], kind)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return values


def _parse(var: str, raw: str, kind: type) -> Any:
    """The value of one variable, or a ConfigError naming it and what it must be."""
    if kind is bool:
        switch = raw.strip().lower()
        if switch not in _SWITCH:
            raise ConfigError(f"{var} must be on or off. Currently, it is {raw!r}.")
        return _SWITCH[switch]
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{var} must be {what}. Currently, {var} is {raw!r}.") from None


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    corpus_dir: Path = Path("seeds")
    spec: IndexSpec = field(default_factory=IndexSpec)
    top_k: int = 5  # passages kept per question (and shown as "retrieved")
    rerank_k: int = 20  # passages read sentence by sentence before the best top_k are kept
    evidence_k: int = 3  # sentences the model sees
    model_path: str = ""  # a GGUF file; empty means the bundled SmolLM2
    llm_base_url: str = ""  # an OpenAI-compatible server instead of in-process llama.cpp
    llm_model: str = "local"  # model name sent to that server
    llm_api_key: str = ""
    chroma_url: str = ""  # a Chroma server for the vectors instead of <index_dir>/chroma
    max_tokens: int = 48
    # Below this support (0..1, see evidence.Evidence.support) the assistant abstains.
    abstain_below: float = 0.30
    # "rules": the hand-set checks of abstain.rules; "learned": abstain when the judge fitted
    # on dev data (abstain.py, scripts/tune_abstention.py) gives the question too little
    # chance of being answerable from its evidence (better on SQuAD and RGB dev, far worse
    # on the seed articles: see the ablation table in docs/pipeline.md).
    abstention: str = "rules"
    # "quote": a why/what question without a typed answer is answered with its best evidence
    # sentence(s), verbatim; "generate": the model writes it (checked). A 135M model drops
    # the key clause when it paraphrases; a larger QA_MODEL may do better.
    untyped: str = "quote"
    # The trained extractive reader (reader.py) picks short answers and which typed
    # candidate an answer states; off, the linear span scorer (spans.py) does both.
    reader: bool = True
    # Retrieval restricted to documents published on or after ``since`` (ISO YYYY-MM-DD;
    # undated ones are left out) and to outlets whose name holds ``outlet`` (any case).
    since: str = ""
    outlet: str = ""
    n_threads: int = 0  # 0: every core
    n_ctx: int = 2048
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("top_k", "rerank_k", "evidence_k", "max_tokens"):
            value = getattr(self, name)
            if value <= 0:
                raise ConfigError(f"{name} must be greater than 0. Currently, {name} is {value}.")
        if self.abstention not in ("learned", "rules"):
            raise ConfigError(f"abstention must be 'learned' or 'rules'. Currently, it is "
                              f"{self.abstention!r}.")
        if self.untyped not in ("quote", "generate"):
            raise ConfigError(f"untyped must be 'quote' or 'generate'. Currently, it is "
                              f"{self.untyped!r}.")
        if self.since and not _ISO_DAY.fullmatch(self.since):
            raise ConfigError(f"since must be a date as YYYY-MM-DD. Currently, it is "
                              f"{self.since!r}.")
        if self.chroma_url:
            parse_url(self.chroma_url)  # a ConfigError now, before anything loads
        spec = self.spec
        if not 0 <= spec.chunk_overlap < spec.chunk_size:
            raise ConfigError(
                f"chunk_overlap must be between 0 and chunk_size ({spec.chunk_size}). "
                f"Currently, chunk_overlap is {spec.chunk_overlap}."
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``QA_*`` variables, then ``overrides`` (None values are ignored)."""
        values = _load(_VARIABLES, env, overrides)
        for name in ("index_dir", "corpus_dir"):
            if name in values:
                values[name] = Path(values[name])
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def in_scope(self, outlet: str, published: str) -> bool:
        """Whether a document from ``outlet``, published on ``published`` (ISO, or ""), may
        be retrieved: ``Settings(since="2022-03-01").in_scope("", "2022-02-28") -> False``"""
        if self.outlet and self.outlet.casefold() not in outlet.casefold():
            return False
        return not self.since or (bool(published) and published >= self.since)


@dataclass(frozen=True)
class ServeSettings:
    """Where ``qa serve`` listens (``serve.address``) and who may use it (``serve.access``)."""

    host: str = "127.0.0.1"  # this machine only
    port: int = 7860  # Gradio's default
    auth: str = ""  # browser logins, "USER:PASSWORD,USER2:PASSWORD2"; none: no login
    api_key: str = ""  # the bearer token /v1 requests must carry; none: no key asked

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"The port must be between 1 and 65535. Currently, it is "
                              f"{self.port}.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ServeSettings:
        """Defaults, then ``GRADIO_SERVER_NAME``, ``GRADIO_SERVER_PORT``, ``QA_AUTH`` and
        ``QA_API_KEY``, then ``overrides`` (None values are ignored)."""
        return cls(**_load(_SERVE_VARIABLES, env, overrides))


def day(value: str) -> str:
    """A date a user typed as ISO ``YYYY-MM-DD``: ``day("2022-3-5") -> "2022-03-05"``; a
    ConfigError naming it otherwise."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", value)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        pass
    raise ConfigError(f"{value!r} is not a date; give it as YYYY-MM-DD, e.g. 2022-03-25.")


CHROMA_PORT = 8000  # what `chroma run` listens on


def parse_url(url: str) -> tuple[str, int, bool]:
    """``parse_url("http://10.0.0.5:8000") -> ("10.0.0.5", 8000, False)``; https sets ssl."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1 \
            or parts.path not in ("", "/") or parts.query:
        raise ConfigError(f"QA_CHROMA_URL (or --chroma-url) must look like "
                          f"http://HOST:PORT, the address of a Chroma server. Currently, it is "
                          f"{url!r}.")
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else CHROMA_PORT), ssl
