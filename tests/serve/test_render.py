"""HTML for the sources panel: passages in context, marked, and always escaped."""

from __future__ import annotations

import pytest

from qa.serve.render import (
    article_html,
    chat_text,
    display_title,
    markdown_text,
    paragraph,
    passage_html,
    sources_html,
    timings_text,
)
from qa.types import Answer, Citation

pytestmark = pytest.mark.unit

TEXT = ("Bridge Closed\n\nThe council closed the bridge. Inspectors found cracks <b>in</b> two "
        "girders. Repairs take eleven weeks.\n\nFerries run meanwhile.")
QUOTE = "Inspectors found cracks <b>in</b> two girders."
START = TEXT.index(QUOTE)


def cite(n: int = 1, text: str = TEXT, quote: str = QUOTE, title: str = "") -> Citation:
    start = text.index(quote)
    return Citation(n, "bridge.txt", start, start + len(quote), quote, title)


def answer(**kw: object) -> Answer:
    base: dict[str, object] = {"text": "Cracks. [1]", "abstained": False,
                               "citations": [cite()], "question": "Why?",
                               "standalone_question": "Why?"}
    return Answer(**{**base, **kw})  # type: ignore[arg-type]


def test_paragraph_is_the_line_around_the_quote() -> None:
    assert paragraph("Head\nOne. Two. Three.\nTail", 10, 14) == (5, 21)
    a, b = paragraph(TEXT, START, START + len(QUOTE))
    assert TEXT[a:b].startswith("The council") and TEXT[a:b].endswith("eleven weeks.")


def test_a_long_paragraph_is_cut_at_spaces_with_ellipses() -> None:
    text = "word " * 400 + QUOTE + " more" * 400
    c = cite(text=text)
    html = passage_html(text, c)
    assert html.startswith("… word") and html.endswith("more …")
    assert len(html) < 2 * 600 + 200


def test_the_quote_is_marked_and_markup_in_the_article_is_only_text() -> None:
    html = passage_html(TEXT, cite())
    assert "<mark>Inspectors found cracks &lt;b&gt;in&lt;/b&gt; two girders.</mark>" in html
    assert "<b>" not in html
    page = sources_html(answer(), {"bridge.txt": TEXT})
    assert "<b>in</b>" not in page and "&lt;b&gt;in&lt;/b&gt;" in page


def test_script_and_template_syntax_in_an_article_are_inert() -> None:
    text = "Title\n\nIt said <script>alert(1)</script> and ${alert(2)} and <img onerror=x>."
    c = cite(text=text, quote="It said <script>alert(1)</script> and ${alert(2)}")
    page = sources_html(answer(citations=[c]), {"bridge.txt": text})
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_sources_show_title_file_span_passage_and_the_whole_article() -> None:
    page = sources_html(answer(), {"bridge.txt": TEXT})
    assert "Bridge Closed" in page and "bridge.txt" in page
    assert f"characters {START}–{START + len(QUOTE)}" in page
    assert "Open the whole article" in page and "Ferries run meanwhile." in page
    assert page.count("<mark") == 2  # in its paragraph, and in the article


def test_after_an_abstention_the_closest_passages_are_shown() -> None:
    page = sources_html(answer(abstained=True, citations=[], closest=[cite()]),
                        {"bridge.txt": TEXT})
    assert "Closest passages" in page and "<mark>" in page
    assert "No passage came close" in sources_html(
        answer(abstained=True, citations=[], closest=[]), {})


def test_a_document_changed_since_shows_the_quote_alone() -> None:
    page = sources_html(answer(), {"bridge.txt": "Something else entirely."})
    assert "changed or was removed" in page and "Open the whole article" not in page
    assert "Inspectors found cracks" in page


def test_a_huge_article_opens_as_a_window_around_the_passage() -> None:
    text = "x " * 200_000 + QUOTE + " y" * 200_000
    html = article_html(text, cite(text=text), limit=10_000)
    assert "<mark id='qa-mark-1'>" in html and "shown around the passage" in html
    assert len(html) < 12_000


def test_titles_and_timings() -> None:
    assert display_title("Headline", "whatever") == "Headline"
    assert display_title("", "\nRussian lawyer Mikhail Benyash said ...", 24) == \
        "Russian lawyer Mikhail…"
    assert timings_text({"retrieve": 0.012, "total": 0.5}) == "retrieve 0.01 s · total 0.50 s"


def test_chat_and_status_text_show_markup_as_written() -> None:
    assert chat_text("x < y <b>z</b> & co") == "x &lt; y &lt;b&gt;z&lt;/b&gt; & co"
    assert markdown_text("a*b*_c_ [x](y) <i>") == r"a\*b\*\_c\_ \[x\](y) \<i\>"
