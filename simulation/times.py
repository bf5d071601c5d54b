"""Scenario times: ``+<n><unit>`` offsets from the scenario's start, or absolute ISO 8601 instants.

Units are m (minutes), h (hours), d (days of 24 hours) and w (weeks); they can be combined
largest first, e.g. ``+18h01m`` or ``+1w2d``. Absolute times must carry a UTC offset, because
a wall-clock time alone is ambiguous across the October clock change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pydantic_core import PydanticCustomError

Moment = timedelta | datetime
"""An offset from the scenario's start, or an absolute, timezone-aware instant."""

_OFFSET = re.compile(r"\+(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?")
_OFFSET_HELP = "use +<n><unit> with unit m, h, d or w (e.g. +90m, +26h, +8d, +18h01m)"
_INSTANT_HELP = "an ISO 8601 date and time with a UTC offset, e.g. 2026-12-21T09:00:00+00:00"


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("scenario_time", message)


def parse_instant(value: object) -> datetime:
    """An absolute instant; YAML may already have read an unquoted one as a datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _invalid(f"'{value}' is not {_INSTANT_HELP}") from None
    if not isinstance(value, datetime):
        raise _invalid(f"expected {_INSTANT_HELP}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _invalid(f"'{value.isoformat()}' has no UTC offset; write {_INSTANT_HELP}")
    return value.astimezone(UTC)


def parse_moment(value: object) -> Moment:
    """``+<n><unit>`` (an offset from the start) or an absolute instant."""
    if isinstance(value, str) and value.strip().startswith("+"):
        match = _OFFSET.fullmatch(value.strip())
        if match is None or not any(match.groupdict().values()):
            raise _invalid(f"'{value}' is not a valid offset; {_OFFSET_HELP}")
        parts = {unit: int(amount or 0) for unit, amount in match.groupdict().items()}
        return timedelta(weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"])
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _invalid(f"'{value}' has no unit; {_OFFSET_HELP}")
    try:
        return parse_instant(value)
    except PydanticCustomError:
        raise _invalid(
            f"'{value}' is neither an offset ({_OFFSET_HELP}) nor {_INSTANT_HELP}"
        ) from None


def resolve(moment: Moment, start: datetime) -> datetime:
    return start + moment if isinstance(moment, timedelta) else moment


def format_offset(delta: timedelta) -> str:
    """The inverse of an offset, for display: ``+3d``, ``+18h01m``, ``-2h`` before the start."""
    sign = "-" if delta < timedelta(0) else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "")
    if minutes or not text:
        text += f"{minutes:02d}m" if text else f"{minutes}m"
    return sign + text
