from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import wiring
from qa.answer.assistant import Assistant
from qa.answer.reader import Reader
from qa.settings import Settings
from qa.store.index import Index

from .fakes import HashEmbedder, ScriptedGenerator

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user QA_* settings leak into a test."""
    for key in list(os.environ):
        if key.startswith("QA_"):
            monkeypatch.delenv(key)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of the seed articles that a test may change."""
    dest = tmp_path / "corpus"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", corpus_dir=corpus)


@pytest.fixture
def hash_index(settings: Settings, corpus: Path) -> Iterator[Index]:
    index = Index.open(settings, HashEmbedder(), create=True)
    index.update([corpus])
    yield index


def fake_assistant(index: Index, settings: Settings, *replies: str,
                   reader: Reader | None = None) -> Assistant:
    """Hashed vectors and scripted replies; ``reader``: the real one, where a test needs it."""
    return wiring.assistant(settings, embedder=HashEmbedder(), index=index,
                            generator=ScriptedGenerator(*replies), reader=reader)
