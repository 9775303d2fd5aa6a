"""`today`, `week`, `7d`, `12h`: the periods a digest can cover, and their time windows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import UsageError

USAGE = "Use `/digest [today|week|Nd] [private]`, e.g. `/digest 3d`."
_SPAN = re.compile(r"^(\d{1,4})\s*([dh])$")


@dataclass(frozen=True)
class Period:
    """A digest's period: the last `seconds`, or since midnight (UTC) for `today`."""

    label: str
    seconds: float
    since_midnight: bool = False

    def window(self, now: float) -> tuple[float, float]:
        """(since, until) in unix seconds for a digest asked for at `now`."""
        if self.since_midnight:
            day = datetime.fromtimestamp(now, UTC).date()
            return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp(), now
        return now - self.seconds, now


def parse_period(text: str, retention_days: int) -> Period:
    """The period `text` names; an unknown one, or one past the retention, is a UsageError."""
    word = text.strip().lower() or "week"
    if word in ("today", "day"):
        return Period("today", 86_400, since_midnight=True)
    if word == "week":
        period = Period("the last 7 days", 7 * 86_400)
    else:
        found = _SPAN.match(word)
        if not found or int(found.group(1)) == 0:
            raise UsageError(f"I don't know the period {text.strip()!r}. {USAGE}")
        n, unit = int(found.group(1)), found.group(2)
        seconds = n * (86_400 if unit == "d" else 3_600)
        noun = ("day" if unit == "d" else "hour") + ("s" if n != 1 else "")
        period = Period(f"the last {n} {noun}" if n != 1 else f"the last {noun}", seconds)
    if period.seconds > retention_days * 86_400:
        raise UsageError(
            f"I keep shared links for {retention_days} days, so a digest can cover at most "
            f"{retention_days}d. {USAGE}"
        )
    return period
