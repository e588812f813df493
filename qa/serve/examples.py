"""The chat's example questions: the ones written for a corpus, else ones its titles suggest.

A corpus folder may hold ``.examples.json`` beside its articles, a list of
``{"question": ..., "source": ...}`` (``source``: the file name of the article that answers
it). Its name is hidden, so ``qa index`` passes over it silently like any hidden file, and an
upload cannot overwrite it (stored names never start with a dot). A question is offered
while its article is indexed; when none is (no file, or its articles removed), the chat asks
what the first titled articles are about. A file that cannot be read is logged and treated
as absent: a typo in a suggestion must not keep the chat from starting.

Left out: ranking or generating questions; examples for more than the first few articles.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FILE = ".examples.json"
MOST = 4  # examples shown under the empty chat; more crowd the box


@dataclass(frozen=True)
class Example:
    question: str
    source: str  # the article that answers it


def load(corpus_dir: Path) -> list[Example]:
    """The examples written for the corpus in ``corpus_dir``; [] when it has none."""
    path = corpus_dir / FILE
    if not path.is_file():
        return []
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise ValueError("it is not a list")
        return [_example(item) for item in items]
    except (OSError, UnicodeDecodeError, ValueError) as e:  # JSONDecodeError is a ValueError
        log.warning("%s: no example questions from it (%s). It should be a list of "
                    '{"question": "...", "source": "<article file name>"}.', path, e)
        return []


def _example(item: object) -> Example:
    if not isinstance(item, dict):
        raise ValueError(f"{item!r} is not an object")
    question, source = item.get("question"), item.get("source")
    if not isinstance(question, str) or not question.strip() or not isinstance(source, str):
        raise ValueError(f"{item!r} needs a question and a source")
    return Example(question.strip(), source)


def choose(written: Iterable[Example], titles: dict[str, str]) -> list[str]:
    """Questions for the indexed articles (``titles``: source -> headline, "" for none):
    ``choose([Example("Who?", "a.txt")], {"b.txt": "Rain"}) -> ["What is “Rain” about?"]``"""
    chosen = [e.question for e in written if e.source in titles]
    if not chosen:  # nothing written for what is indexed: ask what its articles are about
        chosen = [f"What is “{title}” about?" for title in titles.values()
                  if title and "<" not in title]
    return chosen[:MOST]
