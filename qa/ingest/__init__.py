"""Ingest: files, uploads and fetched pages in, ``Document`` values (text, title, metadata) out.

Owns reading bytes (charsets), turning each format into articles (formats, the dispatcher by
suffix, over article, pages, pdf and feeds), finding and naming files (documents), fetching
URLs (fetch) and checking uploads (uploads). It knows nothing of chunks, vectors or answers.
May import: ``qa.types``, ``qa.errors``, ``qa.settings``, ``qa.text``; nothing from the other
stages.
"""
