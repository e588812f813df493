"""The browser chat (Gradio): ``qa serve`` / ``python app.py`` -> http://127.0.0.1:7860.

Three tabs. **Chat**: answers stream in with [n] markers; the panel beside the chat shows
each cited sentence inside its paragraph, and the whole article with the passage marked;
after an abstention it shows the closest passages; the standalone question that was
searched for sits, collapsed, under each answer; clicking an earlier answer brings its
sources back; the empty chat offers the corpus's example questions (``examples``).
**Documents**: the indexed articles, upload (.txt/.md/.html/.pdf) and removal.
**Settings**: passages per question, the model (read-only), timings.

Each browser session keeps its own conversation (``gr.State``); every event that uses the
model shares one concurrency slot, so requests queue instead of running llama.cpp from two
threads (``service.Service`` enforces the same below Gradio). Adding and removing documents
have a slot of their own, so questions are answered while an upload is being embedded. Errors
become messages in the chat, never tracebacks. Everything is served from this machine:
analytics are off before Gradio is imported, and the theme uses Gradio's bundled fonts.

Left out: user accounts beyond Gradio's login, saving conversations across restarts.
"""

from __future__ import annotations

import copy
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.answer import abstain
from qa.answer.conversation import Turn
from qa.errors import QAError
from qa.ingest.documents import KINDS, MAX_BYTES
from qa.ingest.formats import SUFFIXES
from qa.privacy import go_offline
from qa.serve import examples
from qa.serve.access import Access, api_note, warning
from qa.serve.address import Address, listen
from qa.serve.render import (
    EMPTY,
    chat_text,
    display_title,
    markdown_text,
    sources_html,
    status_html,
    timings_text,
)
from qa.serve.service import Service
from qa.settings import Settings, day
from qa.types import Answer

go_offline()  # GRADIO_ANALYTICS_ENABLED=False before gradio is imported

import gradio as gr  # noqa: E402
from gradio.components.chatbot import ExampleMessage  # noqa: E402

log = logging.getLogger("qa.serve.ui")

ENGINE = "engine"  # the concurrency group of everything that uses the model
CORPUS = "corpus"  # adding and removing documents: one at a time, beside the questions
# Gradio finds a progress bar by this default value; it follows tqdm (the index's embedding).
PROGRESS = gr.Progress(track_tqdm=True)

JS_SOURCES = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('.qa-copy');
  if (!b) return;
  navigator.clipboard.writeText(b.dataset.copy).then(() => {
    b.textContent = 'Copied';
    setTimeout(() => { b.textContent = 'Copy'; }, 1500);
  });
});
element.addEventListener('toggle', (e) => {
  const d = e.target;
  if (!d.open || !d.classList || !d.classList.contains('qa-article')) return;
  const box = d.querySelector('.qa-article-text');
  const m = d.querySelector('mark');
  if (box && m) box.scrollTop = Math.max(0, m.offsetTop - box.offsetTop - box.clientHeight / 3);
}, true);
"""

# Gradio's bundled SemiBold file is a small subset (some capitals fall back to another font),
# so semi-bold text uses the complete Bold file; served from this machine like the theme.
# (Gradio drops @font-face rules from ``css``, so this goes into the page's head.)
HEAD = """<style>
@font-face { font-family: 'Source Sans Pro'; font-weight: 600; font-style: normal;
  src: url('static/fonts/SourceSansPro/SourceSansPro-Bold.woff2') format('woff2'); }
</style>"""

CSS = """
.qa-header h1 { margin-bottom: 0; font-weight: 600; }
.qa-header p { margin-top: 4px; color: var(--body-text-color-subdued); }
.qa-sources { font-size: 15px; line-height: 1.5; max-height: 640px; overflow-y: auto;
  padding-right: 4px; }
.qa-empty { color: var(--body-text-color-subdued); padding: 12px; }
.qa-sources-head { margin: 2px 0 10px; }
.qa-abstained { padding: 8px 10px; border-radius: 8px;
  background: var(--background-fill-secondary); }
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 10px;
  padding: 10px 12px; margin-bottom: 10px; background: var(--background-fill-primary); }
.qa-source-top { display: flex; align-items: center; gap: 8px; }
.qa-n { display: inline-flex; align-items: center; justify-content: center; min-width: 24px;
  height: 24px; border-radius: 12px; background: var(--color-accent); color: white;
  font-weight: 600; font-size: 13px; }
.qa-title { font-weight: 600; flex: 1; }
.qa-stance { font-size: 12px; padding: 1px 8px; border-radius: 10px; }
.qa-agree { background: #e3f4e8; color: #1d6b34; }
.qa-differ { background: #fdeaea; color: #9b1c1c; }
.qa-copy { font-size: 12px; padding: 2px 8px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
.qa-file { font-size: 12px; color: var(--body-text-color-subdued); margin: 2px 0 6px 32px; }
.qa-published { font-size: 12px; margin: 2px 0 0 32px; font-weight: 600; }
.qa-passage { margin: 0 0 6px 0; padding: 6px 10px; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); border-radius: 0 6px 6px 0; }
.qa-sources mark { background: #fde68a; color: #111; padding: 0 2px; border-radius: 3px; }
.qa-article summary { cursor: pointer; font-size: 13px; color: var(--link-text-color); }
.qa-article-text { white-space: pre-wrap; max-height: 360px; overflow-y: auto; font-size: 14px;
  padding: 8px 10px; margin-top: 6px; border: 1px solid var(--border-color-primary);
  border-radius: 6px; }
.qa-note { font-size: 12px; color: var(--body-text-color-subdued); }
"""


@dataclass
class Conversation:
    """One browser session's chat: what the assistant needs, what the chatbot shows, and the
    sources panel of each answer (by the index of its message)."""

    turns: list[Turn] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    panels: dict[int, str] = field(default_factory=dict)


def _message(content: str, role: str = "assistant", **metadata: Any) -> dict[str, Any]:
    """A chat message; its text is escaped (see ``render.chat_text``)."""
    msg: dict[str, Any] = {"role": role, "content": chat_text(content)}
    if metadata:
        msg["metadata"] = metadata
    return msg


class ChatUI:
    """The event handlers: plain methods over a ``Service``, so tests can call them directly."""

    def __init__(self, service: Service) -> None:
        self.service = service

    # --- chat ---------------------------------------------------------------------------

    def respond(self, message: str, conv: Conversation, top_k: float | None = None,
                show_timings: bool = False, since: str = "", outlet: str = ""
                ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: yields (chatbot, sources, answer JSON, textbox, conversation)."""
        question = (message or "").strip()
        if not question:
            yield conv.messages, gr.skip(), gr.skip(), "", conv
            return
        conv = copy.deepcopy(conv)
        past = [*conv.messages, _message(question, role="user")]
        searching = _message("", title="Searching the articles…", status="pending")
        yield [*past, searching], status_html("Searching the articles…"), None, "", conv
        streamed = ""
        answer: Answer | None = None
        try:
            k = int(top_k) if top_k else None
            since = day(since) if (since or "").strip() else ""
            for item in self.service.ask(question, conv.turns, k, since=since,
                                         outlet=(outlet or "").strip()):
                if isinstance(item, Answer):
                    answer = item
                    break
                streamed += item
                yield [*past, _message(streamed)], gr.skip(), None, "", conv
        except QAError as e:
            conv.messages = [*past, _message(str(e))]  # shown, but not part of the history
            yield conv.messages, status_html(str(e)), None, "", conv
            return
        except Exception as e:  # a bug: the details go to the server log, not the user
            log.exception("answering %r failed", question)
            conv.messages = [*past, _message(
                f"Something went wrong while answering ({type(e).__name__}). The details are "
                f"in the server's log; try again, or start a new conversation.")]
            yield conv.messages, status_html("No sources: the answer failed."), None, "", conv
            return
        assert answer is not None
        note = answer.standalone_question
        meta: dict[str, Any] = {"title": chat_text(f"Searched for: {note}"), "status": "done"}
        if show_timings:
            note += "\n\n" + timings_text(answer.timings)
            meta["duration"] = round(answer.timings.get("total", 0.0), 2)
        conv.messages = [*past, _message(self._text(answer)), _message(note, **meta)]
        conv.turns = [*conv.turns, {"role": "user", "content": question},
                      {"role": "assistant", "content": answer.short_answer or answer.text}]
        panel = self._panel(answer)
        n = len(conv.messages)
        conv.panels = {**conv.panels, n - 2: panel, n - 1: panel}
        yield conv.messages, panel, answer.to_dict(), "", conv

    @staticmethod
    def _text(answer: Answer) -> str:
        if answer.abstained:
            return abstain.for_panel(answer.text, "in the Sources panel")
        return answer.text

    def _panel(self, answer: Answer) -> str:
        cited = answer.closest if answer.abstained else answer.citations
        return sources_html(answer, self.service.articles([c.source for c in cited]))

    @staticmethod
    def new_conversation() -> tuple[Any, ...]:
        conv = Conversation()
        return conv.messages, EMPTY, None, "", conv

    @staticmethod
    def show_sources(conv: Conversation, evt: gr.SelectData) -> Any:
        """Clicking an earlier answer brings back its sources."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        panel = conv.panels.get(int(index)) if isinstance(index, int) else None
        return panel if panel is not None else gr.skip()

    @staticmethod
    def example_text(evt: gr.SelectData) -> str:
        value = evt.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def examples(self) -> list[ExampleMessage]:
        """The corpus folder's own example questions, else ones its titles suggest."""
        titles = {d.source: d.title for d in self.service.documents()}
        written = examples.load(self.service.corpus_dir)
        return [ExampleMessage(text=q) for q in examples.choose(written, titles)]

    # --- documents ----------------------------------------------------------------------

    def table(self) -> list[list[Any]]:
        return [[display_title(d.title, d.lead), d.outlet, d.published or "no date", d.source,
                 d.chunks] for d in self.service.documents()]

    def summary(self) -> str:
        docs = self.service.documents()
        passages = sum(d.chunks for d in docs)
        where = "" if self.service.settings.llm_base_url else ", running on this machine"
        return (f"{len(docs)} article{'s' if len(docs) != 1 else ''} · {passages} passages "
                f"indexed · answers cite the exact sentences they rest on · model "
                f"{self.service.model_name}{where}")

    def refresh(self) -> tuple[Any, ...]:
        sources = [d.source for d in self.service.documents()]
        return self.table(), gr.update(choices=sources, value=None), self.summary()

    def add_files(self, paths: list[str] | None,
                  progress: gr.Progress = PROGRESS) -> tuple[Any, ...]:
        """Index uploaded files; returns (status, table, remove choices, summary, file box)."""
        if not paths:
            return ("", *self.refresh(), None)
        files = [Path(p) for p in paths]

        def report(fraction: float, what: str) -> None:
            progress(fraction, desc=what)

        results = self.service.add(files, progress=report)
        lines = [("**Added.** " if r.ok else "**Not added.** ") + markdown_text(r.message)
                 for r in results]
        return ("\n\n".join(lines), *self.refresh(), None)

    def remove(self, source: str | None) -> tuple[Any, ...]:
        """Remove one document; returns (status, table, remove choices, summary)."""
        if not source:
            return ("Choose a document to remove first.", *self.refresh())
        try:
            text = "**Removed.** " + markdown_text(self.service.remove(source))
        except QAError as e:
            text = f"**Not removed.** {markdown_text(str(e))}"
        except Exception as e:
            log.exception("removing %s failed", source)
            text = (f"**Not removed.** Removing {markdown_text(source)} failed "
                    f"({type(e).__name__}); see the server's log.")
        return (text, *self.refresh())


def build(service: Service) -> gr.Blocks:
    """The Gradio app around ``service`` (not launched)."""
    ui = ChatUI(service)
    demo = gr.Blocks(title="qa: ask the news", analytics_enabled=False)
    with demo:
        conv = gr.State(Conversation())
        with gr.Column(elem_classes="qa-header"):
            gr.Markdown("# Ask the news")
            summary = gr.Markdown(ui.summary())
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chatbot = gr.Chatbot(
                            label="Conversation", height=560, buttons=["copy", "copy_all"],
                            feedback_options=None, render_markdown=False,
                            placeholder="**Ask about the articles.** Every answer cites the "
                            f"passages it rests on; when {abstain.UNSAID}, it tells you.",
                            examples=ui.examples(), elem_id="qa-chatbot")
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask a question about the articles…",
                                             label="Question", show_label=False, scale=6,
                                             autofocus=True, max_length=2000,
                                             elem_id="qa-question")
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                        with gr.Row():
                            new = gr.Button("New conversation", size="sm", variant="secondary")
                    with gr.Column(scale=2, min_width=320):
                        sources = gr.HTML(EMPTY, js_on_load=JS_SOURCES, elem_id="qa-sources",
                                          label="Sources")
                answer_json = gr.JSON(visible=False, label="Answer")
            with gr.Tab("Documents", id="documents") as docs_tab:
                gr.Markdown(f"Add articles ({KINDS}; up to {MAX_BYTES // (1024 * 1024)} MB "
                            f"each): saved web pages, PDFs, feeds (an article per entry) and "
                            f"exports (an article per record). They are checked, stored in "
                            f"`{service.corpus_dir}/` and indexed, each page's main text with "
                            f"its outlet and date; they can be asked about as soon as this "
                            f"says so.")
                files = gr.File(label="Add articles", file_count="multiple",
                                file_types=list(SUFFIXES), type="filepath")
                status = gr.Markdown(elem_id="qa-doc-status")
                table = gr.Dataframe(ui.table(),
                                     headers=["Title", "Outlet", "Published", "File",
                                              "Passages"],
                                     interactive=False, wrap=True, label="Indexed articles")
                with gr.Row():
                    choice = gr.Dropdown([d.source for d in service.documents()], value=None,
                                         label="Remove a document", scale=4)
                    remove = gr.Button("Remove", variant="stop", scale=1)
            with gr.Tab("Settings", id="settings"):
                top_k = gr.Slider(1, 20, value=service.top_k, step=1,
                                  label="Passages retrieved per question")
                show_timings = gr.Checkbox(False, label="Show timings under each answer")
                with gr.Row():
                    since = gr.Textbox("", label="Only articles published since (YYYY-MM-DD)",
                                       placeholder="any date", elem_id="qa-since")
                    outlet = gr.Textbox("", label="Only articles from (outlet)",
                                        placeholder="any outlet", elem_id="qa-outlet")
                gr.Textbox(service.model_name, label="Model in use", interactive=False)
                server = service.settings.llm_base_url
                store = service.settings.chroma_url
                gr.Markdown(f"Index: `{service.settings.index_dir}/` · corpus folder: "
                            f"`{service.corpus_dir}/` · embeddings: "
                            f"`{service.settings.spec.embed_model}`. " +
                            (f"Questions and their evidence go to the model server at "
                             f"`{server}`. " if server else "") +
                            (f"The passages and their vectors are kept on the Chroma server "
                             f"at `{store}`. " if store else "") +
                            ("Nothing else leaves this machine." if server or store else
                             "Nothing leaves this machine."))

        chat_out = [chatbot, sources, answer_json, box, conv]

        def chat(event: Any, **how: Any) -> Any:
            """Wire ``event`` to answer the question in the box (one at a time, queued)."""
            return event(ui.respond, [box, conv, top_k, show_timings, since, outlet], chat_out,
                         concurrency_id=ENGINE, concurrency_limit=1, **how)

        private: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": None}
        chat(box.submit, api_name="ask")
        chat(send.click, api_visibility="private")
        chat(chatbot.example_select(ui.example_text, None, box, **private).then,
             api_visibility="private")
        new.click(ui.new_conversation, None, chat_out, api_name="new_conversation",
                  concurrency_limit=None)
        chatbot.clear(ui.new_conversation, None, chat_out, **private)
        chatbot.select(ui.show_sources, [conv], sources, **private)

        listing = [table, choice, summary]
        files.upload(ui.add_files, [files], [status, *listing, files], api_name="add_documents",
                     concurrency_id=CORPUS, concurrency_limit=1)
        remove.click(ui.remove, [choice], [status, *listing], api_name="remove_document",
                     concurrency_id=CORPUS, concurrency_limit=1,
                     js="(s) => (s && confirm('Remove ' + s + ' from the index?')) ? s : null")
        docs_tab.select(ui.refresh, None, listing, **private)
        demo.load(ui.refresh, None, listing, **private)
    return demo


# --- serving ------------------------------------------------------------------------------


def serve(settings: Settings, address: Address, access: Access) -> int:
    """Open (building if needed) the index, then serve the chat until interrupted."""
    from qa.answer.assistant import Assistant

    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)  # on the handler: some libraries lower their own level
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    started = time.perf_counter()
    assistant = Assistant.open(settings=settings, progress=True)
    service = Service(assistant, settings.corpus_dir)
    print(f"Index {settings.index_dir}/: {len(service.documents())} documents; model "
          f"{service.model_name}; ready in {time.perf_counter() - started:.0f} s.",
          file=sys.stderr)
    exposed = warning(address, access)
    if exposed:
        print(exposed, file=sys.stderr)
    demo = build(service)
    demo.queue(default_concurrency_limit=1, max_size=100)
    # One port for both: the chat mounted at / of the app holding the API's /v1 routes.
    import uvicorn

    from qa.serve import api

    app = gr.mount_gradio_app(api.app(service, access.api_key), demo, path="/",
                              server_name=address.host, server_port=address.port,
                              auth=access.logins, show_error=False, max_file_size=MAX_BYTES,
                              css=CSS, head=HEAD, theme=gr.themes.Default(),
                              footer_links=["api"], run_history=False)
    sock = listen(address)  # taken since check_free looked: a ConfigError, not uvicorn's exit
    print(f"Chat: {address.url}   OpenAI-compatible API: {address.url}/v1{api_note(access)}",
          file=sys.stderr)
    # A browser's open event stream must not keep a stopping server alive for long.
    uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5))\
        .run(sockets=[sock])
    return 0
