"""The Discord bot and feeds: subscribed feeds are refreshed in the background on their
schedule, `/latest` lists the newest articles and `/feeds` (admins) the subscriptions; against
the news site on loopback, through dpytest."""

import asyncio
import shutil
import time

import discord.ext.test as dpytest
import pytest_asyncio
from discord.ext.test import backend

from tests.test_discord_bot import Recorder, make_bot


@pytest_asyncio.fixture
async def subscribed(seed_index_dir, embeddings, tmp_path, site):
    """A bot whose index subscribes to the site's feed, refreshed every second."""
    data = tmp_path / "index"
    shutil.copytree(seed_index_dir, data)
    bot = await make_bot(data, embeddings, NEWSQA_FETCH_TIMEOUT_S=2)
    bot.service.index.catalog.subscribe(f"{site.base}/feed.xml", 1)
    yield bot
    bot.feed_refresh.cancel()
    await dpytest.empty_queue()


async def until(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def test_subscribed_feeds_are_refreshed_in_the_background(subscribed, site):
    catalog = subscribed.service.index.catalog
    await until(lambda: catalog.document(f"{site.base}/news/toll") is not None)
    site.feed_slugs.append("lighthouse")
    await until(lambda: catalog.document(f"{site.base}/news/lighthouse") is not None)
    feed_requests = [etag for path, etag in site.requests if path == "/feed.xml"]
    assert feed_requests[0] is None and all(feed_requests[1:])  # conditional after the first


async def test_latest_lists_the_newest_articles_with_links(subscribed, site):
    catalog = subscribed.service.index.catalog
    await until(lambda: catalog.document(f"{site.base}/news/ferry") is not None)
    cog = subscribed.get_cog("AskCog")
    interaction = Recorder(dpytest.get_config().members[0], dpytest.get_config().channels[0])
    await cog.latest.callback(cog, interaction, "")
    text = interaction.sent[-1][0]
    assert text.startswith("2025-03-16  Ferry line opens a repair depot in Kesterby — Vellmar Post")
    assert f"<{site.base}/news/ferry>" in text  # no link preview


async def test_feeds_is_for_administrators(subscribed, site):
    cog = subscribed.get_cog("AskCog")
    member = dpytest.get_config().members[0]
    refused = Recorder(member, dpytest.get_config().channels[0])
    await cog.feeds.callback(cog, refused)
    assert refused.sent[-1][0] == "Only administrators can list feeds."
    role = backend.make_role("admins", member.guild, permissions=8)
    await dpytest.add_role(member, role)
    allowed = Recorder(member, dpytest.get_config().channels[0])
    await cog.feeds.callback(cog, allowed)
    assert allowed.sent[-1][0].startswith(f"{site.base}/feed.xml  every 1s, last refreshed")
