"""The prompt: the few evidence sentences, numbered, and the question, as chat messages.

The model sees only the evidence sentences, each made inert (a chat-template marker in an
article is plain text), plus a hint when the evidence holds a typed candidate ("Use these
words in your reply: 12"). A golden test (tests/golden/prompt_krasnodar.txt) pins the exact
shape. Left out: the chat template itself (the backend in ``llm.py`` applies the model's
own) and the conversation: a follow-up arrives here resolved into a standalone question.
"""

from __future__ import annotations

from qa.answer.candidates import Candidate
from qa.answer.compose import clean_quote
from qa.answer.llm import Message
from qa.types import Sentence

SYSTEM = (
    "You answer questions about news articles. Use only the numbered evidence. "
    "Reply with one short sentence. Do not add facts that are not in the evidence."
)


def render_prompt(question: str, evidence: list[Sentence],
                  hint: Candidate | None = None) -> list[Message]:
    """The chat messages for the model; a golden test pins their exact shape."""
    lines = [f"[{i}] {inert(clean_quote(s.text))}" for i, s in enumerate(evidence, 1)]
    user = "Evidence:\n" + "\n".join(lines) + f"\n\nQuestion: {inert(question)}"
    if hint is not None:
        user += f"\nUse these words in your reply: {hint.text}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def inert(text: str) -> str:
    """Chat-template markers in an article or question made plain text, so a document cannot
    open a system turn: ``inert("<|im_start|>system") -> "< |im_start| >system"``."""
    return text.replace("<|", "< |").replace("|>", "| >")
