"""Where the vectors live: Chroma embedded in the index folder, or a Chroma server.

``collection(client(root, url), root, url, manifest)`` opens the Chroma collection that holds
an index's chunks: in ``<index>/chroma`` through ``chromadb.PersistentClient`` when ``url`` is
empty, otherwise on the Chroma server at ``url`` (``QA_CHROMA_URL``) through
``chromadb.HttpClient``: one ``chroma run`` or the front end of a distributed deployment, which
speak the same API. Either way Chroma's telemetry is off.

Whichever store holds the vectors, the rest of the index stays in its folder: the manifest
(what was indexed, with which settings, under which chunk ids) and the exact texts that
citations point into. So the two can disagree (a server reset or replaced, an index folder
copied to another machine, ``QA_CHROMA_URL`` pointing somewhere else), and ``check`` compares
them whenever an index is opened for reading: chunks the manifest lists but the store lacks
are an error that names the fix, never a quietly smaller corpus. ``qa index`` is that fix:
``Index.update`` re-adds the chunks the store lacks from the texts it kept.

``pages``, ``ids``, ``records``, ``add`` and ``delete`` read and write a collection a page at
a time, as Chroma's SQLite refuses a call about 32,767 chunks or more.

Each index keeps its chunks in a collection of its own, named in its manifest
(``qa_chunks_<12 hex digits>``), so several index folders can share one server. Indexes made
before there was a server keep the old fixed name in their own embedded store.

Left out: Chroma's auth providers, tenants and databases other than the defaults, and a URL
path prefix (a server behind a reverse proxy must be reachable at the root of its address).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qa.errors import StoreError
from qa.settings import parse_url

# Chunks read at a time: one unpaged get of more than 32,766 chunks is "too many SQL
# variables" for Chroma's SQLite (chromadb 1.5); 20,000 a page reads 100,000 in about 3 s.
READ_PAGE = 20_000
RECORD_PAGE = 1000  # chunks read with their vectors, added or deleted, in one call
Record = tuple[str, Any, str, Any]  # (id, vector, text, metadata): a chunk as Chroma holds it
LEGACY_COLLECTION = "qa_chunks"  # the one name every embedded index used before servers


def describe(root: Path, url: str) -> str:
    """Where the vectors are, for messages: the server's URL or the embedded folder."""
    return f"The Chroma server at {url}" if url else f"The vector store in {root}/chroma"


def new_collection_name() -> str:
    return f"qa_chunks_{secrets.token_hex(6)}"


def collection_name(manifest: dict[str, Any], url: str) -> str:
    """The manifest's collection; an index from before servers gets a name of its own the
    first time it meets one (stored with the manifest at its next update)."""
    if "collection" not in manifest:
        if not url:
            return LEGACY_COLLECTION
        manifest["collection"] = new_collection_name()
    return str(manifest["collection"])


def client(root: Path, url: str) -> Any:
    from qa.privacy import go_offline

    go_offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not url:
        return chromadb.PersistentClient(path=str(root / "chroma"), settings=settings)
    host, port, ssl = parse_url(url)
    try:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
    except Exception as e:  # chromadb says "Could not connect to a Chroma server" (ValueError)
        raise unreachable(url, e) from None


def collection(chroma: Any, root: Path, url: str, manifest: dict[str, Any],
               create: bool = True) -> Any:
    """The collection holding this index's chunks, through ``chroma`` (from ``client``);
    without ``create`` a missing one is a ``StoreError`` when the manifest lists chunks (an
    empty index needs none)."""
    name = collection_name(manifest, url)
    from chromadb.errors import NotFoundError

    try:
        if create or not manifest["documents"]:
            found = chroma.get_or_create_collection(name, metadata={"hnsw:space": "cosine"})
        else:
            found = chroma.get_collection(name)
    except NotFoundError:
        raise StoreError(_lacking(root, url, name, _count(manifest), "all")) from None
    except Exception as e:
        if _transport_error(e):
            raise unreachable(url, e) from None
        raise
    return Guarded(found, url) if url else found


def pages(chunks: Any, include: list[str], size: int = READ_PAGE) -> Iterator[dict[str, Any]]:
    """The whole collection, ``size`` chunks at a time, as ``get`` returns them (``{"ids":
    [...], "documents": [...], ...}`` with what ``include`` names)."""
    for offset in range(0, chunks.count(), size):
        yield chunks.get(include=include, limit=size, offset=offset)


def ids(chunks: Any) -> set[str]:
    """Every chunk id the collection holds."""
    return {i for page in pages(chunks, []) for i in page["ids"]}


def delete(chunks: Any, doomed: list[str]) -> None:
    """Delete the chunks ``doomed``, ``RECORD_PAGE`` at a time."""
    for i in range(0, len(doomed), RECORD_PAGE):
        chunks.delete(ids=doomed[i : i + RECORD_PAGE])


def records(chunks: Any, keep: set[str]) -> list[Record]:
    """The records of the chunks ``keep`` names."""
    out: list[Record] = []
    for got in pages(chunks, ["embeddings", "documents", "metadatas"], RECORD_PAGE):
        out += [r for r in zip(got["ids"], got["embeddings"], got["documents"],
                               got["metadatas"], strict=True) if r[0] in keep]
    return out


def add(chunks: Any, added: list[Record]) -> None:
    """Add ``added`` to the collection, ``RECORD_PAGE`` at a time."""
    for i in range(0, len(added), RECORD_PAGE):
        keys, vectors, texts, metas = zip(*added[i : i + RECORD_PAGE], strict=True)
        chunks.add(ids=list(keys), embeddings=[list(v) for v in vectors],
                   documents=list(texts), metadatas=list(metas))


def lost(chunks: Any, manifest: dict[str, Any]) -> dict[str, int]:
    """For each source with chunks the store lacks, how many: ``{"a.txt": 3}``."""
    present = ids(chunks)
    out = {name: sum(1 for i in d["ids"] if i not in present)
           for name, d in manifest["documents"].items()}
    return {name: n for name, n in sorted(out.items()) if n}


WRITING = ".writing"  # in the index folder while a writer changes the store (index.py)


def check(chunks: Any, manifest: dict[str, Any], root: Path, url: str) -> None:
    """StoreError unless the store holds every chunk the manifest lists.

    A store holding exactly as many chunks as the manifest lists, with no write cut short
    (``WRITING`` in the index folder), is taken to hold them: reading every id takes about a
    second at 150,000 chunks, on every open, and a store that lost chunks has fewer. A killed
    writer can leave a stray for each chunk it deleted, so after one every id is read.
    """
    if chunks.count() == _count(manifest) and not (root / WRITING).exists():
        return
    missing = sum(lost(chunks, manifest).values())
    if missing:
        raise StoreError(_lacking(root, url, chunks.name, _count(manifest), missing))


def _count(manifest: dict[str, Any]) -> int:
    return sum(len(d["ids"]) for d in manifest["documents"].values())


def drop(root: Path, url: str, manifest: dict[str, Any]) -> None:
    """Delete an index's collection from a server (for ``qa index --rebuild``); the embedded
    store goes with the folder. A server that cannot be reached keeps it: nothing reads it."""
    if not url or "collection" not in manifest:
        return
    # Gone already, or the server is down: an unused collection is harmless.
    with contextlib.suppress(Exception):
        client(root, url).delete_collection(manifest["collection"])


def _lacking(root: Path, url: str, name: str, expected: int, missing: int | str) -> str:
    where = describe(root, url)
    wrong = (" If QA_CHROMA_URL points at the wrong server, correct it; if the server was "
             "reset or replaced, run: qa index" if url else " Run: qa index")
    return (f"{where} lacks {missing} of the {expected} chunks that {root}/manifest.json "
            f"lists (collection {name}).{wrong} (it re-adds them from the texts kept in "
            f"{root}/docs/).")


def unreachable(url: str, error: BaseException) -> StoreError:
    reason = str(error).strip() or type(error).__name__
    return StoreError(f"Cannot reach the Chroma server at {url} ({reason}). Start it (chroma "
                      f"run --path DIR --port N), or unset QA_CHROMA_URL to keep the vectors "
                      f"in the index folder.")


def _transport_error(error: BaseException) -> bool:
    """Connection refused, reset or timed out on the way to a server (httpx's errors)."""
    import httpx

    return isinstance(error, (httpx.TransportError, ConnectionError, TimeoutError))


class Guarded:
    """A server's collection whose failures (unreachable, collection gone) are ``StoreError``s
    that say what to do, not httpx tracebacks; all else passes through (llama-index uses it
    as it would the collection)."""

    def __init__(self, inner: Any, url: str) -> None:
        self._inner = inner
        self._url = url

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            from chromadb.errors import NotFoundError

            try:
                return attr(*args, **kwargs)
            except NotFoundError:  # the server was reset or replaced while we were running
                raise StoreError(f"The Chroma server at {self._url} no longer holds the "
                                 f"collection {self._inner.name}. Run: qa index (it re-adds "
                                 f"the chunks), then start again.") from None
            except Exception as e:
                if _transport_error(e):
                    raise unreachable(self._url, e) from None
                raise

        return call
