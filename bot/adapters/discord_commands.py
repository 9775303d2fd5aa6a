"""Discord's application commands: `/summarize`, `/digest`, `/ask` and the "Summarize"
message menu, and their sync.

`build_tree` wires them to an adapter; `sync_commands` registers them (`newsbot discord-sync`),
once, not on every start.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.adapters.discord_client import discord, use_api
from bot.chat import RequestOptions, Trigger
from bot.config import Config, secret
from bot.errors import ConfigError

app_commands = discord.app_commands


class RequestSink(Protocol):
    """What a command invocation is handed to (the adapter)."""

    async def on_request(
        self,
        interaction: discord.Interaction,
        text: str,
        trigger: Trigger,
        options: RequestOptions,
        message_id: str = "",
        command: str = "",
    ) -> None: ...


def build_tree(client: discord.Client, adapter: RequestSink | None = None) -> Any:
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
        options = RequestOptions(bullets, language, private)
        await adapter.on_request(interaction, url_or_text, Trigger.COMMAND, options)

    async def summarize_message(interaction: discord.Interaction, message: discord.Message) -> None:
        assert adapter is not None
        await adapter.on_request(
            interaction, message.content, Trigger.SHORTCUT, RequestOptions(), str(message.id)
        )

    @app_commands.command(name="digest", description="What was shared in this channel, by story")
    @app_commands.describe(
        period="today, week, or a number of days like 3d (default: week)",
        private="Only you see the digest",
    )
    async def digest(
        interaction: discord.Interaction,
        period: app_commands.Range[str, 1, 20] | None = None,
        private: bool = False,
    ) -> None:
        assert adapter is not None
        options = RequestOptions(private=private)
        await adapter.on_request(
            interaction, period or "", Trigger.COMMAND, options, command="digest"
        )

    @app_commands.command(name="ask", description="Ask about this channel's latest summary")
    @app_commands.describe(question="What you want to know about the article")
    async def ask(
        interaction: discord.Interaction, question: app_commands.Range[str, 1, 4000]
    ) -> None:
        assert adapter is not None
        await adapter.on_request(
            interaction, question, Trigger.COMMAND, RequestOptions(), command="ask"
        )

    tree.add_command(summarize)
    tree.add_command(digest)
    tree.add_command(ask)
    tree.add_command(app_commands.ContextMenu(name="Summarize", callback=summarize_message))
    tree.add_command(feed_group(adapter))
    return tree


Text = app_commands.Range[str, 1, 2000]


def feed_group(adapter: RequestSink | None) -> Any:
    """`/feed add|list|remove`, for members with Manage Channels unless a server changes it."""
    group = app_commands.Group(
        name="feed", description="Follow RSS/Atom feeds in this channel", guild_only=True,
        default_permissions=discord.Permissions(manage_channels=True),
    )  # fmt: skip

    async def ask(interaction: discord.Interaction, text: str) -> None:
        assert adapter is not None
        options = RequestOptions(private=True)
        await adapter.on_request(interaction, text, Trigger.COMMAND, options, command="feed")

    @group.command(name="add", description="Follow a feed (or the feed a site links to) here")
    @app_commands.describe(
        url="The feed's address, or a page that links to its feed",
        quiet="Post nothing: new stories only go into this channel's /digest",
    )
    async def add(interaction: discord.Interaction, url: Text, quiet: bool = False) -> None:
        await ask(interaction, f"add {url} quiet" if quiet else f"add {url}")

    @group.command(name="list", description="The feeds this channel follows")
    async def list_(interaction: discord.Interaction) -> None:
        await ask(interaction, "list")

    @group.command(name="remove", description="Stop following a feed here")
    @app_commands.describe(feed="The feed's address, or its number in /feed list")
    async def remove(interaction: discord.Interaction, feed: Text) -> None:
        await ask(interaction, f"remove {feed}")

    return group


async def sync_commands(config: Config, *, guild_id: int | None = None) -> int:
    """Register the commands and the "Summarize" menu with Discord (`newsbot discord-sync`)."""
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
