"""A feed's date string -> an aware UTC datetime, or None when it names no instant.

feedparser-rs drops UTC offsets it does not expect ("-05:00" in an RFC 822 date, "+05:30") and reads no long
month names, weekdays, zone names or asctime forms; feedparser reads more, but knows few zone names (CET is UTC
to it) and accepts impossible times ("25:14"). This reads the two shapes feeds use (RFC 822 and W3C/ISO 8601)
strictly, with the zone names feeds are seen to carry (a name it does not know is UTC, as in feedparser), and
leaves the rare rest (two-digit ISO years, Korean, Greek and Hungarian dates, Perforce's) to feedparser's handlers.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

log = logging.getLogger(__name__)

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# Zone names seen in feeds, in hours east of UTC. US names without the S/D (ET, PT) are taken as standard time, as
# feedparser does; IST is India's (the common one in feeds), MET/MEST as CET/CEST.
_ZONES = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "etc/gmt": 0, "etc/utc": 0,
    "bst": 1, "cet": 1, "met": 1, "west": 1, "cest": 2, "mest": 2, "eet": 2, "eest": 3, "msk": 3,
    "ist": 5.5, "ict": 7, "wib": 7, "hkt": 8, "sgt": 8, "awst": 8, "cst8": 8, "jst": 9, "kst": 9,
    "acst": 9.5, "acdt": 10.5, "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
    "nst": -3.5, "ndt": -2.5, "ast": -4, "adt": -3, "at": -4,
    "est": -5, "edt": -4, "et": -5, "cst": -6, "cdt": -5, "ct": -6,
    "mst": -7, "mdt": -6, "mt": -7, "pst": -8, "pdt": -7, "pt": -8,
    "akst": -9, "akdt": -8, "hst": -10,
    "a": -1, "n": 1, "m": -12, "y": 12,  # RFC 822's military letters, with feedparser's signs
}  # fmt: skip
_DAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?"
_ZONE = r"(?:(?P<sign>[+-])(?P<zh>\d{2}):?(?P<zm>\d{2})|(?P<name>[a-z]{1,5}|etc/(?:gmt|utc))(?:(?P<gsign>[+-])(?P<gh>\d{1,2})(?::?(?P<gm>\d{2}))?)?)"
_TIME = r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?(?:\s*(?P<ampm>[ap])\.?m\.?(?![a-z]))?"
# "Fri, 1 Mar 2024 10:00:00 -0500", "Friday, 01 March 2024 10:00 EST", "Mon, 13 Feb, 2012 06:28 UTC", no time.
_RFC822 = re.compile(
    rf"{_DAY}(?P<d>\d{{1,2}})[\s-]+(?P<mon>[a-z]{{3,9}})\.?,?[\s-]+(?P<y>\d{{2}}|\d{{4}})"
    rf"(?:,?\s+{_TIME}(?:\s*{_ZONE})?)?",
    re.I,
)
# "March 1, 2024 10:00 EST" and asctime: "Fri Mar  1 10:00:00 2024", "Thu Aug 30 2012 17:26:16 +0200",
# "Sun Jul 15 01:16:00 +0000 2012".
_MONTH_FIRST = re.compile(
    rf"{_DAY}(?P<mon>[a-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?:(?P<y>\d{{4}}),?\s*)?"
    rf"(?:{_TIME})?(?:\s*{_ZONE})?(?:\s+(?P<y3>\d{{4}}))?",
    re.I,
)
# W3C-DTF and ISO 8601: "2024-03-01T10:00:00.5+05:30", "2024-03-01 10:00:00 -05:00", "2003-12", "2003".
_W3C = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mon>\d{2})(?:-(?P<d>\d{2})(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?:(?P<z>Z)|(?P<sign>[+-])(?P<zh>\d{2}):?(?P<zm>\d{2})?)?)?)?)?",
    re.I,
)
_W3C_COMMON = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:[Zz]|[+-]\d\d:\d\d)?")
_ISO_SHAPED = re.compile(r"\d{4}-")


def _zone(m: re.Match[str]) -> timedelta | None:
    """The match's UTC offset; None for an impossible numeric one ("+25:00")."""
    if m["sign"]:
        hours, minutes = int(m["zh"]), int(m["zm"] or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        return -offset if m["sign"] == "-" else offset
    name = (m["name"] or "").lower()
    if not name:
        return timedelta(0)
    # A zone name we do not know is read as UTC, as feedparser reads it: a date a few hours off sorts a story
    # better than none, and the names feeds use are in _ZONES.
    offset = timedelta(hours=_ZONES.get(name, 0))
    if m["gsign"]:  # "GMT-01:01"
        extra = timedelta(hours=int(m["gh"]), minutes=int(m["gm"] or 0))
        offset += -extra if m["gsign"] == "-" else extra
    return offset


def _build(year: int, month: int, day: int, h: int, mi: int, s: int, offset: timedelta | None) -> datetime | None:
    if offset is None or h > 24 or mi > 59 or s > 60:
        return None
    extra = timedelta(0)
    if h == 24 and mi == 0 and s == 0:  # the end of a day, as ISO 8601 allows
        h, extra = 0, timedelta(days=1)
    elif h == 24:
        return None
    if s == 60:  # a leap second
        s, extra = 59, timedelta(seconds=1)
    try:
        local = datetime(year, month, day, h, mi, s, tzinfo=timezone(offset))
    except (ValueError, OverflowError):
        return None
    try:
        return (local + extra).astimezone(UTC)
    except OverflowError:
        return None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _named(m: re.Match[str], year: str) -> datetime | None:
    month = _MONTHS.get(m["mon"].lower().rstrip("."))
    if month is None:
        return None
    hour = int(m["h"] or 0)
    if m["ampm"]:  # "10:00 PM": a 12-hour clock
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["ampm"].lower() == "p" else 0)
    return _build(_year(year), month, int(m["d"]), hour, int(m["mi"] or 0), int(m["s"] or 0), _zone(m))


@lru_cache(maxsize=1024)  # an entry's published and updated are often one string; feeds repeat them
def parse_date(text: str) -> datetime | None:
    """The instant a feed's date string names, in UTC; None when it names none (or an impossible one)."""
    text = text.strip()
    if not text or len(text) > 100:
        return None
    if len(text) >= 19 and text[4] == "-" and text[10] == "T" and _W3C_COMMON.fullmatch(text):
        # The commonest shape, read by C: "2024-03-01T10:00:00Z", "…T10:00:00.123+05:30".
        try:
            when = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            return None
        when = when.replace(microsecond=0)  # as feedparser: whole seconds
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    m = _W3C.fullmatch(text)
    if m:
        offset = timedelta(0)
        if m["sign"]:
            hours, minutes = int(m["zh"]), int(m["zm"] or 0)
            if hours > 23 or minutes > 59:
                return None
            offset = timedelta(hours=hours, minutes=minutes) * (-1 if m["sign"] == "-" else 1)
        return _build(
            int(m["y"]),
            int(m["mon"] or 1),
            int(m["d"] or 1),
            int(m["h"] or 0),
            int(m["mi"] or 0),
            int(m["s"] or 0),
            offset,
        )
    if _ISO_SHAPED.match(text) and text.isascii():
        # ISO-shaped but not ISO: "2013-01-27-01", "2013-xx-27", "…T09:xx:00Z". The odd valid ones
        # ("2003-012-31T…", ordinal dates) are feedparser's; it reads the invalid ones as something else.
        return (
            _feedparser_date(text)
            if re.fullmatch(r"\d{4}-\d{3}(?:-\d{2})?(?:T[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?", text)
            else None
        )
    m = _RFC822.fullmatch(text.replace(",", ", ") if "," in text else text)  # "Fri,24 Nov 2023 …" too
    if m:
        return _named(m, m["y"])
    m = _MONTH_FIRST.fullmatch(text)
    if m and (m["y"] or m["y3"]) and not (m["y"] and m["y3"]):
        return _named(m, m["y"] or m["y3"])
    return _feedparser_date(text)


def _feedparser_date(text: str) -> datetime | None:
    """feedparser's reading, for the rare shapes above do not take (its handlers, most specific first)."""
    import calendar

    from feedparser import datetimes as fpd

    handlers = (
        (fpd._parse_date_hungarian, fpd._parse_date_greek, fpd._parse_date_nate, fpd._parse_date_onblog)
        if not text.isascii()
        else (fpd._parse_date_rfc822, fpd._parse_date_iso8601, fpd._parse_date_perforce, fpd._parse_date_asctime)
    )
    for handler in handlers:
        try:
            parsed = handler(text)
        except (ValueError, OverflowError, IndexError, KeyError, TypeError) as exc:  # its handlers raise on odd input
            log.debug("date %r: feedparser's %s raised %r", text, handler.__name__, exc)
            continue
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                return None
    return None
