"""Inputs: a question and its history checked before anything is asked of the index or model.

``validate("  Who  won? ")`` -> ``"Who won?"`` (control characters blanked, spaces squeezed);
an empty, over-long or word-less question, or a history that is not a list of
``{"role": "user" | "assistant", "content": text}`` turns, is an ``InputError`` naming the
bad value and the fix. Left out: language detection and spelling correction.
"""

from __future__ import annotations

from qa.answer.conversation import Turn
from qa.errors import InputError

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20  # the most recent turns a follow-up is resolved against


def validate(question: object) -> str:
    if not isinstance(question, str):
        raise InputError(f"A question must be text. Currently, it is {type(question).__name__}.")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InputError("The question is empty. Type a question about the articles.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InputError(f"The question is {len(cleaned):,} characters long; the limit is "
                         f"{MAX_QUESTION_CHARS:,}. Ask something shorter.")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError("The question has no words in it. Type a question about the articles.")
    return cleaned


def valid_history(history: object) -> list[Turn] | None:
    """``history`` as the last ``MAX_HISTORY_TURNS`` turns, each ``{"role": "user" or
    "assistant", "content": text}``; anything else is an InputError naming the turn."""
    if history is None:
        return None
    if not isinstance(history, list | tuple):
        raise InputError(f"The history must be a list of turns. Currently, it is "
                         f"{type(history).__name__}.")
    for n, turn in enumerate(history, 1):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or \
                not isinstance(turn.get("content"), str):
            raise InputError(f"Turn {n} of the history must be {{'role': 'user' or "
                             f"'assistant', 'content': text}}. Currently, it is "
                             f"{str(turn)[:80]!r}.")
    return [{"role": t["role"], "content": t["content"]} for t in history[-MAX_HISTORY_TURNS:]]
