"""``python -m bench [SECTION ...]``: run the benchmarks and write bench/results.json.

Sections, in the order they run: answer (overhead and time to first token), cold (cold
start), ingest (SQuAD ingestion and re-indexing), scale (retrieval at 2,067 and 100,000
chunks), memory (peak RSS of app.py), naive (the llama-index tutorial pipeline). With no
section named, all run (about 25 minutes on two cores, most of it building the 100,000-chunk
store the first time). ``python -m bench.summary`` prints the results as tables.
"""

from __future__ import annotations

import argparse
import importlib

from qa.privacy import go_offline

from .common import RESULTS, WORK, save, say

SECTIONS = {"answer": ("answer", "answer"), "cold": ("cold", "cold_start"),
            "ingest": ("ingest", "ingestion"), "scale": ("scale", "scale"),
            "memory": ("memory", "memory"), "naive": ("naive", "naive")}


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sections", nargs="*", metavar="SECTION",
                   help=f"any of: {', '.join(SECTIONS)} (default: all)")
    args = p.parse_args()
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        p.error(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    go_offline()
    WORK.mkdir(exist_ok=True)
    for name in args.sections or list(SECTIONS):
        module, key = SECTIONS[name]
        say(f"== {name}")
        save(key, importlib.import_module(f"bench.{module}").run())
    say(f"results in {RESULTS}; tables: python -m bench.summary")


if __name__ == "__main__":
    main()
