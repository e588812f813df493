"""The ``qa`` command: index, ask, chat, serve, eval, squad, rgb, stats. Errors: one line,
exit 2."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.answer import abstain
from qa.errors import QAError
from qa.settings import Settings, day
from qa.types import Agreement, Answer, Citation, byline


def _settings(args: argparse.Namespace) -> Settings:
    since = getattr(args, "since", None)
    return Settings.from_env(index_dir=getattr(args, "index", None),
                             top_k=getattr(args, "top_k", None),
                             chroma_url=getattr(args, "chroma_url", None),
                             since=day(since) if since else None,
                             outlet=getattr(args, "source", None))


def cmd_index(args: argparse.Namespace) -> int:
    from qa.ingest.fetch import split
    from qa.store.embeddings import MiniLMEmbedder
    from qa.store.index import Index
    from qa.store.locking import writer

    settings = _settings(args)
    # Every URL fetched and read before the index is touched: a failure leaves it as it was.
    paths, fetched = split(args.paths) if args.paths else ([settings.corpus_dir], [])
    embedder = MiniLMEmbedder(lazy=True)  # an unchanged corpus needs no model
    with writer(Path(settings.index_dir)):  # a second `qa index` is refused, not interleaved
        if args.rebuild:
            Index.remove(Path(settings.index_dir), settings.chroma_url)
        index = Index.open(settings, embedder, create=True)
        report = index.update(paths, progress=not args.quiet, documents=fetched)
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    if report.recovered or report.repaired:
        print(f"An earlier run was interrupted; repaired: {report.repaired} stray chunks "
              f"deleted.", file=sys.stderr)
    stats = index.stats()
    if report.restored:
        print(f"re-added the chunks of {len(report.restored)} documents that the vector store "
              f"({stats['store']}) lacked", file=sys.stderr)
    print(f"{len(report.added)} added, {len(report.updated)} updated, "
          f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, "
          f"{len(report.skipped)} skipped; {report.chunks_written} chunks written. "
          f"Index {settings.index_dir}/: {stats['documents']} documents, "
          f"{stats['chunks']} chunks.")
    return 0


def _open(args: argparse.Namespace) -> Any:
    from qa.answer.assistant import Assistant

    return Assistant.open(settings=_settings(args), progress=True)


def _print_sources(citations: list[Citation], heading: str = "Sources",
                   agreement: Agreement | None = None) -> None:
    if not citations:
        return
    stances = {c.n: c.stance for c in agreement.claims} if agreement else {}
    print(f"\n{heading}:")
    for c in citations:
        title = f" ({byline(c)})" if byline(c) else ""
        stance = {"agree": "  [agrees]", "differ": "  [differs]"}.get(stances.get(c.n, ""), "")
        print(f"  [{c.n}] {c.source}{title} chars {c.start}-{c.end}{stance}")
        print(f"      {c.quote}")


def cmd_ask(args: argparse.Namespace) -> int:
    answer: Answer = _open(args).ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    _print_sources(answer.citations, agreement=answer.agreement)
    _print_sources(answer.closest, abstain.CLOSEST)
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
        _print_sources(answer.citations, agreement=answer.agreement)
        _print_sources(answer.closest, abstain.CLOSEST)
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": answer.short_answer or answer.text}]


def cmd_serve(args: argparse.Namespace) -> int:
    from qa.serve.access import Access, check_exposed
    from qa.serve.address import Address, check_free
    from qa.settings import ServeSettings

    chosen = ServeSettings.from_env(host=args.host, port=args.port, auth=args.auth)
    address, access = Address.of(chosen), Access.of(chosen)
    check_exposed(address, access)
    check_free(address)  # before Gradio is imported and the model loads
    from qa.serve.ui import serve

    return serve(_settings(args), address, access)


def cmd_stats(args: argparse.Namespace) -> int:
    from qa.store.embeddings import MiniLMEmbedder
    from qa.store.index import Index

    stats = Index.open(_settings(args), MiniLMEmbedder(lazy=True)).stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"index:      {stats['index']}/")
    print(f"documents:  {stats['documents']}")
    print(f"chunks:     {stats['chunks']}")
    print(f"embeddings: {stats['embed_model']}")
    print(f"vectors:    {stats['store']}")
    spec = stats["spec"]
    print(f"chunking:   {spec['splitter']}, {spec['chunk_size']} tokens, "
          f"{spec['chunk_overlap']} overlap")
    for name, d in stats["per_document"].items():
        told = ", ".join(x for x in (d["title"], d["outlet"], d["published"] or "no date") if x)
        print(f"  {name}: {d['chunks']} chunks  {told}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluation.metrics import compare, flipped, load_baseline
    from qa.evaluation.scoring import evaluate
    from qa.evaluation.suite import load_suite

    cases = [c for path in args.suites for c in load_suite(path)]  # all validated up front
    baseline = load_baseline(args.baseline) if args.baseline else None
    report = evaluate(_open(args), cases, progress=not args.quiet)
    print_report(report)
    if args.json:
        report.write_json(args.json)
        print(f"wrote {args.json}")
    if args.html:
        from qa.evaluation.page import render_html

        title = "qa eval: " + ", ".join(Path(p).name for p in args.suites)
        Path(args.html).write_text(render_html(report, title), encoding="utf-8")
        print(f"wrote {args.html}")
    if baseline is None:
        return 0
    regressions = compare(report.summary, baseline["summary"], args.tolerance)
    lost = flipped(report, baseline)
    if lost:
        print(f"\nnow failing, passed in {args.baseline}: {', '.join(lost)}")
    if regressions:
        print(f"\nREGRESSION against {args.baseline}:")
        for line in regressions:
            print(f"  {line}")
        return 1
    print(f"\nno regression against {args.baseline} (tolerance {args.tolerance})")
    return 0


def cmd_squad(args: argparse.Namespace) -> int:
    from qa.answer.assistant import Assistant
    from qa.evaluation import squad
    from qa.store.embeddings import MiniLMEmbedder
    from qa.store.index import Index

    paragraphs, items = squad.load(args.data)
    work = Path(args.work)
    settings = Settings.from_env(index_dir=work / "index", corpus_dir=work / "corpus",
                                 top_k=args.top_k)
    squad.write_corpus(paragraphs, settings.corpus_dir)
    index = Index.open(settings, MiniLMEmbedder(), create=True)
    started = time.perf_counter()
    report = index.update([settings.corpus_dir], progress=not args.quiet)
    if report.chunks_written:
        print(f"indexed {len(paragraphs)} paragraphs into {settings.index_dir}/: "
              f"{report.chunks_written} chunks in {time.perf_counter() - started:.0f} s")
    chosen = squad.sample(squad.of_split(items, args.split), args.limit, args.seed)
    result = squad.run(Assistant.open(settings=settings), chosen, answers=not args.no_answers,
                       progress=not args.quiet)
    result["summary"].update(limit=args.limit, seed=args.seed, split=args.split,
                             data=str(args.data))
    squad.print_summary(result["summary"])
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def cmd_rgb(args: argparse.Namespace) -> int:
    from qa.answer.assistant import Assistant
    from qa.evaluation import rgb

    records = rgb.load(args.data)
    removed = rgb.removed_ids(records, args.remove, args.seed)

    def open_assistant(name: Path, passages: dict[str, str]) -> Assistant:
        return rgb.assistant_over(Path(args.work) / name, passages, top_k=args.top_k,
                                  progress=not args.quiet)

    result = rgb.run(open_assistant, records, removed, progress=not args.quiet)
    result["summary"].update(seed=args.seed, remove=args.remove, data=str(args.data))
    rgb.print_summary(result["summary"])
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def print_report(report: Any) -> None:
    """One line per case, then the summary."""
    print(f"{'case':<28} {'result':<6} {'abst':<5} {'rank':<4} answer")
    for r in report.cases:
        result = "ok" if r.correct else "FAIL"
        answer = (r.error or r.answer).replace("\n", " ")
        answer = answer if len(answer) <= 70 else answer[:67] + "..."
        print(f"{r.id[:28]:<28} {result:<6} {'yes' if r.abstained else 'no':<5} "
              f"{r.source_rank or '-'!s:<4} {answer}")
    s = report.summary
    print(f"\n{s['cases']} cases: {s['answerable']} answerable, {s['unanswerable']} "
          f"unanswerable, {s['errors']} errors, {s.get('wall_seconds', 0)} s")
    from qa.evaluation.metrics import LOWER_IS_BETTER, QUALITY

    for m in QUALITY + LOWER_IS_BETTER:
        v = s.get(m)
        print(f"  {m:<24} {'n/a' if v is None else f'{v:.3f}'}")
    if s.get("false_agree") is not None:
        print(f"  {'false_agree':<24} {s['false_agree']}")
    for stage, v in s["latency"].items():
        print(f"  latency {stage:<16} p50 {v['p50']:.3f}s  p95 {v['p95']:.3f}s")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa", description="Ask questions about a news corpus; every answer cites the "
        "exact passages it rests on. Runs entirely on this machine.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index", metavar="DIR",
                        help="index folder (default: index, or $QA_INDEX)")
        sp.add_argument("--chroma-url", metavar="URL",
                        help="keep the vectors on this Chroma server, e.g. "
                        "http://127.0.0.1:8000 (default: in the index folder, or "
                        "$QA_CHROMA_URL)")

    sp = sub.add_parser("index", help="index documents (default: seeds/) into the index folder",
                        description="Index articles: text, Markdown, saved web pages (.html), "
                        "PDFs, RSS/Atom feeds (one article per entry) and JSONL/JSON/CSV "
                        "exports (one per record), from files, folders or http(s) URLs (a "
                        "page or a feed, fetched only when named). Unchanged articles are "
                        "skipped, changed ones replaced, and files that no longer exist "
                        "removed.")
    sp.add_argument("paths", nargs="*", metavar="PATH",
                    help="files, folders or URLs (default: seeds/)")
    sp.add_argument("--rebuild", action="store_true", help="delete the index and build it anew")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    common(sp)
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("ask", help="answer one question",
                        description="Answer one question from the indexed articles.")
    sp.add_argument("question")
    sp.add_argument("--json", action="store_true", help="print the answer as JSON")
    sp.add_argument("--timings", action="store_true", help="print seconds per stage")
    asking(sp)
    common(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("chat", help="a conversation in the terminal, with follow-ups",
                        description="Chat in the terminal; follow-up questions are resolved "
                        "against the conversation so far.")
    asking(sp)
    common(sp)
    sp.set_defaults(func=cmd_chat)

    from qa.evaluation.metrics import DEFAULT_TOLERANCE

    sp = sub.add_parser("eval", help="score the assistant against suites of known answers",
                        description="Run evaluation suites (.yaml or .jsonl) through the same "
                        "pipeline as ask/chat and print per-case results and metrics. Exit 1 "
                        "when --baseline is given and a metric regressed beyond --tolerance.")
    sp.add_argument("suites", nargs="+", metavar="SUITE", help="suite files")
    sp.add_argument("--json", metavar="FILE", help="write every case and the summary as JSON")
    sp.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    sp.add_argument("--baseline", metavar="FILE", help="an earlier --json to compare with")
    sp.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="X",
                    help=f"allowed drop of a metric before it counts as a regression "
                    f"(absolute, default {DEFAULT_TOLERANCE})")
    sp.add_argument("--top-k", type=int, metavar="N", help="passages to retrieve")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    common(sp)
    sp.set_defaults(func=cmd_eval)

    from qa.evaluation.squad import DEFAULT_DATA, DEFAULT_WORK

    sp = sub.add_parser("squad", help="SQuAD v1.1 dev as an open-retrieval benchmark",
                        description="Index the 2,067 SQuAD v1.1 dev paragraphs as documents "
                        "(into WORK/index, not your index), ask a seeded sample of questions "
                        "and report gold-paragraph hit@k per retriever and answer EM/F1, end "
                        "to end and with the gold paragraph given.")
    benchmark(sp, "dev-v1.1.json", DEFAULT_DATA, DEFAULT_WORK)
    sp.add_argument("--limit", type=int, default=500, metavar="N",
                    help="questions to sample (default 500, the reported sample)")
    sp.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    sp.add_argument("--split", default="test", choices=("test", "dev", "train", "all"),
                    help="whose questions to sample: the 10 test articles (default), the "
                    "dev articles thresholds are tuned on, the training articles, or all")
    sp.add_argument("--no-answers", action="store_true", help="retrieval figures only")
    sp.set_defaults(func=cmd_squad)

    from qa.evaluation.rgb import DEFAULT_DATA as RGB_DATA
    from qa.evaluation.rgb import DEFAULT_WORK as RGB_WORK
    from qa.evaluation.rgb import REMOVED_SHARE

    sp = sub.add_parser("rgb", help="RGB news records as a pooled open-retrieval benchmark",
                        description="Index every passage of the RGB records as one corpus (under "
                        "WORK, not your index), ask every query and score the answers; then "
                        "remove the answer passages of a seeded share of the records and check "
                        "that those are abstained on and the others still answered.")
    benchmark(sp, "RGB JSON Lines", RGB_DATA, RGB_WORK)
    sp.add_argument("--remove", type=float, default=REMOVED_SHARE, metavar="SHARE",
                    help=f"share of records whose answers are removed (default {REMOVED_SHARE})")
    sp.add_argument("--seed", type=int, default=0, help="which records lose them (default 0)")
    sp.set_defaults(func=cmd_rgb)

    sp = sub.add_parser("serve", help="the chat in the browser, on http://127.0.0.1:7860",
                        description="Serve the browser chat (the same as python app.py). With "
                        "no index yet, it is built from the corpus folder first.")
    sp.add_argument("--host", metavar="ADDR", help="address to listen on (default 127.0.0.1, "
                    "or $GRADIO_SERVER_NAME)")
    sp.add_argument("--port", type=int, metavar="N", help="port (default 7860, or "
                    "$GRADIO_SERVER_PORT)")
    sp.add_argument("--auth", metavar="USER:PASSWORD", help="require a login (or $QA_AUTH); "
                    "several as USER:PASSWORD,USER2:PASSWORD2")
    common(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("stats", help="documents, chunks, model and index settings",
                        description="Show what the index holds and what built it.")
    sp.add_argument("--json", action="store_true", help="print as JSON")
    common(sp)
    sp.set_defaults(func=cmd_stats)
    return p


def asking(sp: argparse.ArgumentParser) -> None:
    """The flags of a command that answers questions: how many passages, and which articles."""
    sp.add_argument("--top-k", type=int, metavar="N", help="passages to retrieve")
    sp.add_argument("--since", metavar="DATE",
                    help="only articles published on or after DATE (YYYY-MM-DD; or $QA_SINCE)")
    sp.add_argument("--source", metavar="OUTLET",
                    help="only articles from outlets whose name holds OUTLET (or $QA_SOURCE)")


def benchmark(sp: argparse.ArgumentParser, what: str, data: Path, work: Path) -> None:
    """The flags every benchmark command shares."""
    sp.add_argument("--data", default=str(data), metavar="FILE", help=f"{what} (default {data})")
    sp.add_argument("--work", default=str(work), metavar="DIR",
                    help=f"folder for the corpus files and their index (default {work})")
    sp.add_argument("--json", metavar="FILE", help="write every question and the summary")
    sp.add_argument("--top-k", type=int, metavar="N", help="passages to retrieve")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")


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
