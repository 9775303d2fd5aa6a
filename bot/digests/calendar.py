"""When scheduled digests fire: cron in a time zone (croniter + zoneinfo), checked at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from bot.digests.period import Period, parse_period
from bot.errors import UsageError


class Schedule(Protocol):
    """What a schedule says (`bot.config.DigestSchedule`); config validates through this module,
    so it is read here without importing config back."""

    channel: str
    cron: str
    timezone: str
    period: str


class Schedules(Protocol):
    """`bot.config.DigestConfig` as far as schedules go."""

    schedules: Sequence[Schedule]
    retention_days: int


@dataclass(frozen=True)
class Calendar:
    """One schedule, parsed: its channel, cron in its zone, and the period each post covers."""

    channel: str
    cron: str
    zone: ZoneInfo
    period: Period

    def latest_fire(self, now: float) -> float:
        """The last fire time at or before `now` (unix seconds)."""
        start = datetime.fromtimestamp(now, self.zone)
        before = croniter(self.cron, start).get_prev(datetime)  # strictly before `now`
        at = croniter(self.cron, before).get_next(datetime)  # `now` itself, if it is a fire time
        return (at if at <= start else before).timestamp()

    def next_fire(self, now: float) -> float:
        """The first fire time after `now`."""
        return croniter(self.cron, datetime.fromtimestamp(now, self.zone)).get_next(
            datetime
        ).timestamp()


def calendar_of(schedule: Schedule, retention_days: int) -> Calendar:
    """Parse one schedule; a bad field raises ValueError naming it."""
    if schedule.channel.count(":") != 2 or not all(schedule.channel.split(":")):
        raise ValueError(("channel", "must be platform:workspace:channel, e.g. slack:T1:C1"))
    if not schedule.cron or not croniter.is_valid(schedule.cron) or len(schedule.cron.split()) != 5:
        raise ValueError(("cron", 'must be a five-field cron expression, e.g. "0 9 * * 1-5"'))
    try:
        zone = ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(("timezone", 'must be an IANA time zone, e.g. "Europe/Berlin"')) from None
    try:
        period = parse_period(schedule.period, retention_days)
    except UsageError as exc:
        raise ValueError(("period", exc.message.split(" Use ")[0])) from None
    return Calendar(schedule.channel, schedule.cron, zone, period)


def schedule_problems(config: Schedules) -> list[str]:
    """One line per bad field of `[[digest.schedules]]`, naming its key."""
    problems = []
    for i, schedule in enumerate(config.schedules):
        try:
            calendar_of(schedule, config.retention_days)
        except ValueError as exc:
            name, why = exc.args[0]
            value = getattr(schedule, name)
            problems.append(f"digest.schedules[{i}].{name} {why}; got {value!r}")
    return problems
