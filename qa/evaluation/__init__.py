"""Evaluation: how good the answers are, measured: suites of known answers and benchmarks.

Owns suites (load, score, compare), the HTML report, and the SQuAD and RGB benchmarks. It runs
questions through the same ``Assistant`` the CLI and chat use. May import ``qa.answer``,
``qa.store``, ``qa.ingest`` and the top-level modules; serve does not depend on it.
"""
