"""Uploads: refused with a message naming the file, converted to text, stored safely."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qa.errors import DocumentError
from qa.ingest.uploads import Upload, convert, safe_name, store

from ..fakes import pdf

pytestmark = pytest.mark.unit


def test_text_is_kept_exactly_but_for_newlines_and_a_bom() -> None:
    up = convert("notes.txt", "\ufeffHeadline\r\n\r\nBody “quoted” – café.\r\n".encode())
    assert up.name == "notes.txt"
    assert up.text == "Headline\n\nBody “quoted” – café.\n"


def test_latin1_and_utf16_text_is_read_as_qa_index_reads_it() -> None:
    assert convert("old.txt", "Café “noir” – 5 €\r\n".encode("cp1252")).text == \
        "Café “noir” – 5 €\n"
    assert convert("wide.txt", "Zürich\r\nline two".encode("utf-16")).text == \
        "Zürich\nline two"


def test_markdown_keeps_its_suffix() -> None:
    assert convert("Read me.md", b"# Title\n\nText.").name == "Read_me.md"


@pytest.mark.parametrize("name, data, says", [
    ("report.docx", b"PK\x03\x04", "only .txt, .md, .html, .pdf, .xml"),
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n ", "it is empty"),
    ("binary.txt", b"abc\x00def", "binary"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(1, 32)) * 4, "binary"),
    ("fake.pdf", b"<html>not a pdf</html>", "not a PDF"),
    ("broken.pdf", b"%PDF-1.4\n garbage", "not a readable PDF"),
])
def test_refusals_name_the_file_and_the_reason(name: str, data: bytes, says: str) -> None:
    with pytest.raises(DocumentError) as err:
        convert(name, data)
    assert name in str(err.value) and says in str(err.value)


def test_size_limit() -> None:
    with pytest.raises(DocumentError, match=r"big.txt .* the limit is"):
        convert("big.txt", b"word " * 300, max_bytes=1000)
    assert convert("ok.txt", b"word " * 100, max_bytes=1000).text


def test_html_becomes_paragraphs_without_markup_or_scripts() -> None:
    page = b"""<!doctype html><html><head><meta charset="windows-1252">
    <title>Harbour  Bridge Closed</title><style>p { color: red }</style>
    <script>alert("x")</script></head><body><nav>Home | News</nav>
    <h1>Harbour Bridge Closed</h1><p>Repairs take <b>eleven</b> weeks &amp; cost
    \x804.2 million.</p><p>Ferries run every<br>twenty minutes.</p></body></html>"""
    up = convert("page.HTML", page)
    assert up.name == "page.html"  # kept as it came: the next qa index reads it the same way
    assert up.text == ("Harbour Bridge Closed\n\nRepairs take eleven weeks & cost €4.2 "
                       "million.\n\nFerries run every twenty minutes.\n")
    assert up.data == page


def test_html_without_title_or_text() -> None:
    assert convert("a.htm", b"<p>Only a paragraph.</p>").text == "Only a paragraph.\n"
    with pytest.raises(DocumentError, match="no article text"):
        convert("s.html", b"<script>var x = 1;</script>")


def test_pdf_text_layer_with_its_title_first() -> None:
    up = convert("paper.pdf", pdf("The bridge reopens in May.", "Ferries stop then.",
                                  title="Bridge News"))
    assert up.name == "paper.pdf"
    lines = [line for line in up.text.splitlines() if line]
    assert lines[0] == "Bridge News"
    assert "The bridge reopens in May." in up.text and "Ferries stop then." in up.text


def test_pdf_without_text_or_with_a_password_is_refused() -> None:
    from pypdf import PdfWriter

    blank = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.write(blank)
    with pytest.raises(DocumentError, match="no text layer"):
        convert("scan.pdf", blank.getvalue())

    locked = io.BytesIO()
    writer = PdfWriter(clone_from=io.BytesIO(pdf("Secret.")))
    writer.encrypt("pw")
    writer.write(locked)
    with pytest.raises(DocumentError, match="password-protected"):
        convert("locked.pdf", locked.getvalue())


@pytest.mark.parametrize("given, expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\Windows\\win.ini.txt", "win.ini.txt"),
    ("/abs/path/Crème brûlée!.html", "Creme_brulee.txt"),
    ("....txt", "txt.txt"),
    ("..", "document.txt"),
    (".hidden.md", "hidden.txt"),
    ("a" * 300 + ".txt", "a" * 80 + ".txt"),
])
def test_safe_names_cannot_leave_the_folder(given: str, expected: str) -> None:
    assert safe_name(given, ".txt") == expected


def test_store_never_overwrites_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    first = store(corpus, Upload("a.txt", "a.txt", b"one\n", ()))
    second = store(corpus, Upload("a.txt", "a.txt", b"two\n", ()))
    third = store(corpus, Upload("a.txt", "a.txt", b"three\n", ()), taken={"a-3.txt"})
    assert [p.name for p in (first, second, third)] == ["a.txt", "a-2.txt", "a-4.txt"]
    assert first.read_text(encoding="utf-8") == "one\n"
    assert sorted(p.name for p in corpus.iterdir()) == ["a-2.txt", "a-4.txt", "a.txt"]
