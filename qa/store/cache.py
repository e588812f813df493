"""Caches in the index folder: what opening an index derives from it, kept for the next open.

``Folder(root / "bm25", key, fingerprint, format)`` is one state of one kind of derived data
(the BM25 matrix and chunk table in ``retrieval``, the selector's word counts and names in
``evidence``). The key names the folder and holds the index's fingerprint and the code that
derives the data, so a change to either is a rebuild, never a stale cache. ``write(fill)``
lets ``fill`` write its files into a temporary folder, records every file's sha256 with the
fingerprint and the format in ``meta.json`` (written last), and renames the folder into place
whole, so no reader sees half of it; a folder that cannot be written only means slower opens.
``read()`` returns the folder when its ``meta.json`` matches and every file is what was
written, else None; a caller that finds the files unusable anyway calls ``damaged()`` and the
next ``write`` replaces them. Other states' folders, and temporary ones a killed process left
(older than ``TEMP_AGE``), are removed after a write. Left out: updating a cache in place when
a few documents change (any change rebuilds it whole).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

META = "meta.json"  # written last: the fingerprint, the format and each file's sha256
TEMP = ".tmp-"
# A temporary folder older than this was left by a killed process (saving 100,000 chunks
# takes about a second), so it can go.
TEMP_AGE = 3600.0

log = logging.getLogger(__name__)
T = TypeVar("T")


@runtime_checkable
class Fingerprinted(Protocol):
    """What an index offers to be cached: a folder, and what it holds."""

    root: Path

    def fingerprint(self, ids: Iterable[str] | None = None) -> str: ...


def for_index(index: object, make: Callable[[Fingerprinted], T], what: str) -> T | None:
    """``make(index)``'s cache for an index with a folder and a fingerprint; None for a
    stand-in without them, or when the code its key hashes cannot be read."""
    if not isinstance(index, Fingerprinted):
        return None
    try:
        return make(index)
    except OSError as e:  # a module's source unreadable: no key to trust
        log.debug("No %s (%s).", what, e)
        return None


def sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def code_key(parts: Iterable[str], modules: Iterable[str]) -> str:
    """A folder name from ``parts`` (format, versions, the fingerprint), the source of
    ``modules`` (file paths) and what every cache here is derived through (the stemmer, the
    Unicode tables accents are folded by, Python's version): a change to any of them names
    another folder."""
    import unicodedata
    from importlib import metadata

    stemmer = []
    for dist in ("snowballstemmer", "PyStemmer"):  # snowballstemmer uses PyStemmer if there
        with contextlib.suppress(metadata.PackageNotFoundError):
            stemmer.append(f"{dist} {metadata.version(dist)}")
    through = [*stemmer, unicodedata.unidata_version, str(sys.version_info[:2])]
    h = hashlib.sha256("\n".join([*parts, *through]).encode())
    for module in modules:
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:32]


class Folder:
    """One state of derived data in ``dir/key/``; see the module docstring."""

    def __init__(self, dir: Path, key: str, fingerprint: str, format: int,  # noqa: A002
                 what: str) -> None:
        self.dir = dir
        self.path = dir / key
        self.fingerprint = fingerprint
        self.format = format
        self.what = what  # for the log: "BM25 cache"
        self._damaged = False  # this key's folder is unusable: ``write`` replaces it

    def read(self) -> dict[str, Any] | None:
        """This key's ``meta.json`` when it and every file it lists are as written."""
        if not (self.path / META).exists():
            self._damaged = self.path.exists()  # a folder without meta.json: never whole
            return None
        try:
            meta: dict[str, Any] = json.loads((self.path / META).read_text(encoding="utf-8"))
            if meta["format"] != self.format or meta["fingerprint"] != self.fingerprint:
                raise ValueError("written for another state of the index")
            for name, digest in dict(meta["files"]).items():
                if sha256(self.path / name) != digest:
                    raise ValueError(f"{name} is not what was written")
            return meta
        except Exception as e:  # noqa: BLE001 - a damaged cache is rebuilt, whatever broke
            self.damaged(e)
            return None

    def damaged(self, why: object) -> None:
        """The files read are unusable: the next ``write`` replaces them."""
        log.debug("%s %s/ unusable (%s); rebuilding it.", self.what, self.path, why)
        self._damaged = True

    def write(self, fill: Callable[[Path], dict[str, Any]]) -> None:
        """``fill(folder)`` writes the files and returns what else ``meta.json`` holds."""
        tmp: Path | None = None
        try:
            self.dir.mkdir(exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=TEMP, dir=self.dir))
            extra = fill(tmp)
            # No fsync: a file torn by a crash fails its checksum and is rebuilt. meta.json
            # last, and the folder renamed into place whole, so no reader sees half of it.
            files = {p.name: sha256(p) for p in sorted(tmp.iterdir())}
            (tmp / META).write_text(json.dumps({
                **extra, "format": self.format, "fingerprint": self.fingerprint,
                "files": files}, indent=1), encoding="utf-8")
            os.chmod(tmp, 0o755)  # mkdtemp's 0700 would hide it from other users' readers
            if self._damaged:  # out of the way first, by a rename: no reader sees it half gone
                aside = Path(tempfile.mkdtemp(prefix=TEMP, dir=self.dir))
                with contextlib.suppress(FileNotFoundError):  # another process did it
                    self.path.rename(aside / "damaged")
                shutil.rmtree(aside, ignore_errors=True)
            try:
                tmp.rename(self.path)
            except OSError:  # another process saved this key meanwhile: its copy is as good
                shutil.rmtree(tmp, ignore_errors=True)
            tmp = None
            self._prune()
        except Exception as e:  # noqa: BLE001 - read-only or full disk: only slower opens
            log.debug("%s not saved in %s/ (%s).", self.what, self.dir, e)
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def _prune(self) -> None:
        """Remove the caches of other states of the index, and temporary folders a killed
        process left (old enough that no live one is still writing them)."""
        for p in self.dir.iterdir():
            if p == self.path:
                continue
            with contextlib.suppress(OSError):
                if p.name.startswith(TEMP) and time.time() - p.stat().st_mtime < TEMP_AGE:
                    continue
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()
