"""Answer: a question (and its history) in, a checked, cited ``Answer`` out.

Owns the steps after retrieval: follow-up resolution, question frames and evidence sentences,
short answer spans, the reader and the language model, composition and the grounding check,
the abstention decision, agreement between sources and broad (multi-article) answers.
``assistant.Assistant`` runs them. May import: ``qa.store``, ``qa.ingest`` (to add documents)
and the top-level modules; nothing from serve or evaluation.
"""
