"""Feed bytes -> stories, with feedparser (RSS 0.9x/1.0/2.0, Atom)."""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser

from newsreader.model import Story

# A description longer than this (in characters of markup) is taken as the full story, not a teaser.
FULL_TEXT_CHARS = 1500
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)  # no web feed is older; earlier dates are junk
FUTURE_SLACK = timedelta(days=2)  # clocks and time zones drift; more than this ahead is junk


class FeedError(Exception):
    """The bytes are not a feed we can read; the message says what they are instead."""


@dataclass(slots=True)
class ParsedFeed:
    title: str = ""
    link: str = ""
    stories: list[Story] = field(default_factory=list)
    warning: str = ""  # recoverable trouble: malformed XML that still gave entries


def _date(parsed: Any, now: datetime) -> datetime | None:
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None
    if when < EARLIEST or when > now + FUTURE_SLACK:
        return None
    return when


def _authors(entry: Any) -> list[str]:
    names: list[str] = []
    for author in entry.get("authors") or []:
        name = (author.get("name") or author.get("email") or "").strip() if isinstance(author, dict) else ""
        if name and name not in names:
            names.append(name)
    if not names and entry.get("author"):
        names.append(str(entry["author"]).strip())
    return names


def _content(entry: Any) -> str:
    best = ""
    for part in entry.get("content") or []:
        value = part.get("value") or ""
        if len(value) > len(best):
            best = value
    summary = entry.get("summary") or ""
    if not best and len(summary) >= FULL_TEXT_CHARS:
        best = summary
    return best


def _key(entry: Any, link: str, title: str, when: datetime | None) -> str:
    guid = (entry.get("id") or "").strip()
    if guid:
        return guid
    if link:
        return link
    digest = hashlib.sha1(f"{title}\x00{when.isoformat() if when else ''}".encode()).hexdigest()
    return f"sha1:{digest}"


def entry_to_story(entry: Any, base_url: str, now: datetime | None = None) -> Story:
    """One feedparser entry -> a Story. Never raises on odd entries."""
    now = now or datetime.now(UTC)
    link = (entry.get("link") or "").strip()
    if link:
        link = urljoin(base_url, link)
    summary = entry.get("summary") or ""
    title = " ".join(str(entry.get("title") or "").split())
    published = _date(entry.get("published_parsed"), now)
    updated = _date(entry.get("updated_parsed"), now)
    if not title:
        # A title-less item (allowed in RSS 2.0): make one from the start of its text.
        text = " ".join(feedparser_strip(summary).split())
        title = (text[:80] + "…") if len(text) > 80 else (text or "(untitled)")
    return Story(
        key=_key(entry, link, title, published or updated),
        title=title,
        url=link,
        authors=_authors(entry),
        published=published,
        updated=updated,
        summary=summary,
        content=_content(entry),
    )


def feedparser_strip(html: str) -> str:
    """Markup dropped, for a fallback title only (the shown body goes through extract.html_to_markdown)."""
    out, depth = [], 0
    for ch in html:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def parse_feed(data: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse feed bytes. Raises FeedError when nothing feed-like can be recovered."""
    if not data.strip():
        raise FeedError("the server sent an empty response")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not version and not entries:
        head = data.lstrip()[:200].lower()
        if head.startswith((b"{", b"[")):
            raise FeedError("this is JSON, not an RSS or Atom feed")
        if b"<html" in head or b"<!doctype html" in head:
            raise FeedError("this is a web page, not a feed")
        raise FeedError(f"not an RSS or Atom feed ({problem or 'no feed elements found'})")
    now = datetime.now(UTC)
    feed = parsed.get("feed") or {}
    base = feed.get("link") or url
    stories = []
    for entry in entries:
        story = entry_to_story(entry, url, now)
        stories.append(story)
    warning = ""
    if problem is not None and not isinstance(problem, feedparser.CharacterEncodingOverride):
        warning = f"the feed is malformed; read what could be recovered ({problem})"
    return ParsedFeed(title=" ".join(str(feed.get("title") or "").split()), link=base, stories=stories, warning=warning)
