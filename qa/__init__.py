"""Local question answering over a news corpus, with citations to exact passages.

    from qa import Assistant
    answer = Assistant.open("index").ask("Why did the guardsmen refuse to fight?")

Importing ``qa`` is cheap: torch, chromadb and llama.cpp load only when an ``Assistant`` or an
``Index`` is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigError,
    DocumentError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    ModelError,
    QAError,
    StoreError,
    SuiteError,
)
from .privacy import go_offline
from .settings import IndexSpec, Settings
from .types import Answer, Citation, Passage

go_offline()

if TYPE_CHECKING:
    from .assistant import Assistant
    from .index import Index

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "ConfigError",
    "DocumentError",
    "Index",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexSpec",
    "InputError",
    "ModelError",
    "Passage",
    "QAError",
    "Settings",
    "StoreError",
    "SuiteError",
    "evaluate",
    "load_suite",
]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    if name == "Index":
        from .index import Index

        return Index
    if name in ("evaluate", "load_suite"):
        from . import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
