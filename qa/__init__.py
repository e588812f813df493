"""Local question answering over a news corpus, with citations to exact passages.

    from qa import Assistant
    answer = Assistant.open("index").ask("Why did the guardsmen refuse to fight?")

Importing ``qa`` is cheap: torch, chromadb and llama.cpp load only when an ``Assistant`` or an
``Index`` is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.errors import (
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
from qa.privacy import go_offline
from qa.settings import IndexSpec, Settings
from qa.types import Answer, Citation, Passage

go_offline()

if TYPE_CHECKING:
    from qa.answer.assistant import Assistant
    from qa.store.index import Index

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
        from qa.answer.assistant import Assistant

        return Assistant
    if name == "Index":
        from qa.store.index import Index

        return Index
    if name == "evaluate":
        from qa.evaluation.scoring import evaluate

        return evaluate
    if name == "load_suite":
        from qa.evaluation.suite import load_suite

        return load_suite
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
