"""Locking: one writer per index folder, across processes and threads.

``writer(root)`` holds ``root/.lock`` with ``flock`` for as long as its block runs. Another
process that tries meanwhile is refused at once with an ``IndexBusyError`` that says what to
do (it does not queue behind a run that may take minutes); another thread of the same process
waits its turn; the thread that holds it may enter again (``qa index --rebuild`` holds it
while it deletes, reopens and rebuilds). The kernel drops the lock when its process dies,
however it dies, so a killed run never leaves the index locked.

Left out: readers. Asking never takes the lock; it reads the last complete manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from qa.errors import IndexBusyError

LOCK_FILE = ".lock"


class _Held:
    def __init__(self) -> None:
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.file: IO[str] | None = None


_held: dict[str, _Held] = {}  # resolved index folder -> its lock in this process
_registry = threading.Lock()


@contextlib.contextmanager
def writer(root: Path) -> Iterator[None]:
    """Hold the write lock of the index folder ``root`` (creating the folder if needed)."""
    root.mkdir(parents=True, exist_ok=True)
    key = str(root.resolve())
    with _registry:
        held = _held.setdefault(key, _Held())
    with held.thread_lock:
        if held.depth == 0:
            f = open(root / LOCK_FILE, "w")  # noqa: SIM115 - closed in the finally below
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                raise IndexBusyError(
                    f"Another process is updating the index at {root}/. "
                    f"Wait for it to finish, then try again."
                ) from None
            held.file = f
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.file is not None:
                fcntl.flock(held.file, fcntl.LOCK_UN)
                held.file.close()
                held.file = None
