"""Ingestion: indexing the 2,067 SQuAD v1.1 dev paragraphs against bare embedding.

Side by side in one process, after one warm-up encode:

- ``index``: ``Index.update`` on the paragraph files into a new, empty index (reading and
  hashing the files, splitting, embedding, writing Chroma and the manifest): what
  ``qa index`` does once its models are loaded;
- ``bare``: ``SentenceTransformer.encode`` of exactly the chunk texts that index holds, at
  batch sizes 16, 32, 64 and 128; the fastest is the bar;
- ``reindex``: ``Index.update`` again on the unchanged files.

The whole ``qa index`` command (process start and model loads included) is timed too.

``pages``: saved news pages through the document loader (``documents.load_all``: reading,
trafilatura's main-text extraction, htmldate, hidden-text removal), in documents per second.
The pages are the four layouts of ``tests/fixtures/news/pages/`` (menus, banners, comments,
JSON-LD) with their body paragraphs replaced by SQuAD paragraphs, so no two are alike;
``--pages`` sets how many (default 1,000; ``--pages 10000`` for the folder of 10,000).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import SQUAD_DEV, WORK, offline_env, save, say, timed

BATCHES = (16, 32, 64, 128)
LAYOUTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "news"
PAGES = 1000


def saved_pages(n: int, folder: Path = WORK / "pages") -> Path:
    """``n`` saved news pages in the fixtures' layouts, bodies drawn from SQuAD (kept)."""
    import html
    import json

    from qa.evaluation import squad

    if folder.exists() and len(list(folder.glob("*.html"))) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    expected = json.loads((LAYOUTS / "pages.json").read_text(encoding="utf-8"))
    layouts = [((LAYOUTS / "pages" / name).read_text(encoding="utf-8"), e["body"])
               for name, e in sorted(expected.items())]
    paragraphs = list(squad.load(SQUAD_DEV)[0].values())
    for i in range(n):
        page, body = layouts[i % len(layouts)]
        for j, old in enumerate(body):
            new = html.escape(paragraphs[(i * len(body) + j) % len(paragraphs)])
            page = page.replace(old, new, 1) if old in page else page
        (folder / f"page-{i:05d}.html").write_text(page, encoding="utf-8")
    return folder


def loader(n: int = PAGES) -> dict[str, Any]:
    """Documents per second for saved pages through the loader."""
    from qa.ingest.documents import load_all

    folder = saved_pages(n)
    seconds, (docs, skipped) = timed(lambda: load_all([folder]))
    say(f"  loaded {len(docs)} saved pages in {seconds:.1f}s ({len(docs) / seconds:.1f}/s), "
        f"{len(skipped)} skipped")
    return {"pages": n, "loaded": len(docs), "skipped": len(skipped),
            "load_s": round(seconds, 2), "pages_per_s": round(len(docs) / seconds, 1)}


def corpus(folder: Path = WORK / "squad-corpus") -> Path:
    from qa.evaluation import squad

    paragraphs, _ = squad.load(SQUAD_DEV)
    squad.write_corpus(paragraphs, folder)
    return folder


def run(with_cli: bool = True, pages: int = PAGES) -> dict[str, Any]:
    from qa.settings import Settings
    from qa.store.embeddings import MiniLMEmbedder
    from qa.store.index import Index

    folder = corpus()
    files = len(list(folder.glob("*.txt")))
    embedder = MiniLMEmbedder()
    model = embedder._model
    model.encode(["warm up the model"] * 64, batch_size=64, show_progress_bar=False)

    target = WORK / "ingest-index"
    shutil.rmtree(target, ignore_errors=True)
    settings = Settings.from_env(index_dir=target, corpus_dir=folder, chroma_url="")
    index = Index.open(settings, embedder, create=True)
    full_s, report = timed(lambda: index.update([folder]))
    texts = [c["text"] for c in index.chunks()]
    say(f"  indexed {files} files, {len(texts)} chunks in {full_s:.1f}s")

    bare: dict[str, float] = {}
    for batch in BATCHES:
        seconds = timed(model.encode, texts, batch_size=batch, normalize_embeddings=True,
                        convert_to_numpy=True, show_progress_bar=False)[0]
        bare[str(batch)] = round(seconds, 3)
        say(f"  bare encode batch {batch}: {seconds:.1f}s")
    best = min(bare, key=lambda b: bare[b])
    reindex_s, again = timed(lambda: index.update([folder]))
    index.close()
    result: dict[str, Any] = {
        "files": files,
        "chunks": len(texts),
        "index_s": round(full_s, 3),
        "index_chunks_per_s": round(len(texts) / full_s, 1),
        "bare_encode_s": bare,
        "best_batch": int(best),
        "bare_chunks_per_s": round(len(texts) / bare[best], 1),
        "throughput_ratio": round(bare[best] / full_s, 3),
        "reindex_s": round(reindex_s, 3),
        "reindex_fraction": round(reindex_s / full_s, 4),
        "reindex_unchanged": len(again.unchanged),
        "chunks_written": report.chunks_written,
    }
    if with_cli:
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa.cli", "index", "--quiet", str(folder)],
                       env=offline_env(QA_INDEX=str(target)), check=True,
                       capture_output=True)
        result["qa_index_cli_s"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa.cli", "index", "--quiet", str(folder)],
                       env=offline_env(QA_INDEX=str(target)), check=True,
                       capture_output=True)
        result["qa_index_cli_unchanged_s"] = round(time.perf_counter() - start, 3)
    result["html_loader"] = loader(pages)
    say(f"ingestion: {result['throughput_ratio']} of bare throughput (batch {best}); "
        f"re-index {result['reindex_fraction']:.1%} of a full index")
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--no-cli", action="store_true", help="skip timing the qa index command")
    p.add_argument("--pages", type=int, default=PAGES, help="saved pages for the loader")
    args = p.parse_args(argv)
    save("ingestion", run(not args.no_cli, args.pages))


if __name__ == "__main__":
    main()
