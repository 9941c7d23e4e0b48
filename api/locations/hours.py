"""Opening hours: a small stored form, parsers for dataset text, and "open now" in Asia/Seoul.

Stored form (JSON): `{"mon": [["09:00", "18:00"]], "tue": [], ...}` — a weekday key with an empty
list means closed that day; a missing key means unknown. An optional `"weeks": {"thu": [1, 3, 5]}`
limits a day to those weeks of the month (the n-th such weekday: "(1,3,5주)" in the KECO file).
A range whose end is not after its start runs past midnight ("15:00"-"04:00"). Public holidays are
not modelled (no holiday calendar).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Hours = dict[str, Any]

_RANGE = re.compile(r"(\d{1,2})\s*[:시]\s*(\d{2})?\s*분?\s*[~\-–]\s*(\d{1,2})\s*[:시]\s*(\d{2})?")
_CLOSED_WORDS = ("휴무", "휴업", "closed", "휴일")


def _hhmm(hour: str, minute: str | None) -> str | None:
    h, m = int(hour), int(minute or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        return None
    return f"{h:02d}:{m:02d}"


WEEKS_KEY = "weeks"
_WEEKS = re.compile(r"\(\s*([1-5](?:\s*,\s*[1-5])*)\s*주\s*\)")
_ALWAYS = ("상시", "24시간")


def parse_weeks(text: str | None) -> list[int]:
    """`"10:00~12:00 (1,3,5주)"` -> `[1, 3, 5]`; no week list -> `[]` (every week)."""
    match = _WEEKS.search(text or "")
    return sorted({int(n) for n in re.findall(r"[1-5]", match[1])}) if match else []


def parse_day_text(text: str | None) -> list[list[str]] | None:
    """`"11:00 ~ 14:00"` -> `[["11:00", "14:00"]]`; `"휴무"` -> `[]`; `"상시"` (always) -> all day;
    blank or unreadable -> None."""
    if text is None or not text.strip():
        return None
    if text.strip() in _ALWAYS:
        return [["00:00", "24:00"]]
    ranges = []
    for match in _RANGE.finditer(text):
        start, end = _hhmm(match[1], match[2]), _hhmm(match[3], match[4])
        if start and end:
            ranges.append([start, end])
    if ranges:
        return ranges
    if any(word in text.lower() for word in _CLOSED_WORDS):
        return []
    if "24시간" in text:
        return [["00:00", "24:00"]]
    return None


_SPEC_DAYS = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?$")


def parse_spec(spec: str) -> Hours:
    """The generic-CSV form: `"mon-fri 09:00-18:00; sat 10:00-13:00; sun closed"` (also `daily`).

    Raises ValueError naming the part that could not be read.
    """
    hours: Hours = {}
    for raw in spec.split(";"):
        part = raw.strip().lower()
        if not part:
            continue
        days_text, _, value = part.partition(" ")
        if days_text == "daily":
            days = list(WEEKDAYS)
        else:
            match = _SPEC_DAYS.match(days_text)
            if not match:
                raise ValueError(f"unknown day(s) {days_text!r} in opening hours {part!r}")
            first = WEEKDAYS.index(match[1])
            last = WEEKDAYS.index(match[2]) if match[2] else first
            days = [WEEKDAYS[i % 7] for i in range(first, last + 1 if last >= first else last + 8)]
        parsed = parse_day_text(value)
        if parsed is None:
            raise ValueError(f"cannot read the time range in opening hours {part!r} (use HH:MM-HH:MM)")
        for day in days:
            hours.setdefault(day, []).extend(parsed)
    return hours


def _minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def is_open(hours: Hours | None, now: datetime) -> bool | None:
    """True/False when `hours` says so for `now` (converted to Asia/Seoul); None when unknown."""
    if not hours:
        return None
    local = now.astimezone(SEOUL)
    minute = local.hour * 60 + local.minute
    today = WEEKDAYS[local.weekday()]
    yesterday = WEEKDAYS[(local - timedelta(days=1)).weekday()]
    for start, end in hours.get(yesterday, []):
        s, e = _minutes(start), _minutes(end)
        if e <= s and minute < e:  # yesterday's overnight range spills into today
            return True
    if today not in hours:
        return None
    weeks = (hours.get(WEEKS_KEY) or {}).get(today)
    if weeks and (local.day - 1) // 7 + 1 not in weeks:
        return False
    for start, end in hours[today]:
        s, e = _minutes(start), _minutes(end)
        if (s < e and s <= minute < e) or (e <= s and minute >= s):
            return True
    return False
