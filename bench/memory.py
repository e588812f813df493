"""Memory: peak resident set size of ``python app.py`` while it serves questions.

Starts the browser chat on a free loopback port over the seeds index, asks a handful of
questions (a follow-up among them) through ``gradio_client`` as a browser would, then reads
the process's peak RSS (``VmHWM`` in ``/proc/<pid>/status``) with its children's, if any.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import ROOT, WORK, offline_env, save, say

QUESTIONS = [
    "Why did the guardsmen refuse to go into Ukraine?",
    "Which lawyer represents the guardsmen?",
    "Which city was he calling from?",
    "When was Rosgvardia established?",
    "What verdict did the court reach?",
    "How many guardsmen is Benyash defending?",
]


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(c) for c in found]
    for c in list(out):
        out += _children(c)
    return out


def run() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    from gradio_client import Client
    from servers import free_port, terminate, wait_until_up  # type: ignore[import-not-found]

    port = free_port()
    log = WORK / "app.log"
    WORK.mkdir(exist_ok=True)
    start = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   env=offline_env(QA_INDEX=str(ROOT / "index")))
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(process, url, 180, lambda: log.read_text(errors="replace"))
        ready_s = time.perf_counter() - start
        idle_kb = _kb(process.pid, "VmRSS")
        client = Client(url, verbose=False)
        for q in QUESTIONS:
            client.predict(q, api_name="/ask")
        peak_kb = _kb(process.pid, "VmHWM")
        kids = _children(process.pid)
        kids_kb = sum(_kb(k, "VmHWM") for k in kids)
        result = {"ready_s": round(ready_s, 2), "questions": len(QUESTIONS),
                  "rss_after_start_mb": round(idle_kb / 1024, 1),
                  "peak_rss_mb": round(peak_kb / 1024, 1),
                  "children": len(kids), "children_peak_rss_mb": round(kids_kb / 1024, 1),
                  "peak_total_mb": round((peak_kb + kids_kb) / 1024, 1)}
    finally:
        terminate(process)
    say(f"memory: app.py peak RSS {result['peak_total_mb']} MB "
        f"(after start {result['rss_after_start_mb']} MB)")
    return result


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    save("memory", run())


if __name__ == "__main__":
    main()
