"""Conversation memory: one per REPL session or Discord thread, bounded in turns and tokens.

LangChain's message types are imported only when an LLM needs the history: they cost 0.3 s of
every `newsqa ask`, which answers extractively and has no history."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

FOLLOW_UP = re.compile(
    r"^\s*(?:and|but|also|so|what about|how about)\b|\b(?:it|its|he|him|his|she|her|they|them|"
    r"their|that|this|those|these|there|then)\b",
    re.I,
)


@dataclass
class Conversation:
    """Questions (as asked, and as condensed) and answers, oldest first."""

    max_turns: int = 6
    max_tokens: int = 1500
    turns: list[tuple[str, str]] = field(default_factory=list)
    standalone: list[str] = field(default_factory=list)

    def add(self, question: str, standalone: str, answer: str) -> None:
        self.turns.append((question, answer))
        self.standalone.append(standalone)
        del self.turns[: -self.max_turns]
        del self.standalone[: -self.max_turns]

    def forget_last(self) -> None:
        """Drop the last turn, so a question asked again is not its own follow-up."""
        del self.turns[-1:]
        del self.standalone[-1:]

    def clear(self) -> None:
        self.turns.clear()
        self.standalone.clear()

    def messages(self) -> list[BaseMessage]:
        """The history as chat messages, trimmed to the token budget (newest kept)."""
        from langchain_core.messages import AIMessage, HumanMessage, trim_messages
        from langchain_core.messages.utils import count_tokens_approximately

        messages: list[BaseMessage] = []
        for question, answer in self.turns:
            messages += [HumanMessage(question), AIMessage(answer)]
        return trim_messages(
            messages,
            max_tokens=self.max_tokens,
            strategy="last",
            token_counter=count_tokens_approximately,
            start_on="human",
        )

    def render(self) -> str:
        """The trimmed history as plain text, for the condensing prompt."""
        return "\n".join(
            f"{'User' if m.type == 'human' else 'Assistant'}: {m.content}" for m in self.messages()
        )

    def looks_like_follow_up(self, question: str) -> bool:
        return bool(self.turns) and bool(FOLLOW_UP.search(question))

    def condense_without_llm(self, question: str) -> str:
        """With no LLM to rewrite it, a follow-up is searched together with the question it
        follows ("and what did Putin say?" + the previous standalone question)."""
        if not self.looks_like_follow_up(question):
            return question
        return f"{question} ({self.standalone[-1]})"
