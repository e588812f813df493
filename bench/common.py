"""Shared pieces of the benchmarks: timers, percentiles, the machine, and the results file.

Every figure that matters is a ratio of two timings taken side by side in one run, because
absolute times on a shared two-core machine drift from run to run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SQUAD_DEV = SHARED / "benchmarks" / "squad-v1.1" / "dev-v1.1.json"
WORK = ROOT / ".bench"  # generated indexes and corpora (git-ignored)
RESULTS = ROOT / "bench" / "results.json"


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile: ``percentile([1, 2, 3, 4], 50) -> 2.5``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def spread(values: Sequence[float], digits: int = 4) -> dict[str, float | int]:
    """``{"n", "p50", "p95", "mean"}`` of ``values``."""
    return {"n": len(values), "p50": round(percentile(values, 50), digits),
            "p95": round(percentile(values, 95), digits),
            "mean": round(sum(values) / len(values), digits) if values else float("nan")}


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """``(seconds, fn(*args, **kwargs))``."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


@contextmanager
def stopwatch(into: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        into[name] = round(time.perf_counter() - start, 4)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024**2:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for pkg in ("torch", "sentence-transformers", "llama_cpp_python", "chromadb",
                "llama-index-core", "bm25s", "gradio"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            versions[pkg] = "not installed"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "python": sys.version.split()[0], "platform": platform.platform(),
            "commit": commit, "load_average": [round(x, 2) for x in os.getloadavg()],
            "packages": versions, "date": time.strftime("%Y-%m-%d %H:%M")}


def save(section: str, result: dict[str, Any], path: Path = RESULTS) -> None:
    """Merge ``result`` under ``section`` into the results file (other sections kept)."""
    data: dict[str, Any] = {}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    data[section] = result
    data.setdefault("machine", {})[section] = machine()
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def offline_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: qa's offline and no-telemetry settings (a value
    the user set wins, as in ``qa.privacy.go_offline``), then ``extra``."""
    from qa.privacy import OFFLINE_ENV

    return {**OFFLINE_ENV, **os.environ, **extra}


def say(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)
