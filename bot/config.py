"""Load `config.toml` into validated, immutable settings.

Every key is checked: unknown keys, wrong types and out-of-range values are all listed in one
`ConfigError`, each naming the key and what it expects. Secrets never live here; they come
from environment variables (see `secret`).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

from bot.errors import ConfigError
from summarizer import SummarizerConfig


def _range(lo: float | None = None, hi: float | None = None) -> dict:
    return {"min": lo, "max": hi}


Policy = Literal["auto", "mention", "off"]


@dataclass(frozen=True)
class FetchConfig:
    """How untrusted URLs are fetched (see SECURITY.md)."""

    timeout_total: float = field(default=15.0, metadata=_range(1, 120))
    timeout_connect: float = field(default=5.0, metadata=_range(0.5, 60))
    timeout_read: float = field(default=10.0, metadata=_range(0.5, 60))
    max_bytes: int = field(default=5_000_000, metadata=_range(10_000, 50_000_000))
    max_redirects: int = field(default=5, metadata=_range(0, 10))
    allowed_ports: tuple[int, ...] = (80, 443)
    #: CIDRs an operator explicitly trusts (e.g. an intranet news site). Empty by default.
    allowed_networks: tuple[str, ...] = ()
    #: Domains (and their subdomains) the bot never fetches.
    blocked_domains: tuple[str, ...] = ()
    user_agent: str = "newsbot/0.1 (news summary bot; +{contact_url})"
    contact_url: str = "https://github.com/newsbot/newsbot"


#: Where the SQLite files go when `cache.data_dir` is empty (the container image sets it).
DATA_DIR_ENV = "NEWSBOT_DATA_DIR"
APP_NAME = "newsbot"


@dataclass(frozen=True)
class CacheConfig:
    backend: Literal["sqlite", "redis", "memory", "none"] = "sqlite"
    #: Directory for both SQLite files (relative to the working directory). "" = the user's
    #: platform directories (see `cache_dir` and `state_dir`), never the working directory.
    data_dir: str = ""
    ttl_seconds: int = field(default=86_400, metadata=_range(0, 30 * 86_400))
    failure_ttl_seconds: int = field(default=300, metadata=_range(0, 86_400))
    max_entries: int = field(default=10_000, metadata=_range(1, 10_000_000))
    #: Redis URL without a password; the password comes from REDIS_PASSWORD.
    redis_url: str = "redis://127.0.0.1:6379/0"

    def cache_dir(self) -> Path:
        """Folder of cache.sqlite3: data_dir, else $NEWSBOT_DATA_DIR, else the user cache dir."""
        return self._explicit_dir() or Path(platformdirs.user_cache_dir(APP_NAME))

    def state_dir(self) -> Path:
        """Folder of state.sqlite3 (votes, rate limits): like `cache_dir`, but kept data."""
        return self._explicit_dir() or Path(platformdirs.user_data_dir(APP_NAME))

    def _explicit_dir(self) -> Path | None:
        chosen = self.data_dir or os.environ.get(DATA_DIR_ENV, "").strip()
        return Path(chosen).expanduser() if chosen else None


@dataclass(frozen=True)
class PolicyConfig:
    """Per-channel behaviour, shared by every platform."""

    default: Policy = "mention"
    #: Overrides keyed by "platform:workspace:channel", "platform:workspace" or "platform".
    channels: dict[str, Policy] = field(default_factory=dict)
    opt_out_marker: str = "!nosummary"
    max_links_per_message: int = field(default=3, metadata=_range(1, 20))
    user_requests_per_minute: int = field(default=6, metadata=_range(1, 10_000))
    channel_requests_per_minute: int = field(default=20, metadata=_range(1, 10_000))
    #: Pasted text shorter than this (in characters) is not worth summarizing.
    min_text_chars: int = field(default=200, metadata=_range(1, 100_000))
    max_text_chars: int = field(default=100_000, metadata=_range(1_000, 5_000_000))


@dataclass(frozen=True)
class QuestionsConfig:
    """Follow-up questions about a posted summary, answered from its article."""

    enabled: bool = True
    #: Answers one summary's thread gets per hour, whoever asks.
    thread_answers_per_hour: int = field(default=20, metadata=_range(1, 10_000))
    #: A longer question is refused with a clear message.
    max_question_chars: int = field(default=300, metadata=_range(20, 4_000))


@dataclass(frozen=True)
class SlackConfig:
    enabled: bool = False
    mode: Literal["socket", "http"] = "socket"
    api_base_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = field(default=3000, metadata=_range(1, 65_535))
    #: Emoji name (without colons) that triggers a summary when added as a reaction; "" = off.
    reaction_emoji: str = "newspaper"


@dataclass(frozen=True)
class DiscordConfig:
    enabled: bool = False
    #: Privileged intent: needed only to auto-summarize links in ordinary messages.
    message_content_intent: bool = False
    #: "auto" uses AutoShardedClient; a number fixes the shard count; "" = one shard.
    shard_count: str = ""
    api_base_url: str = "https://discord.com/api/v10"


@dataclass(frozen=True)
class ServiceConfig:
    """Limits on the shared core: concurrency, timeouts and the work queue."""

    max_concurrent_summaries: int = field(default=2, metadata=_range(1, 256))
    summarize_timeout: float = field(default=60.0, metadata=_range(1, 3_600))
    #: A memory guard, far above any real burst: "busy" is decided by the expected wait.
    max_queue: int = field(default=1000, metadata=_range(1, 100_000))
    #: Worker processes that parse pages (HTML, PDF, large bodies); each may use up to
    #: `page_memory_mb` on top of its idle size, for at most `page_timeout` seconds a page.
    page_workers: int = field(default=2, metadata=_range(1, 64))
    page_timeout: float = field(default=10.0, metadata=_range(0.1, 300))
    page_memory_mb: int = field(default=512, metadata=_range(64, 65_536))


@dataclass(frozen=True)
class LogConfig:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


@dataclass(frozen=True)
class OpsConfig:
    """Operator endpoints, on their own port so /metrics never sits behind the public proxy."""

    health_host: str = "0.0.0.0"
    #: Port for /healthz, /readyz and /metrics; 0 turns the server off.
    health_port: int = field(default=8080, metadata=_range(0, 65_535))


@dataclass(frozen=True)
class DigestSchedule:
    """One scheduled digest (`[[digest.schedules]]`); checked at start-up (bot/digests/calendar)."""

    channel: str = ""  # "platform:workspace:channel", e.g. "slack:T1:C1"
    cron: str = ""  # five fields, e.g. "0 9 * * 1-5"
    timezone: str = "UTC"  # IANA name the cron is read in
    period: str = "1d"  # what each digest covers, as `/digest` takes it


@dataclass(frozen=True)
class DigestConfig:
    """Channel digests: what is kept for them, how stories are grouped, when they are posted."""

    enabled: bool = True
    retention_days: int = field(default=30, metadata=_range(1, 365))
    prune_interval_seconds: float = field(default=3600.0, metadata=_range(10, 86_400))
    max_stories: int = field(default=25, metadata=_range(1, 100))
    similarity_threshold: float = field(default=0.88, metadata=_range(0.5, 1.0))
    schedules: tuple[DigestSchedule, ...] = ()


@dataclass(frozen=True)
class FeedSubscriptionConfig:
    """A feed an operator has a channel follow: `channel = "slack:T1:C1"`, `url = "https://…"`."""

    channel: str = ""
    url: str = ""
    #: New stories go only into the channel's digest, never posted.
    quiet: bool = False


@dataclass(frozen=True)
class FeedsConfig:
    """RSS/Atom feeds followed in channels (`/feed`), polled politely (see README)."""

    enabled: bool = True
    #: Seconds between polls of one feed, jittered by `poll_jitter` (a fraction) either way.
    poll_interval: float = field(default=900.0, metadata=_range(10, 86_400))
    poll_jitter: float = field(default=0.1, metadata=_range(0, 0.5))
    #: Longest wait after repeated failures (the backoff doubles up to this).
    max_backoff: float = field(default=6 * 3600.0, metadata=_range(60, 7 * 86_400))
    #: A feed failing for this long (seconds) is paused and its channels told once.
    pause_after: float = field(default=86_400.0, metadata=_range(60, 30 * 86_400))
    #: A new subscription posts only this many of the feed's latest items.
    initial_items: int = field(default=3, metadata=_range(0, 20))
    #: Feed posts per channel per hour; items over it wait for the next hour.
    posts_per_hour: int = field(default=10, metadata=_range(1, 1_000))
    max_feeds_per_channel: int = field(default=20, metadata=_range(1, 1_000))
    #: Slack user ids allowed to use /feed add and remove; empty = everyone in the channel.
    #: (Discord: members with Manage Channels, set on the command itself.)
    slack_subscribers: tuple[str, ...] = ()
    subscriptions: tuple[FeedSubscriptionConfig, ...] = ()


@dataclass(frozen=True)
class Config:
    summarizer: SummarizerConfig = SummarizerConfig()
    fetch: FetchConfig = FetchConfig()
    cache: CacheConfig = CacheConfig()
    policy: PolicyConfig = PolicyConfig()
    service: ServiceConfig = ServiceConfig()
    slack: SlackConfig = SlackConfig()
    discord: DiscordConfig = DiscordConfig()
    log: LogConfig = LogConfig()
    ops: OpsConfig = OpsConfig()
    digest: DigestConfig = DigestConfig()
    feeds: FeedsConfig = FeedsConfig()
    questions: QuestionsConfig = QuestionsConfig()


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a TOML file; `None` gives the defaults."""
    if path is None:
        return Config()
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    return config_from_dict(data)


def config_from_dict(data: dict[str, Any]) -> Config:
    """Validate every key; all problems are reported together in one `InvalidConfig`."""
    problems: list[str] = []
    config = _build(Config, data, "", problems)
    if config.digest.schedules:
        from bot.digests.calendar import schedule_problems  # croniter loads only here

        problems.extend(schedule_problems(config.digest))
    if problems:
        raise InvalidConfig(problems)
    return config


class InvalidConfig(ConfigError):
    """Every problem found in a config, so one run of `check-config` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        if len(problems) == 1:
            message = problems[0]
        else:
            message = f"{len(problems)} problems in the config:\n" + "\n".join(
                f"  - {p}" for p in problems
            )
        super().__init__(message)


def replace(obj: Any, **changes: Any) -> Any:
    """`dataclasses.replace` that keeps validation (for CLI overrides)."""
    return dataclasses.replace(obj, **changes)


def secret(name: str, *, required_for: str) -> str:
    """A secret from the environment; missing → ConfigError naming the variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{required_for} needs the environment variable {name}; it is not set")
    return value


# --- validation -------------------------------------------------------------------------------


def _build(cls: type, data: Any, prefix: str, problems: list[str]) -> Any:
    """The dataclass from `data`; a bad key is noted in `problems` and left at its default."""
    if not isinstance(data, dict):
        problems.append(f"{prefix or 'config'}: expected a table, got {_typename(data)}")
        return cls()
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for name, value in data.items():
        key = _join(prefix, name)
        if name not in fields:
            problems.append(_unknown_key(key, name, list(fields)))
            continue
        try:
            values[name] = _coerce(hints[name], value, key, fields[name].metadata, problems)
        except ConfigError as exc:
            problems.append(str(exc))
    return cls(**values)


def _unknown_key(key: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:  # a typo: the one likely key says more than the whole list
        return f"unknown config key {key!r}; did you mean {close[0]!r}?"
    return f"unknown config key {key!r}; known keys here: {', '.join(known)}"


def _coerce(hint: Any, value: Any, key: str, meta: Any, problems: list[str]) -> Any:
    """`value` checked against `hint`; raises ConfigError for it, or notes nested problems."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key, problems)
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            allowed = " | ".join(repr(c) for c in choices)
            raise ConfigError(f"{key} must be one of {allowed}, got {value!r}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, got {_typename(value)}")
        (item,) = typing.get_args(hint)[:1]
        numbered = ((i, f"{key}[{i}]", v) for i, v in enumerate(value))
        return tuple(_good_items(item, numbered, problems).values())
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a table, got {_typename(value)}")
        _, item = typing.get_args(hint)
        named = ((str(k), _join(key, str(k)), v) for k, v in value.items())
        return types.MappingProxyType(_good_items(item, named, problems))
    if origin in (typing.Union, types.UnionType):
        raise TypeError(f"unsupported config type for {key}: {hint}")
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer, got {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number, got {value!r}")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string, got {value!r}")
        return value
    lo, hi = (meta or {}).get("min"), (meta or {}).get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{key} must be between {lo} and {hi}, got {value!r}")
    return value


def _good_items(hint: Any, items: Iterable[tuple[Any, str, Any]], problems: list[str]) -> dict:
    """(name, key, value) checked one by one: the good ones by name, each bad one noted."""
    good = {}
    for name, key, value in items:
        try:
            good[name] = _coerce(hint, value, key, {}, problems)
        except ConfigError as exc:
            problems.append(str(exc))
    return good


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _typename(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string"}.get(type(value), type(value).__name__)
