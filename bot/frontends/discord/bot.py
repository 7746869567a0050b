"""The Discord bot: ask by mention, in a DM, in the bot's threads, or with `/ask`; get a cited
answer with a Sources embed and a "Show quotes" button.

Answers are computed off the event loop (`asyncio.to_thread`); in LLM mode the reply is edited
as tokens arrive, at most about once a second, and the final edit carries checked citations.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import threading
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.answer import Answer
from bot.answering.conversation import Conversation
from bot.answering.service import AnswerService
from bot.answering.settings import LLMSettings
from bot.frontends.discord.memory import ExpiringLRU
from bot.frontends.discord.ratelimit import TokenBucket
from bot.frontends.discord.settings import DiscordSettings
from bot.frontends.render import feed_lines, latest_lines, report_lines
from retrieval.errors import NewsQAError
from retrieval.search import SearchFilter
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)
MESSAGE_LIMIT = 2000
EDIT_INTERVAL_S = 1.0
NO_MENTIONS = discord.AllowedMentions.none()
FAILURE = "⚠️ Sorry, something went wrong while answering. The error has been logged."


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces under `limit`, cut at a paragraph, else a sentence, else a space; never inside a
    citation marker like [12]."""
    pieces = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 3:
            cut = max((m.end() for m in re.finditer(r"[.!?](?:\s*\[\d+\])*\s", window)), default=-1)
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        while re.search(r"\[\d*$", text[:cut]):  # do not end inside "[12"
            cut -= 1
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    text = text.rstrip()
    return [*pieces, text] if text else pieces


def sources_embed(answer: Answer) -> discord.Embed | None:
    sources = answer.sources or answer.closest
    if not sources:
        return None
    title = "Sources" if answer.sources else "Closest articles"
    lines = [f"[{s.number}] {s.label()}" for s in sources]
    return discord.Embed(title=title, description="\n".join(lines)[:4000])


class QuotesView(discord.ui.View):
    """A "Show quotes" button that reveals each source's quoted span, privately."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(timeout=3600)
        self.answer = answer

    def quotes(self) -> str:
        return "\n\n".join(
            f"**[{s.number}]** {s.title}\n"
            + "\n".join(f"> {q.text.replace(chr(10), ' ')}" for q in s.quotes)
            for s in self.answer.sources
        )[:MESSAGE_LIMIT]

    @discord.ui.button(label="Show quotes", style=discord.ButtonStyle.secondary)
    async def show(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message(
            self.quotes(), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class NewsBot(commands.Bot):
    """The bot; the answer service is injected, nothing is global."""

    def __init__(
        self,
        service: AnswerService,
        settings: DiscordSettings,
        *,
        sync_commands: bool = True,
        intents: discord.Intents | None = None,
    ) -> None:
        if intents is None:  # message content is the one privileged intent needed
            intents = discord.Intents.default()
            intents.message_content = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
        )
        self.service = service
        self.settings = settings
        self.sync_commands = sync_commands
        self.limiter = TokenBucket(settings.questions_per_minute, settings.burst)
        self.conversations: ExpiringLRU[Conversation] = ExpiringLRU(
            settings.max_conversations, settings.idle_expiry_s
        )
        self.shutting_down = threading.Event()
        self.feed_refresh: asyncio.Task | None = None

    async def close(self) -> None:
        """Shutting down: a running /reindex writes the documents it has read, then stops."""
        self.shutting_down.set()
        if self.feed_refresh is not None:
            self.feed_refresh.cancel()
        await super().close()

    async def setup_hook(self) -> None:
        await self.add_cog(AskCog(self))
        if self.settings.refresh_feeds:
            self.feed_refresh = asyncio.create_task(self.refresh_feeds_forever())
        if self.sync_commands:
            await self.tree.sync()

    async def refresh_feeds_forever(self) -> None:
        """Refresh each subscribed feed when it is due, off the event loop; checks at least
        once a minute for new subscriptions. A failed refresh is logged and retried when due."""
        from retrieval.subscriptions import next_due_in, refresh

        index = self.service.index

        def run():
            with index.writing():
                return refresh(index, stop=self.shutting_down.is_set)

        while not self.shutting_down.is_set():
            wait = await asyncio.to_thread(next_due_in, index, time.time())
            if wait == 0:
                try:
                    feeds, report = await asyncio.to_thread(run)
                    log.info("refreshed %d feed(s): %s", len(feeds), report.summary())
                except NewsQAError as exc:
                    log.warning("feed refresh failed: %s", exc)
                wait = 1.0
            await asyncio.sleep(min(wait if wait is not None else 60.0, 60.0))

    def conversation(self, key: int) -> Conversation:
        return self.conversations.get(key, Conversation)

    # who may ask ------------------------------------------------------------------------
    def allowed(self, user: discord.abc.User, channel) -> bool:
        s = self.settings
        if s.allowed_users and user.id not in s.allowed_users:
            return False
        channel_id = getattr(channel, "parent_id", None) or channel.id
        if (
            s.allowed_channels
            and not isinstance(channel, discord.DMChannel)
            and channel_id not in s.allowed_channels
        ):
            return False
        if s.allowed_roles:
            roles = {r.id for r in getattr(user, "roles", [])}
            if not roles & set(s.allowed_roles):
                return False
        return True

    def addressed(self, message: discord.Message) -> bool:
        if isinstance(message.channel, discord.DMChannel):
            return self.settings.answer_dms
        if self.user in message.mentions:
            return True
        return (
            isinstance(message.channel, discord.Thread) and message.channel.owner_id == self.user.id
        )

    def refusal_for(self, user_id: int, question: str) -> str | None:
        """A polite reason not to answer (too long, too fast), or None."""
        limit = self.service.settings.max_question_chars
        if len(question) > limit:
            return (
                f"That question is {len(question):,} characters long; please keep it under "
                f"{limit:,}."
            )
        wait = self.limiter.take(user_id)
        if wait:
            return f"You're asking quickly — please wait {wait:.0f} s and try again."
        return None

    # answering ----------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or not self.addressed(message):
            return
        if not self.allowed(message.author, message.channel):
            return
        question = re.sub(r"<@!?\d+>", "", message.content).strip()
        if not question:
            return
        if reason := self.refusal_for(message.author.id, question):
            await message.reply(reason, allowed_mentions=NO_MENTIONS)
            return
        channel = await self.reply_channel(message, question)
        async with channel.typing():
            await self.answer_into(channel, question, self.conversation(channel.id))

    async def reply_channel(self, message: discord.Message, question: str):
        """Answers go in a thread (a new one for a question asked in a channel), so follow-ups
        share that thread's memory. Where a thread cannot be made, reply in place."""
        if isinstance(message.channel, discord.Thread | discord.DMChannel):
            return message.channel
        try:
            return await message.create_thread(name=question[:90] or "question")
        except (discord.HTTPException, NotImplementedError, AttributeError) as exc:
            log.info("answering in the channel, no thread: %s", exc)
            return message.channel

    async def answer_into(
        self,
        channel,
        question: str,
        conversation: Conversation,
        ephemeral_followup=None,
        where: SearchFilter | None = None,
    ) -> None:
        """Answer and send, streaming edits in LLM mode; failures become a short ⚠️ reply."""
        send = ephemeral_followup or channel.send
        streaming = self.service.llm_available and ephemeral_followup is None
        draft = await send("…", allowed_mentions=NO_MENTIONS) if streaming else None
        try:
            answer = await self.ask(question, conversation, draft, where)
        except NewsQAError as exc:
            await self.finish(send, draft, f"⚠️ {exc}")
            return
        except Exception:
            log.exception("answering %r failed", question)
            await self.finish(send, draft, FAILURE)
            return
        await self.deliver(send, draft, answer)

    async def ask(
        self, question: str, conversation: Conversation, draft, where: SearchFilter | None = None
    ) -> Answer:
        loop = asyncio.get_running_loop()
        tokens: asyncio.Queue[str] = asyncio.Queue()

        def on_token(token: str) -> None:
            loop.call_soon_threadsafe(tokens.put_nowait, token)

        work = asyncio.create_task(
            asyncio.to_thread(
                self.service.ask,
                question,
                conversation=conversation,
                where=where,
                on_token=on_token if draft else None,
            )
        )
        if draft is None:
            return await work
        text, last_edit = "", 0.0
        while not work.done() or not tokens.empty():
            try:
                text += await asyncio.wait_for(tokens.get(), timeout=0.2)
            except TimeoutError:
                continue
            if time.monotonic() - last_edit >= EDIT_INTERVAL_S and text.strip():
                await draft.edit(content=text[-MESSAGE_LIMIT:], allowed_mentions=NO_MENTIONS)
                last_edit = time.monotonic()
        return await work

    @staticmethod
    async def finish(send, draft, text: str) -> None:
        if draft is not None:
            await draft.edit(content=text, allowed_mentions=NO_MENTIONS)
        else:
            await send(text, allowed_mentions=NO_MENTIONS)

    async def deliver(self, send, draft, answer: Answer) -> None:
        """The final answer: text split under the limit, then the Sources embed and the
        quotes button on the last piece."""
        text = answer.text
        short = answer.short_answer
        if short and text.startswith(short.text):  # the reply opens with the short answer
            text = f"**{short.text}**{text[len(short.text) :]}"
        if answer.notice:
            text = f"{text}\n\n-# {answer.notice}"
        pieces = split_message(text)
        embed = sources_embed(answer)
        view = QuotesView(answer) if answer.sources else None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            extra = {"embed": embed, "view": view} if last else {}
            extra = {k: v for k, v in extra.items() if v is not None}
            if i == 0 and draft is not None:
                await draft.edit(content=piece, allowed_mentions=NO_MENTIONS, **extra)
            else:
                await send(piece, allowed_mentions=NO_MENTIONS, **extra)


class AskCog(commands.Cog):
    """Slash commands: /ask and /latest, and the admin-only /reindex, /feeds and /stats."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What you want to know from the articles",
        private="Only you see the answer",
        filter="e.g. source=politics/* outlet=CNN since=2025-01-01",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        private: bool = False,
        filter: str = "",
    ) -> None:
        """Ask a question; the answer cites the articles it comes from."""
        await interaction.response.defer(ephemeral=private, thinking=True)
        try:
            where = SearchFilter.parse(filter)
        except NewsQAError as exc:
            await interaction.followup.send(f"⚠️ {exc}", ephemeral=True)
            return
        if not self.bot.allowed(interaction.user, interaction.channel):
            await interaction.followup.send("You can't ask questions here.", ephemeral=True)
            return
        if reason := self.bot.refusal_for(interaction.user.id, question):
            await interaction.followup.send(reason, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return

        async def followup(content, **kwargs):
            return await interaction.followup.send(content, ephemeral=private, **kwargs)

        key = getattr(interaction.channel, "id", interaction.user.id)
        await self.bot.answer_into(
            interaction.channel,
            question,
            self.bot.conversation(key),
            ephemeral_followup=followup,
            where=where,
        )

    @app_commands.command(name="reindex")
    @app_commands.default_permissions(administrator=True)
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Re-ingest the configured folders (admins only)."""
        from retrieval.ingest import ingest

        await interaction.response.defer(ephemeral=True, thinking=True)
        if not getattr(interaction.user.guild_permissions, "administrator", False):
            await interaction.followup.send("Only administrators can reindex.", ephemeral=True)
            return
        index = self.bot.service.index
        paths = self.bot.settings.reindex_paths
        status = await interaction.followup.send(
            f"Reindexing {', '.join(map(str, paths))}…", ephemeral=True, wait=True
        )
        done = {"files": 0, "total": 0}

        def progress(files: int, total: int, name: str) -> None:
            done.update(files=files, total=total)

        def run():
            with index.writing():
                return ingest(index, paths, progress=progress, stop=self.bot.shutting_down.is_set)

        work = asyncio.create_task(asyncio.to_thread(run))
        while not work.done():  # a progress line, edited at most every two seconds
            await asyncio.wait([work], timeout=2)
            if not work.done() and status is not None and done["total"]:
                await status.edit(content=f"Reindexing… {done['files']}/{done['total']} files")
        try:
            report = work.result()
        except NewsQAError as exc:
            await interaction.followup.send(f"⚠️ {exc}", ephemeral=True)
            return
        lines = "\n".join([*report_lines(report, summary=False), f"Done: {report.summary()}."])
        await interaction.followup.send(
            lines[:MESSAGE_LIMIT], ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="latest")
    @app_commands.describe(topic="Only articles about this (leave empty for all)")
    async def latest(self, interaction: discord.Interaction, topic: str = "") -> None:
        """The newest articles, with date, outlet and link."""
        from retrieval.recency import latest

        await interaction.response.defer(thinking=True)
        records = await asyncio.to_thread(latest, self.bot.service.index, topic or None, 5)
        lines = latest_lines(records) or [
            f"No dated articles about {topic}." if topic else "No dated articles yet."
        ]
        text = "\n".join(
            f"<{line.strip()}>" if line.startswith(" ") and "://" in line else line
            for line in lines
        )
        await interaction.followup.send(text[:MESSAGE_LIMIT], allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="feeds")
    @app_commands.default_permissions(administrator=True)
    async def feeds(self, interaction: discord.Interaction) -> None:
        """The subscribed feeds and when each was last refreshed (admins only)."""
        from retrieval.subscriptions import due

        await interaction.response.defer(ephemeral=True, thinking=True)
        if not getattr(interaction.user.guild_permissions, "administrator", False):
            await interaction.followup.send("Only administrators can list feeds.", ephemeral=True)
            return
        index = self.bot.service.index
        rows = await asyncio.to_thread(index.catalog.subscriptions)
        pending = set(await asyncio.to_thread(due, index, time.time()))
        text = "\n".join(feed_lines(rows, pending)) or "No feeds: add one with `newsqa feeds add`."
        await interaction.followup.send(
            text[:MESSAGE_LIMIT], ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="stats")
    @app_commands.default_permissions(administrator=True)
    async def stats(self, interaction: discord.Interaction) -> None:
        """Documents, chunks and the embedding model (admins only)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        line = await asyncio.to_thread(self.bot.service.index.describe)
        await interaction.followup.send(line, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def run_bot(
    settings: RetrievalSettings, llm_settings: LLMSettings, discord_settings: DiscordSettings
) -> None:
    """Start the bot until it is stopped; the index is opened (and checked) first."""
    from retrieval.index import NewsIndex

    if not discord_settings.token:
        raise NewsQAError("DISCORD_TOKEN is not set; see README, 'Discord bot'")
    index = NewsIndex(settings)
    index.require()
    async with NewsBot(AnswerService(index, llm_settings), discord_settings) as bot:
        closing: list[asyncio.Task] = []
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # a clean stop, as from systemd or docker
            loop.add_signal_handler(sig, lambda: closing.append(loop.create_task(bot.close())))
        await bot.start(discord_settings.token)
