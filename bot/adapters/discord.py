"""Discord adapter: links in `auto` channels, @mentions, `/summarize` and the "Summarize" menu.

Translates Discord events into `ChatEvent`s for the shared policy and into calls on the
`SummaryService`, then renders results (`discord_render`). Interactions are deferred at once
and answered with a follow-up; slow work runs in tracked tasks that `close()` cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import warnings
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any

import yarl

with warnings.catch_warnings():  # discord.py imports `audioop` (deprecated) for voice, unused here
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

from bot.adapters.background import BackgroundTasks
from bot.adapters.discord_render import (
    ALLOWED_MENTIONS,
    Vote,
    VoteView,
    already_posted_text,
    error_text,
    render_summary,
    summary_id_of,
)
from bot.config import Config, DiscordConfig, secret
from bot.errors import BotError, ConfigError
from bot.observability import METRICS
from bot.policy import ChatEvent, Plan, Trigger
from bot.service import SummaryResult

if TYPE_CHECKING:
    from bot.runtime import Deps

log = logging.getLogger(__name__)
#: Told to a user whose summary was still running when shutdown's grace period ran out.
CUT_OFF = "I'm restarting and couldn't finish this summary; please ask again in a minute."

#: How long `start()` waits for READY before carrying on (the client keeps connecting).
READY_TIMEOUT = 60.0
_MENTION_RE = re.compile(r"<@!?(\d+)>")
#: Skip reasons worth telling someone who asked explicitly (bots and opt-outs stay unanswered).
_TOLD_REASONS = ("summaries are off in this channel",)


@contextlib.contextmanager
def use_api(base_url: str) -> Iterator[None]:
    """Send discord.py's REST calls to `base_url` while inside; restore the defaults after.

    discord.py builds every REST and interaction-webhook URL from the class attribute
    `Route.BASE`, so this is process-wide: one Discord client per process.
    """
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = base_url.rstrip("/")
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


def make_intents(config: DiscordConfig) -> discord.Intents:
    intents = discord.Intents.default()  # guilds, guild/DM messages; no members/presences
    intents.message_content = config.message_content_intent
    return intents


def client_class(config: DiscordConfig) -> tuple[type[discord.Client], dict[str, Any]]:
    """Client class and options: empty → one connection, "auto" → Discord's count, "N" → N."""
    value = config.shard_count.strip().lower()
    if not value:
        return NewsbotClient, {}
    if value == "auto":
        return NewsbotShardedClient, {}
    if value.isdigit() and int(value) >= 1:
        return NewsbotShardedClient, {"shard_count": int(value)}
    raise ConfigError(
        f'discord.shard_count must be "", "auto" or a positive whole number, got {value!r}'
    )


class _Hooks:
    """Routes discord.py's start-up hook and message event to the adapter."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        self.adapter = adapter
        super().__init__(**options)

    async def setup_hook(self) -> None:
        await self.adapter.setup_hook()

    async def on_message(self, message: discord.Message) -> None:
        self.adapter.on_message(message)


class NewsbotClient(_Hooks, discord.Client):
    pass


class NewsbotShardedClient(_Hooks, discord.AutoShardedClient):
    pass


def build_tree(client: discord.Client, adapter: DiscordAdapter | None = None) -> Any:
    """The slash command and context menu; `adapter` is None when only syncing them."""
    tree = app_commands.CommandTree(client)

    @app_commands.command(name="summarize", description="Summarize a news article or pasted text")
    @app_commands.describe(
        url_or_text="A link to an article, or the text itself",
        bullets="How many bullet points (1-10)",
        language="Language of the summary, e.g. en or de",
        private="Only you see the summary",
    )
    async def summarize(
        interaction: discord.Interaction,
        url_or_text: str,
        bullets: app_commands.Range[int, 1, 10] | None = None,
        language: app_commands.Range[str, 2, 35] | None = None,
        private: bool = False,
    ) -> None:
        assert adapter is not None
        options = {"bullets": bullets, "language": language}
        await adapter.on_request(interaction, url_or_text, Trigger.COMMAND, private, options)

    async def summarize_message(interaction: discord.Interaction, message: discord.Message) -> None:
        assert adapter is not None
        await adapter.on_request(interaction, message.content, Trigger.SHORTCUT, False, {})

    tree.add_command(summarize)
    tree.add_command(app_commands.ContextMenu(name="Summarize", callback=summarize_message))
    return tree


class DiscordAdapter:
    """One Discord connection (or one set of shards) per process."""

    def __init__(self, deps: Deps, *, shutdown_grace: float = 10.0) -> None:
        self.deps = deps
        self.config = deps.config.discord
        #: Seconds in-flight summaries get to finish on shutdown before they are cut off.
        self.shutdown_grace = shutdown_grace
        self._token = secret("DISCORD_TOKEN", required_for="discord.enabled")
        cls, options = client_class(self.config)
        self.client: discord.Client = cls(
            self,
            intents=make_intents(self.config),
            allowed_mentions=ALLOWED_MENTIONS,
            **options,
        )
        self.tree = build_tree(self.client, self)
        self._tasks = BackgroundTasks("discord")
        self._gateway: asyncio.Task[None] | None = None
        self._api = contextlib.ExitStack()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (runs `setup_hook`), connect in the background, wait for READY."""
        self._api.enter_context(use_api(self.config.api_base_url))
        try:
            try:
                await self.client.login(self._token)
            except discord.LoginFailure as exc:
                raise ConfigError("Discord rejected DISCORD_TOKEN (401); check the token") from exc
            self._gateway = asyncio.create_task(self._connect(), name="discord-gateway")
            ready = asyncio.create_task(self.client.wait_until_ready())
            await asyncio.wait(
                {ready, self._gateway}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            ready.cancel()
            await asyncio.gather(ready, return_exceptions=True)
            if self._gateway.done():
                self._gateway.result()  # raises why the gateway stopped
                raise ConfigError("the Discord gateway closed during start-up")
            if not self.client.is_ready():
                log.warning("no READY from Discord after %.0f s; still connecting", READY_TIMEOUT)
        except BaseException:
            await self.close()
            raise
        log.info("discord: connected as %s", self.client.user)

    async def setup_hook(self) -> None:
        """After login, before the gateway: persistent views, and the gateway URL to use."""
        self.client.add_view(VoteView(self.on_vote))
        # /gateway/bot of the configured API, so a fake or proxied API also picks the gateway
        _shards, url, _limits = await self.client.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired as exc:
            raise ConfigError(
                "discord.message_content_intent is true, but the Message Content intent is not "
                "enabled for this bot in the Discord Developer Portal (Bot → Privileged Intents)"
            ) from exc
        except Exception:
            if not self.client.is_closed():
                log.exception("discord: gateway stopped")
            raise

    async def wait_closed(self) -> None:
        """Returns when the gateway connection has ended for good (so `run` can exit)."""
        if self._gateway is not None:
            await asyncio.wait([self._gateway])

    async def close(self) -> None:
        """Let in-flight summaries finish briefly, cut off the rest (telling their users),
        then close the gateway and the HTTP session."""
        await self._tasks.drain(self.shutdown_grace)
        await self.client.close()
        if self._gateway is not None:
            try:
                await asyncio.wait_for(self._gateway, timeout=10)
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - already logged
                pass
        self._api.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.spawn(coro)

    # --- messages: auto links and @mentions ---------------------------------------------------

    def on_message(self, message: discord.Message) -> None:
        me = self.client.user
        if me is None or message.author.id == me.id:
            return
        mentioned = any(user.id == me.id for user in message.mentions)
        if mentioned or message.guild is None:  # DMs carry content without the intent too
            trigger, text = Trigger.MENTION, _MENTION_RE.sub(" ", message.content)
        else:
            trigger, text = Trigger.AUTO, message.content
        event = self._event(message.guild, message.channel, message.author, text, trigger)
        event = dataclasses.replace(event, from_bot=message.author.bot)
        self._spawn(self._answer_message(message, event))

    async def _answer_message(self, message: discord.Message, event: ChatEvent) -> None:
        async def say(text: str) -> None:
            if event.trigger.explicit:
                await self._reply(message, content=error_text(text))
            else:
                log.info("discord: auto summary skipped in %s: %s", event.channel_key, text)

        plan = await self._plan(event, say)
        if plan is None:
            return
        if plan.already_posted:
            await self._reply(message, content=already_posted_text(plan.already_posted))
        for link, result in await self._summaries(plan, {}, say, event.trigger):
            with METRICS.time_stage("post"):
                reply = await self._reply(message, embed=render_summary(result), view=_votes())
            if reply is not None and link:
                await self.deps.policy.remember_post(event, link, reply.jump_url)

    async def _reply(self, message: discord.Message, **kwargs: Any) -> discord.Message | None:
        try:
            return await message.reply(
                mention_author=False, allowed_mentions=ALLOWED_MENTIONS, **kwargs
            )
        except discord.Forbidden:
            log.warning("discord: no permission to post in channel %s", message.channel.id)
        except discord.HTTPException as exc:
            log.warning("discord: reply failed: %s %s", exc.status, exc.text)
        return None

    # --- interactions: /summarize and the "Summarize" context menu ---------------------------

    async def on_request(
        self,
        interaction: discord.Interaction,
        text: str,
        trigger: Trigger,
        private: bool,
        options: dict[str, Any],
    ) -> None:
        """Defer within Discord's 3 s, then summarize in a tracked task."""
        try:
            await interaction.response.defer(ephemeral=private, thinking=True)
        except discord.HTTPException as exc:  # e.g. 404 Unknown interaction: too late
            log.warning("discord: could not defer interaction %s: %s", interaction.id, exc)
            return
        event = self._event(interaction.guild, interaction.channel, interaction.user, text, trigger)
        self._spawn(self._answer_interaction(interaction, event, private, options))

    async def _answer_interaction(
        self,
        interaction: discord.Interaction,
        event: ChatEvent,
        private: bool,
        options: dict[str, Any],
    ) -> None:
        reply = _Followups(interaction, private)
        plan = await self._plan(event, reply.notice)
        if plan is None:
            return
        if not plan.has_work:
            await reply.notice(already_posted_text(plan.already_posted))
            return
        for link, result in await self._summaries(plan, options, reply.notice, event.trigger):
            with METRICS.time_stage("post"):
                sent = await reply.summary(render_summary(result))
            if sent is not None and link and not private:
                await self.deps.policy.remember_post(event, link, sent.jump_url)
        if plan.already_posted:
            await reply.notice(already_posted_text(plan.already_posted))

    async def on_vote(self, interaction: discord.Interaction, vote: Vote) -> None:
        """A 👍/👎 click, also on summaries posted before a restart (the view is persistent)."""
        message = interaction.message
        summary_id = summary_id_of(message.embeds[0]) if message and message.embeds else None
        try:
            if not summary_id:
                await interaction.response.send_message(
                    "I can't tell which summary this vote is for.", ephemeral=True
                )
                return
            user = f"discord:{interaction.user.id}"
            counts = await self.deps.state.record_vote(summary_id, user, vote)
            await interaction.response.edit_message(view=_votes(counts))
        except discord.HTTPException as exc:
            log.warning("discord: vote response failed: %s", exc)

    # --- shared steps ---------------------------------------------------------------------------

    def _event(self, guild: Any, channel: Any, user: Any, text: str, trigger: Trigger) -> ChatEvent:
        return ChatEvent(
            platform="discord",
            workspace=str(guild.id) if guild else "",
            channel=str(channel.id) if channel else "",
            user=str(user.id),
            text=text,
            trigger=trigger,
        )

    async def _plan(self, event: ChatEvent, say: Any) -> Plan | None:
        """The policy's plan if there is work or an "already here" link to show, else None."""
        try:
            plan = await self.deps.policy.plan(event)
        except BotError as exc:
            await say(exc.message)
            return None
        if plan.has_work or plan.already_posted:
            return plan
        log.debug("discord: nothing to do in %s: %s", event.channel_key, plan.skip_reason)
        if event.trigger.explicit and plan.skip_reason in _TOLD_REASONS:
            await say(f"Sorry, {plan.skip_reason}.")
        return None

    async def _summaries(
        self, plan: Plan, options: dict[str, Any], say: Any, trigger: Trigger
    ) -> list[tuple[str | None, SummaryResult]]:
        """Summaries for the plan's links (or text); each failure is told via `say`."""
        service, out = self.deps.service, []
        jobs: list[tuple[str | None, Any]] = [
            (link, lambda link=link: service.summarize_url(link, **options)) for link in plan.links
        ]
        if plan.text:
            jobs.append((None, lambda: service.summarize_text(plan.text, **options)))
        for link, job in jobs:
            try:
                out.append((link, await job()))
                METRICS.request("discord", trigger.value, "ok")
            except BotError as exc:
                METRICS.request("discord", trigger.value, exc.kind)
                await say(exc.message)
            except asyncio.CancelledError:
                METRICS.request("discord", trigger.value, "cut_off")
                if self._tasks.closing:  # shutdown outlived the grace period: say so, not silence
                    await asyncio.wait_for(say(CUT_OFF), 5)
                raise
            except Exception:  # noqa: BLE001 - one bad link must not kill the handler
                METRICS.request("discord", trigger.value, "error")
                log.exception("discord: summary failed")
                await say("Something went wrong while summarizing that. Please try again later.")
        return out


class _Followups:
    """Answers to one deferred interaction: summaries in its mode, problems only to the user."""

    def __init__(self, interaction: discord.Interaction, private: bool) -> None:
        self.interaction = interaction
        self.private = private
        self._placeholder = True  # the "thinking…" message is still waiting for its answer

    async def summary(self, embed: discord.Embed) -> discord.Message | None:
        send = self.interaction.followup.send
        kwargs = {"embed": embed, "view": _votes(), "allowed_mentions": ALLOWED_MENTIONS}
        try:
            sent = await send(ephemeral=self.private, wait=True, **kwargs)
        except discord.NotFound:  # token older than 15 min: post in the channel instead
            channel = self.interaction.channel
            if self.private or not isinstance(channel, discord.abc.Messageable):
                log.warning("discord: interaction %s expired", self.interaction.id)
                return None
            sent = await _quietly(channel.send(**kwargs))
        except discord.HTTPException as exc:
            log.warning("discord: follow-up failed: %s", exc)
            return None
        self._placeholder = False
        return sent

    async def notice(self, text: str) -> None:
        """An ephemeral note; a public "thinking…" placeholder is removed first."""
        if self._placeholder and not self.private:
            await _quietly(self.interaction.delete_original_response())
        self._placeholder = False
        await _quietly(
            self.interaction.followup.send(
                error_text(text), ephemeral=True, allowed_mentions=ALLOWED_MENTIONS
            )
        )


async def _quietly(coro: Any) -> Any:
    try:
        return await coro
    except discord.HTTPException as exc:
        log.warning("discord: request failed: %s", exc)
        return None


def _votes(counts: tuple[int, int] | None = None) -> VoteView:
    return VoteView(counts=counts, render_only=True)


async def sync_commands(config: Config, *, guild_id: int | None = None) -> int:
    """Register /summarize and "Summarize" with Discord (`newsbot discord-sync`)."""
    token = secret("DISCORD_TOKEN", required_for="newsbot discord-sync")
    client = discord.Client(intents=discord.Intents.default())  # REST only: no gateway
    tree = build_tree(client)
    guild = discord.Object(guild_id) if guild_id else None
    with use_api(config.discord.api_base_url):
        async with client:
            try:
                await client.login(token)
                if guild is not None:
                    tree.copy_global_to(guild=guild)
                synced = await tree.sync(guild=guild)
            except discord.LoginFailure as exc:
                raise ConfigError("Discord rejected DISCORD_TOKEN (401); check the token") from exc
            except discord.HTTPException as exc:
                print(f"newsbot: Discord refused the command sync: {exc}")
                return 1
    where = f"guild {guild_id}" if guild else "all guilds (may take up to an hour to show)"
    print(f"synced {len(synced)} commands to {where}: {', '.join(c.name for c in synced)}")
    return 0
