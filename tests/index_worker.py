"""``qa index`` with the hash embedder, as processes the fault tests can SIGKILL cheaply.

``python -m tests.index_worker [--pause] INDEX PATH...`` runs one indexing run: it holds the
write lock across opening and updating, as ``qa index`` does, prints ``opened`` when it is
about to write (with ``--pause`` it then waits for a line on stdin), and then the report as
JSON. ``python -m tests.index_worker --serve`` imports everything once and then, for each
``INDEX PATH...`` line on stdin, forks a child that does one run and prints ``pid N``; the
next line, ``kill`` or ``wait``, says whether to SIGKILL the child first, and ``exit N`` follows
when it is gone. The worker kills and reaps its own children, so a pid is never signalled
after it could have been reused, and a test can kill many runs without paying the imports
each time. The crash safety under test lives in ``Index`` and Chroma, which only the child
ever opens.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path

from qa.errors import QAError
from qa.settings import Settings
from qa.store.index import Index
from qa.store.locking import writer

from .fakes import HashEmbedder


def run(root: Path, paths: list[Path], pause: bool = False) -> int:
    try:
        with writer(root):
            index = Index.open(Settings(index_dir=root), HashEmbedder(), create=True)
            print("opened", flush=True)
            if pause:
                sys.stdin.readline()
            report = index.update(paths)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 2
    print(json.dumps({**asdict(report), "skipped": [s.reason for s in report.skipped]}),
          flush=True)
    return 0


def serve() -> int:
    for line in sys.stdin:
        root, *paths = line.split()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = run(Path(root), [Path(p) for p in paths])
            finally:
                os._exit(code)
        print(f"pid {pid}", flush=True)
        if sys.stdin.readline().strip() == "kill":
            os.kill(pid, signal.SIGKILL)  # not reaped yet: the pid is still this child's
        _, status = os.waitpid(pid, 0)
        print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)
    return 0


def warm_up() -> None:
    """Import what the first run would (llama-index, its sentence tokenizer, the Chroma
    adapter), so a kill window is all indexing."""
    import llama_index.vector_stores.chroma  # noqa: F401

    from qa.ingest.documents import Document
    from qa.settings import IndexSpec
    from qa.store.chunking import split

    split(Document("warm.txt", "", "One. Two.", "", "0" * 64), IndexSpec())


def main(argv: list[str]) -> int:
    warm_up()
    if argv[:1] == ["--serve"]:
        return serve()
    pause = argv[:1] == ["--pause"]
    argv = argv[1:] if pause else argv
    return run(Path(argv[0]), [Path(p) for p in argv[1:]], pause)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
