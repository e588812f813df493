"""The lexicon: what the selector counts over the whole corpus, cached in the index folder.

``of(index)`` gives the number of chunks, each word's document frequency (by stem) and
the corpus's people with their roles (``names.people``); it reads them from
``<index>/selector/<key>/`` when the cache there holds this state of the index, else counts
them from every chunk and document and caches them. The key holds the index's fingerprint
and the source of every module whose code derives the counts (this one, ``names`` and
``qa.text``), so an edit to a stop word or a name rule rebuilds rather than serves a stale
lexicon. Left out: updating the counts in place after a change (an index change recounts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa import text
from qa.answer import names
from qa.store.cache import Fingerprinted, Folder, code_key, for_index
from qa.store.index import Index
from qa.text import content_terms

SELECTOR_CACHE_DIR = "selector"  # in the index folder, beside retrieval's "bm25"
SELECTOR_CACHE_FORMAT = 1  # what the file holds and how; bump it when that changes
SELECTOR_DATA = "selector.json"  # the chunk count, document frequencies, persons, roles


@dataclass(frozen=True)
class Lexicon:
    """What the selector counts over the whole corpus."""

    n: int  # chunks (at least 1)
    df: dict[str, int]  # stem -> chunks holding it
    persons: frozenset[str]
    roles: dict[str, frozenset[str]]


class _SelectorCache:
    """The ``Lexicon`` of one state of an index, in ``root/selector/<key>/`` (a
    ``cache.Folder``, as ``retrieval.Cache`` keeps the BM25 index): the key holds the
    index's fingerprint and the code that turns its chunks and texts into the lexicon.

    ``python -m bench.scale`` (2 cores, shared): on 100,000 synthetic chunks a cold
    ``reload`` took 114 s (stemming every chunk 18 s, ``people`` over every document 72 s)
    and one from the cache 0.01 s (a 230 KB file); on the SQuAD index (2,807 chunks) 4.2 s
    and 0.01 s. A real index also computes its fingerprint (0.1 s at 100,000 chunks).
    """

    def __init__(self, index: Fingerprinted) -> None:
        self.index = index
        self.fingerprint = index.fingerprint()
        self.folder = Folder(Path(index.root) / SELECTOR_CACHE_DIR,
                             _selector_key(self.fingerprint), self.fingerprint,
                             SELECTOR_CACHE_FORMAT, "Selector cache")
        self.path = self.folder.path

    def load(self) -> Lexicon | None:
        if self.folder.read() is None:
            return None
        try:
            data: dict[str, Any] = json.loads((self.path / SELECTOR_DATA).read_bytes())
            n, df, persons, roles = data["n"], data["df"], data["persons"], data["roles"]
            if not (type(n) is int and n >= 1 and isinstance(df, dict)
                    and all(type(v) is int for v in df.values()) and isinstance(persons, list)
                    and all(isinstance(p, str) for p in persons) and isinstance(roles, dict)
                    and all(isinstance(v, list) and all(isinstance(p, str) for p in v)
                            for v in roles.values())):
                raise ValueError("the data is not of the shape written")
        except Exception as e:  # noqa: BLE001 - a damaged cache is rebuilt, whatever broke
            self.folder.damaged(e)
            return None
        return Lexicon(n, df, frozenset(persons),
                        {role: frozenset(names) for role, names in roles.items()})

    def save(self, lexicon: Lexicon, ids: list[str]) -> None:
        """Keep ``lexicon`` for the next open; quietly nothing where the folder is not
        writable, or the chunks it was counted from (``ids``) are not all the index lists."""
        if not ids or self.index.fingerprint(ids) != self.fingerprint:
            return  # read mid-repair: kept, it would hide the missing chunks until a change
        data = {"n": lexicon.n, "df": lexicon.df, "persons": sorted(lexicon.persons),
                "roles": {role: sorted(names) for role, names in lexicon.roles.items()}}

        def fill(tmp: Path) -> dict[str, Any]:
            (tmp / SELECTOR_DATA).write_text(json.dumps(data, ensure_ascii=False),
                                            encoding="utf-8")
            return {}

        self.folder.write(fill)


def _selector_key(fingerprint: str) -> str:
    """The cache folder's name: the index's fingerprint and what turns its chunks and texts
    into the lexicon: this module (the counting), ``names`` (``people``, the name rules) and
    ``text`` (stems, stop words, sentences, the word lists), besides what
    ``cache.code_key`` adds (the stemmer, Unicode tables); a change to any of them is a
    rebuild, never a stale lexicon."""
    return code_key([str(SELECTOR_CACHE_FORMAT), fingerprint],
                    [__file__, names.__file__, text.__file__])


def of(index: Index) -> tuple[Lexicon, bool]:
    """The lexicon of ``index`` and whether it came from the cache: from the cache in the
    index folder when it holds this state of the index, else from every chunk and
    document, then cached (see ``_SelectorCache``)."""
    # Only an index with a folder and a fingerprint has a cache (not a test's stand-in).
    cache = for_index(index, _SelectorCache, "selector cache")
    loaded = cache.load() if cache is not None else None
    if loaded is not None:
        return loaded, True
    df: dict[str, int] = {}
    chunks = index.chunks()
    for c in chunks:
        for t in set(content_terms(c["text"])):
            df[t] = df.get(t, 0) + 1
    persons, roles = names.people(index.text(name) for name in index.documents)
    counted = Lexicon(max(1, len(chunks)), df, persons, roles)
    if cache is not None:
        cache.save(counted, [c["id"] for c in chunks])
    return counted, False
