"""`newsbot` command line: summarize a file, URL or stdin; batch JSONL; ask; check a config.

Exit codes: 0 ok, 1 failure with one clear line on stderr (a traceback only with --debug),
2 usage error, 130 interrupted, 141 output closed early (`newsbot ... | head -1`).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
import textwrap
import threading
import typing
from collections.abc import Sequence
from pathlib import Path

from bot.cli_batch import decode
from bot.cli_output import cli_message, error_json, print_plain, result_json
from bot.config import CacheConfig, Config, InvalidConfig, LogConfig, load_config, replace
from bot.errors import BotError, UsageError
from bot.logs import setup_logging
from bot.urls import looks_like_url
from summarizer import SummarizerConfig

log = logging.getLogger("newsbot")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
#: 128 + SIGPIPE, what a shell reports for a C tool whose reader went away.
EXIT_PIPE = 141
#: Bytes read from a file or stdin at most; longer input is cut (the summarizer truncates
#: further to summarizer.max_input_chars and says so).
MAX_INPUT_BYTES = 5_000_000
DEBUG_HELP = "show tracebacks and debug logs"
BACKENDS = typing.get_args(typing.get_type_hints(SummarizerConfig)["backend"])

EXIT_CODES = """exit codes:
  0    success
  1    failure, one line on stderr (batch: at least one line failed; their rows say why)
  2    usage error: bad option, missing input file or output folder
  130  interrupted (Ctrl-C)
  141  the output was closed early (e.g. piped into head)"""


def _files_help() -> str:
    cache = CacheConfig()
    return (
        f"files:\n  summary cache      {cache.cache_dir()}\n"
        f"  votes, rate limits {cache.state_dir()}\n"
        "  [cache] data_dir in the config (or $NEWSBOT_DATA_DIR) puts both in one folder."
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description=__doc__.splitlines()[0],
        epilog=f"{EXIT_CODES}\n\n{_files_help()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    s = _subcommand(sub, "summarize", "summarize a text file, '-' for stdin, or a URL")
    s.add_argument("source", help="PATH, '-' (stdin) or an http(s) URL")
    _common(s)
    s.add_argument("--json", action="store_true", help="print the result (or error) as JSON")
    s.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")

    b = _subcommand(
        sub,
        "batch",
        "summarize every line of a JSONL file",
        "Each input line is an object with an 'id' and either a 'text' or a 'url' (fetched "
        "like `summarize URL`). Each output line has the id, the fields of `summarize --json` "
        "and 'error' (null when it worked), in input order.",
    )
    b.add_argument("input", help="JSONL file to read, or '-' for stdin")
    b.add_argument("output", help="JSONL file to write (its folder must exist), or '-' for stdout")
    _common(b)

    g = _subcommand(
        sub,
        "digest",
        "digest links and text files by story, or a stored channel (--channel)",
        "Summarizes each INPUT (URLs through the cache, text files, '-' for one URL per line "
        "on stdin) and prints them grouped into stories, best first; or prints the digest of a "
        "channel the bot recorded: --channel slack:T1:C1 --since 7d.",
    )
    g.add_argument("inputs", nargs="*", metavar="INPUT", help="URL, text file or '-'")
    g.add_argument("--channel", help="a recorded channel, platform:workspace:channel")
    g.add_argument("--since", default="7d", help="with --channel: today, week or Nd (7d)")
    g.add_argument("--json", action="store_true", help='print {"stories": [...]} as JSON')
    _common(g)

    c = _subcommand(sub, "check-config", "validate a config file and print a summary")
    c.add_argument(
        "file", nargs="?", type=Path,
        help="config TOML file (default: --config, else $NEWSBOT_CONFIG, else the built-in "
        "defaults: the config `newsbot run` would use)",
    )  # fmt: skip
    _config_option(c)

    r = _subcommand(sub, "run", "start the configured chat platforms")
    _config_option(r)

    f = _subcommand(sub, "feed", "feed check URL: what the bot would post from a feed (dry run)")
    f.add_argument("action", choices=["check"], help="check: show the feed and its latest items")
    f.add_argument("url", help="the feed's URL, or a page that links to its feed")
    _config_option(f)
    f.add_argument("--channel", help='check against what a channel has seen, e.g. "slack:T1:C1"')

    from bot.cli_ask import add_parser as add_ask

    add_ask(sub, _subcommand)

    d = _subcommand(sub, "discord-sync", "register the Discord slash and context commands")
    _config_option(d)
    d.add_argument("--guild", type=int, help="sync to one guild (instant) instead of globally")
    return parser


def _subcommand(
    sub: argparse._SubParsersAction, name: str, help_: str, description: str | None = None
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=help_,
        description=textwrap.fill(description or help_, 79),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # SUPPRESS: `newsbot --debug summarize` must not be undone by the subcommand's default
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bullets", type=_bullets, help="number of bullets (1-10)")
    _config_option(p)
    p.add_argument("--backend", choices=BACKENDS, help="summarizer backend (overrides the config)")


def _config_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="config TOML file (default: $NEWSBOT_CONFIG)")


def _version() -> str:
    from importlib import metadata  # scans every installed package: only for --version

    try:
        return metadata.version("newsbot")
    except metadata.PackageNotFoundError:  # run from a source tree without `pip install`
        return "(not installed)"


class _VersionAction(argparse.Action):
    """`--version`, looked up only when asked for (argparse's own wants it up front)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: typing.Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"newsbot {_version()}")
        parser.exit()


def _bullets(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 10") from None
    if not 1 <= n <= 10:
        raise argparse.ArgumentTypeError("must be between 1 and 10")
    return n


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code is documented in the module docstring and `--help`."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a closed pipe surfaces here, not as noise at interpreter exit
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_PIPE


def entry() -> typing.NoReturn:
    """The `newsbot` command: `main`, then an exit without the interpreter's teardown when
    nothing is left running. Freeing every module's objects one by one (numpy, the token
    vectors, the language packs) would add 50-150 ms to each one-shot command."""
    code = main()
    if _nothing_left_running():
        logging.shutdown()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            raise SystemExit(code) from None  # let the normal exit deal with the stream
        os._exit(code)
    raise SystemExit(code)


def _nothing_left_running() -> bool:
    """No other thread and no child process: the command has closed all it opened."""
    if threading.active_count() > 1:
        return False
    multiprocessing = sys.modules.get("multiprocessing")
    return multiprocessing is None or not multiprocessing.active_children()


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    # masked logging from the first line on; `run` re-configures it from the config file
    setup_logging(LogConfig(level="WARNING"), debug=args.debug)
    try:
        return _dispatch(args)
    except UsageError as exc:
        _report(args, exc.kind, str(exc))
        return EXIT_USAGE
    except BotError as exc:
        if args.debug:
            raise
        _report(args, exc.kind, str(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception as exc:  # noqa: BLE001 - the promise is one clear line, not a traceback
        if args.debug:
            raise
        _report(args, "unexpected", f"unexpected error: {exc.__class__.__name__}: {exc}")
        return EXIT_FAILURE


def _report(args: argparse.Namespace, kind: str, message: str) -> None:
    """The failure on stderr, and with --json also as a JSON object on stdout."""
    message = cli_message(message, url=looks_like_url(getattr(args, "source", "") or ""))
    print(f"newsbot: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps(error_json(kind, message), ensure_ascii=False, indent=2))


def _stdout_to_devnull() -> None:
    """After EPIPE, point stdout at /dev/null so Python's exit flush can't fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (tests capture it): nothing will flush to a pipe


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check-config":
        if args.file and args.config and args.file != args.config:
            raise UsageError("give the config file once: as FILE or as --config")
        return _check_config(args.file or _config_path(args))
    config = _config(args)
    if args.command == "summarize":
        return asyncio.run(_summarize(args, config))
    if args.command == "batch":
        return _batch(args, config)
    if args.command == "digest":
        return _digest(args, config)
    if args.command == "ask":
        from bot.cli_ask import run_ask

        return asyncio.run(run_ask(args, _one_shot(config), _read_source))
    if args.command == "run":
        from bot.runtime import run

        setup_logging(config.log, debug=args.debug)
        return asyncio.run(run(config))
    if args.command == "feed":
        from bot.cli_feed import feed_check

        return asyncio.run(feed_check(args, config))
    if args.command == "discord-sync":
        from bot.adapters.discord import sync_commands

        return asyncio.run(sync_commands(config, guild_id=args.guild))
    raise UsageError(f"unknown command {args.command}")


def _config_path(args: argparse.Namespace) -> Path | None:
    """--config, else $NEWSBOT_CONFIG, else None (the built-in defaults)."""
    chosen = getattr(args, "config", None) or os.environ.get("NEWSBOT_CONFIG") or None
    return Path(chosen) if chosen else None


def _config(args: argparse.Namespace) -> Config:
    config = load_config(_config_path(args))
    backend = getattr(args, "backend", None)
    if backend:
        config = replace(config, summarizer=replace(config.summarizer, backend=backend))
    return config


def _check_config(path: Path | None) -> int:
    where = path or "built-in defaults"
    try:
        config = load_config(path)
    except InvalidConfig as exc:
        # every problem on its own line, so one run is enough to fix them all
        count = len(exc.problems)
        print(f"newsbot: {where}: {count} problem{'s' if count > 1 else ''}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"{where}: OK")
    print(f"  summarizer: {config.summarizer.backend} ({config.summarizer.bullets} bullets)")
    print(f"  cache: {config.cache.backend}")
    print(f"  slack: {'on, ' + config.slack.mode if config.slack.enabled else 'off'}")
    print(f"  discord: {'on' if config.discord.enabled else 'off'}")
    digest = config.digest
    if digest.enabled:
        schedules = len(digest.schedules)
        print(f"  digests: on, kept {digest.retention_days} days, {schedules} schedule(s)")
    else:
        print("  digests: off")
    if config.feeds.subscriptions:
        from bot.feeds import configured_subscriptions

        configured_subscriptions(config)  # a malformed channel or URL is a ConfigError here too
    print(f"  feeds: {'on' if config.feeds.enabled else 'off'}, "
          f"{len(config.feeds.subscriptions)} configured")  # fmt: skip
    return EXIT_OK


def _one_shot(config: Config) -> Config:
    """A single run and exit: a separate model process would only add its start-up time."""
    return replace(config, summarizer=replace(config.summarizer, isolation="thread"))


async def _summarize(args: argparse.Namespace, config: Config) -> int:
    from bot.service_setup import open_service

    source: str = args.source
    is_url = looks_like_url(source)
    text, cut = (None, False) if is_url else _read_source(source)
    if args.no_cache:
        config = replace(config, cache=replace(config.cache, backend="none"))
    async with open_service(_one_shot(config)) as service:
        if is_url:
            result = await service.summarize_url(
                source, bullets=args.bullets, use_cache=not args.no_cache
            )
        else:
            assert text is not None
            result = await service.summarize_text(text, bullets=args.bullets)
    if cut:
        result = dataclasses.replace(result, truncated=True)
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        print_plain(result, sys.stdout)
    return EXIT_OK


def _read_source(source: str) -> tuple[str, bool]:
    """The text of a file or stdin, and whether it was cut at MAX_INPUT_BYTES."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(source)
        if source.startswith(("file:", "ftp:", "gopher:", "data:", "javascript:")):
            raise UsageError("only http and https links can be summarized")
        if not path.is_file():
            raise UsageError(f"{source}: no such file (give a text file, '-' or a URL)")
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    return decode(data[:MAX_INPUT_BYTES]), len(data) > MAX_INPUT_BYTES


def _batch(args: argparse.Namespace, config: Config) -> int:
    from bot.cli_batch import check_paths, run_batch

    check_paths(args.input, args.output)  # before the model loads
    failed, total = asyncio.run(run_batch(_one_shot(config), args.input, args.output, args.bullets))
    if failed:
        print(f"newsbot: {failed} of {total} lines failed (their rows say why)", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _digest(args: argparse.Namespace, config: Config) -> int:
    from bot import cli_digest

    if args.channel and args.inputs:
        raise UsageError("give INPUTs or --channel, not both")
    if args.channel:
        digest = asyncio.run(cli_digest.digest_channel(config, args.channel, args.since))
    else:
        items = cli_digest.read_inputs(args.inputs, sys.stdin)
        digest = asyncio.run(cli_digest.digest_inputs(_one_shot(config), items, args.bullets))
    cli_digest.emit(digest, args.json, sys.stdout)
    return EXIT_OK
