"""The generative answer chain, in LCEL:

    condense -> retrieve -> check evidence -> format numbered context -> prompt -> LLM
             -> parse and check citations -> Answer

A question whose names, places or numbers are missing from the evidence is refused before the
LLM is called. Tokens stream to a front end through a callback while the chain runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda, RunnablePassthrough

from bot.answering.answer import CANNOT_FIND, Answer, Check, Quote, Retrieved, Source
from bot.answering.conversation import Conversation
from bot.answering.llm.citations import CitationChecker
from prompts import load
from retrieval.errors import NewsQAError
from retrieval.search import Hit

ANSWER_TAG = "newsqa-answer"


class LLMError(NewsQAError):
    """The LLM endpoint failed (down, timed out, rate limited, or returned nothing usable)."""


def format_context(hits: list[Hit]) -> str:
    """Number each excerpt and stamp it with its source, so every citation can be resolved."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        chunk = hit.chunk
        meta = " — ".join(x for x in (chunk.title, chunk.outlet, chunk.date) if x)
        text = chunk.text.replace("<excerpts>", "< excerpts>")
        text = text.replace("</excerpts>", "< /excerpts>")
        blocks.append(f"[{n}] source: {chunk.doc_id} ({meta})\n{text}")
    return "\n\n".join(blocks)


def answer_prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages(
        [
            ("system", load("system")),
            MessagesPlaceholder("history"),
            ("human", load("answer")),
        ]
    )


def condense_prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("human", load("condense"))])


class TokenStream(BaseCallbackHandler):
    """Forwards the answer model's tokens (not the condensing call's) to `on_token`."""

    def __init__(self, on_token: Callable[[str], None]) -> None:
        self.on_token = on_token
        self.runs: set[UUID] = set()

    def on_chat_model_start(self, serialized, messages, *, run_id: UUID, tags=None, **kwargs):
        if tags and ANSWER_TAG in tags:
            self.runs.add(run_id)

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs) -> None:
        if token and run_id in self.runs:
            self.on_token(token)


def describe_llm_error(exc: Exception, base_url: str | None) -> str:
    import openai

    where = base_url or "the OpenAI API"
    if isinstance(exc, openai.APITimeoutError):
        return f"the LLM at {where} did not answer in time"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot reach the LLM at {where}"
    if isinstance(exc, openai.RateLimitError):
        return f"the LLM at {where} is rate limiting requests (429) even after retries"
    if isinstance(exc, openai.APIStatusError):
        return f"the LLM at {where} failed with HTTP {exc.status_code} after retries"
    return f"the LLM at {where} returned an unusable reply ({type(exc).__name__})"


class AnswerChain:
    """Builds and runs the chain. `retrieve(query)` returns hits; `check_evidence(query, hits,
    where)` returns the checks; `refuse(question, hits, checks)` builds the refusal answer."""

    def __init__(
        self,
        llm: BaseChatModel,
        checker: CitationChecker,
        retrieve,
        check_evidence,
        refuse,
        base_url: str | None = None,
    ) -> None:
        self.llm = llm
        self.checker = checker
        self.retrieve = retrieve
        self.check_evidence = check_evidence
        self.refuse = refuse
        self.base_url = base_url
        self.chains = {streaming: self.build(streaming) for streaming in (False, True)}

    def build(self, streaming: bool) -> Runnable:
        """The chain; with `streaming` the answer is requested as a token stream."""
        condense = (
            condense_prompt() | self.llm.with_config(tags=["newsqa-condense"]) | StrOutputParser()
        )
        answer_llm = self.llm.bind(stream=streaming).with_config(tags=[ANSWER_TAG])
        generate = answer_prompt() | answer_llm | StrOutputParser()

        def standalone(x: dict) -> str:
            conversation: Conversation = x["conversation"]
            if not conversation.turns:
                return x["question"]
            rewritten = (
                condense.invoke({"history": conversation.render(), "question": x["question"]})
                .strip()
                .strip('"')
            )
            return rewritten.splitlines()[0].strip() if rewritten else x["question"]

        def evidence(x: dict) -> list[Check]:
            return self.check_evidence(x["standalone"], x["hits"], x["where"])

        def refused(x: dict) -> Answer:
            return self.refuse(x["question"], x["hits"], x["checks"], mode="llm")

        def answered(x: dict) -> Answer:
            return self.to_answer(x)

        def stamped(step: Callable[[dict], Answer]) -> RunnableLambda:
            """Both branches end with the condensed question and what was retrieved."""

            def run(x: dict) -> Answer:
                answer = step(x)
                answer.standalone_question = x["standalone"]
                answer.retrieved = [Retrieved.from_hit(h) for h in x["hits"]]
                return answer

            return RunnableLambda(run)

        return (
            RunnablePassthrough.assign(standalone=RunnableLambda(standalone))
            | RunnablePassthrough.assign(hits=RunnableLambda(self.retrieve))
            | RunnablePassthrough.assign(checks=RunnableLambda(evidence))
            | RunnableBranch(
                (lambda x: not all(c.passed for c in x["checks"]), stamped(refused)),
                RunnablePassthrough.assign(
                    context=lambda x: format_context(x["hits"]),
                    history=lambda x: x["conversation"].messages(),
                    started=lambda _: time.perf_counter(),
                )
                | RunnablePassthrough.assign(raw=generate)
                | stamped(answered),
            )
        )

    def run(
        self,
        question: str,
        conversation: Conversation,
        k: int,
        where,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        import openai

        config = {"callbacks": [TokenStream(on_token)]} if on_token else {}
        try:
            return self.chains[on_token is not None].invoke(
                {"question": question, "conversation": conversation, "k": k, "where": where},
                config=config,
            )
        except openai.OpenAIError as exc:
            raise LLMError(describe_llm_error(exc, self.base_url)) from exc
        except (ValueError, KeyError, TypeError) as exc:  # a malformed completion body
            raise LLMError(describe_llm_error(exc, self.base_url)) from exc

    def to_answer(self, x: dict) -> Answer:
        raw: str = x["raw"] or ""
        hits: list[Hit] = x["hits"]
        checks: list[Check] = list(x["checks"])
        generation_s = time.perf_counter() - x["started"]
        if not raw.strip():
            raise LLMError("the LLM returned an empty answer")
        if refuses(raw):
            checks.append(
                Check(
                    name="model", passed=False, detail="the model found no answer in the excerpts"
                )
            )
            return self.refuse(x["question"], hits, checks, mode="llm")
        checked = self.checker.check(raw, [h.chunk for h in hits])
        checks.append(
            Check(
                name="citations",
                passed=not checked.removed_claims and not checked.dropped_numbers,
                detail=(
                    f"{sum(map(len, checked.sources))} citation(s) verified; "
                    f"{len(checked.removed_claims)} unsupported claim(s) removed; "
                    f"{len(checked.dropped_numbers)} citation number(s) matched no excerpt"
                ),
            )
        )
        if not checked.sources:
            checks.append(
                Check(
                    name="supported answer",
                    passed=False,
                    detail="no claim of the model's answer is supported by its excerpts",
                )
            )
            refusal = self.refuse(x["question"], hits, checks, mode="llm")
            refusal.removed_claims = checked.removed_claims
            refusal.citation_audit = checked.audit
            return refusal
        text = checked.text
        if checked.removed_claims:
            count = len(checked.removed_claims)
            text += (
                f"\n\n(Removed {count} statement{'s' if count > 1 else ''} whose citation "
                "did not support it.)"
            )
        sources = [quoting(n, supports) for n, supports in enumerate(checked.sources, 1)]
        return Answer(
            question=x["question"],
            standalone_question=x["standalone"],
            text=text,
            sources=sources,
            checks=checks,
            mode="llm",
            timings={"generate_s": generation_s},
            removed_claims=checked.removed_claims,
            citation_audit=checked.audit,
        )


def quoting(number: int, supports) -> Source:
    """The source of one cited article, with every sentence quoted from it in body order."""
    supports = sorted(supports, key=lambda s: s.start)
    first = supports[0]
    source = Source.from_chunk(number, first.chunk, first.start, first.end, first.quote)
    source.quotes = [Quote(s.quote, s.start, s.end, s.chunk.chunk_id) for s in supports]
    return source


def refuses(raw: str) -> bool:
    """Whether the model's reply refuses the whole question: it says it cannot find it and
    cites nothing (a reply that answers one part and not another cites the part it answers)."""
    return CANNOT_FIND.lower().rstrip(".") in raw.lower() and not re.search(r"[\[【]\^?\d", raw)
