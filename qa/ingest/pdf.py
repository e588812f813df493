"""PDFs: a PDF's text layer, page after page, with its title (if it has one) first.

Left out: OCR of scanned PDFs (one without a text layer is refused, saying so), and
password-protected PDFs (refused: save an unprotected copy).
"""

from __future__ import annotations

import io
import logging

from qa.errors import DocumentError
from qa.ingest.article import Article, clean, iso_date, with_title


def pdf_article(name: str, data: bytes, url: str = "") -> Article:
    """The text layer of a PDF, page after page, with its title (if it has one) first."""
    if not data.startswith(b"%PDF"):
        raise DocumentError(f"{name} is not a PDF file")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable noise
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(f"{name} is password-protected. Save an unprotected copy "
                                f"and add that")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = (info.title if info else None) or ""
        author = (info.author if info else None) or ""
        created = info.creation_date if info else None
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise DocumentError(f"{name} is not a readable PDF ({e})") from None
    body = "\n\n".join(p.strip() for p in pages if p.strip())
    if not body:
        raise DocumentError(f"{name} has no text layer (a scanned PDF?). Only PDFs with "
                            f"selectable text can be indexed")
    title = clean(title)
    return Article(text=with_title(title, body) + "\n", title=title, author=clean(author),
                   published=iso_date(created), url=url)
