"""The ``qa`` command: index, ask, chat, stats. Errors become one readable line, exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import QAError
from .settings import Settings
from .types import Answer, Citation


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(index_dir=getattr(args, "index", None),
                             top_k=getattr(args, "top_k", None))


def cmd_index(args: argparse.Namespace) -> int:
    from .embeddings import MiniLMEmbedder
    from .index import Index

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [settings.corpus_dir]
    if args.rebuild:
        Index.remove(Path(settings.index_dir))
    index = Index.open(settings, MiniLMEmbedder(), create=True)
    report = index.update(paths, progress=not args.quiet)
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    stats = index.stats()
    print(f"{len(report.added)} added, {len(report.updated)} updated, "
          f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, "
          f"{len(report.skipped)} skipped; {report.chunks_written} chunks written. "
          f"Index {settings.index_dir}/: {stats['documents']} documents, "
          f"{stats['chunks']} chunks.")
    return 0


def _open(args: argparse.Namespace) -> Any:
    from .assistant import Assistant

    return Assistant.open(settings=_settings(args), progress=True)


def _print_sources(citations: list[Citation], heading: str = "Sources") -> None:
    if not citations:
        return
    print(f"\n{heading}:")
    for c in citations:
        title = f" ({c.title})" if c.title else ""
        print(f"  [{c.n}] {c.source}{title} chars {c.start}-{c.end}")
        print(f"      {c.quote}")


def cmd_ask(args: argparse.Namespace) -> int:
    answer: Answer = _open(args).ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    _print_sources(answer.citations)
    _print_sources(answer.closest, "Closest passages")
    if args.timings:
        print("\n" + "  ".join(f"{k} {v:.2f}s" for k, v in answer.timings.items()))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    assistant = _open(args)
    history: list[dict[str, str]] = []
    print("Ask about the articles. Empty line or Ctrl-D to quit; /new starts over.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question == "/new":
            history = []
            print("(new conversation)")
            continue
        print("qa> ", end="", flush=True)
        streamed = ""
        answer = None
        try:
            for item in assistant.ask_stream(question, history):
                if isinstance(item, Answer):
                    answer = item
                else:
                    streamed += item
                    print(item, end="", flush=True)
        except QAError as e:
            print(f"\n{e}")
            continue
        assert answer is not None
        if answer.text.startswith(streamed.rstrip()):
            print(answer.text[len(streamed.rstrip()):].rstrip(), end="")  # the [n] markers
        else:
            # The check replaced the draft: show what stands.
            print(("\n" if streamed else "") + answer.text, end="")
        if answer.standalone_question != question:
            print(f"\n  (searched for: {answer.standalone_question})", end="")
        print()
        _print_sources(answer.citations)
        _print_sources(answer.closest, "Closest passages")
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": answer.short_answer or answer.text}]


def cmd_stats(args: argparse.Namespace) -> int:
    from .embeddings import MiniLMEmbedder
    from .index import Index

    stats = Index.open(_settings(args), MiniLMEmbedder()).stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"index:      {stats['index']}/")
    print(f"documents:  {stats['documents']}")
    print(f"chunks:     {stats['chunks']}")
    print(f"embeddings: {stats['embed_model']}")
    spec = stats["spec"]
    print(f"chunking:   {spec['splitter']}, {spec['chunk_size']} tokens, "
          f"{spec['chunk_overlap']} overlap")
    for name, d in stats["per_document"].items():
        print(f"  {name}: {d['chunks']} chunks  {d['title']}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa", description="Ask questions about a news corpus; every answer cites the "
        "exact passages it rests on. Runs entirely on this machine.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index", metavar="DIR",
                        help="index folder (default: index, or $QA_INDEX)")

    sp = sub.add_parser("index", help="index documents (default: seeds/) into the index folder",
                        description="Index text/Markdown files. Unchanged files are skipped, "
                        "changed ones replaced, and files that no longer exist removed.")
    sp.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: seeds/)")
    sp.add_argument("--rebuild", action="store_true", help="delete the index and build it anew")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    common(sp)
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("ask", help="answer one question",
                        description="Answer one question from the indexed articles.")
    sp.add_argument("question")
    sp.add_argument("--json", action="store_true", help="print the answer as JSON")
    sp.add_argument("--timings", action="store_true", help="print seconds per stage")
    sp.add_argument("--top-k", type=int, metavar="N", help="passages to retrieve")
    common(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("chat", help="a conversation in the terminal, with follow-ups",
                        description="Chat in the terminal; follow-up questions are resolved "
                        "against the conversation so far.")
    sp.add_argument("--top-k", type=int, metavar="N", help="passages to retrieve")
    common(sp)
    sp.set_defaults(func=cmd_chat)

    sp = sub.add_parser("stats", help="documents, chunks, model and index settings",
                        description="Show what the index holds and what built it.")
    sp.add_argument("--json", action="store_true", help="print as JSON")
    common(sp)
    sp.set_defaults(func=cmd_stats)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
