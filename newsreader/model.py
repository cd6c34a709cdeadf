"""Plain data: what a source, a story and an extracted article are. Imports nothing of ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def iso(when: datetime | None) -> str | None:
    """ISO 8601 for JSON output, or None."""
    return when.isoformat() if when else None


def local_time(when: datetime) -> str:
    """An instant as the reader reads it: their local time, with its zone (one format on every screen)."""
    return when.astimezone().strftime("%a %d %b %Y %H:%M %Z").strip()


@dataclass(slots=True)
class Source:
    """Something the reader subscribes to: a feed, or a listing page it scrapes."""

    url: str
    kind: str = "feed"  # "feed" | "scrape"
    title: str = ""
    id: int | None = None
    site_url: str = ""  # the page the feed was discovered on, if any
    etag: str = ""
    last_modified: str = ""
    error: str = ""  # last refresh's error, "" when it went well
    warning: str = ""  # recoverable trouble (malformed XML, ...)
    full_text: bool = True  # fetch and extract each story's page at refresh time
    backoff_until: datetime | None = None  # from Retry-After on 429/503
    last_refresh: datetime | None = None
    unread: int = 0
    total: int = 0
    folder: str = ""  # "Tech/Python": "/" separates the levels; "" is the top level
    tags: list[str] = field(default_factory=list)  # the reader's own tags of the source

    @property
    def name(self) -> str:
        return self.title or self.url

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "title": self.title,
            "site_url": self.site_url or None,
            "unread": self.unread,
            "total": self.total,
            "error": self.error or None,
            "warning": self.warning or None,
            "last_refresh": iso(self.last_refresh),
            "folder": self.folder,
            "tags": list(self.tags),
        }


def folder_path(path: str) -> str:
    """One spelling of a folder path: its levels stripped, empty ones dropped, joined by "/"."""
    return "/".join(part.strip() for part in path.split("/") if part.strip())


@dataclass(frozen=True, slots=True)
class Folder:
    """The stories of a folder's sources, its subfolders' included (a choice in the sources pane)."""

    path: str


@dataclass(frozen=True, slots=True)
class Tag:
    """The stories tagged so (by their page), and those of sources the reader tagged so."""

    name: str


# What a headline list shows: every story (None), one source's (its id), a folder's or a tag's.
Selection = int | Folder | Tag | None


@dataclass(slots=True)
class Image:
    url: str
    caption: str = ""


@dataclass(slots=True)
class Related:
    title: str
    url: str


@dataclass(slots=True)
class Article:
    """What extraction made of a story's own page."""

    url: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    site: str = ""
    section: str = ""
    tags: list[str] = field(default_factory=list)
    image: Image | None = None
    text: str = ""  # body as Markdown
    links: list[str] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "authors": list(self.authors),
            "published": iso(self.published),
            "updated": iso(self.updated),
            "site": self.site,
            "section": self.section,
            "tags": list(self.tags),
            "image": {"url": self.image.url, "caption": self.image.caption} if self.image else None,
            "text": self.text,
            "links": list(self.links),
            "related": [{"title": r.title, "url": r.url} for r in self.related],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        image = data.get("image")
        return cls(
            url=data.get("url", ""),
            title=data.get("title", ""),
            authors=list(data.get("authors") or []),
            published=parse_iso(data.get("published")),
            updated=parse_iso(data.get("updated")),
            site=data.get("site", ""),
            section=data.get("section", ""),
            tags=list(data.get("tags") or []),
            image=Image(image.get("url", ""), image.get("caption", "")) if image else None,
            text=data.get("text", ""),
            links=list(data.get("links") or []),
            related=[Related(r.get("title", ""), r.get("url", "")) for r in data.get("related") or []],
        )


def parse_iso(value: str | None) -> datetime | None:
    """The inverse of iso(); None for anything unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass(slots=True)
class Story:
    """One headline and what we know of it: from a feed entry or a scraped listing."""

    key: str  # stable identity within its source: guid/id, else link, else hash of title+date
    title: str
    url: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # timezone-aware
    updated: datetime | None = None
    summary: str = ""  # HTML or text from the feed/listing (teaser)
    content: str = ""  # full HTML from the feed, when it carries it
    tags: list[str] = field(default_factory=list)  # the feed's categories of the entry (kept as story tags)
    id: int | None = None
    source_id: int | None = None
    source_title: str = ""
    read: bool = False
    starred: bool = False
    article: Article | None = None  # extracted page, when fetched
    article_error: str = ""  # why extraction failed (404, ...); retried later

    @property
    def when(self) -> datetime | None:
        return self.published or self.updated

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "url": self.url,
            "published": iso(self.published),
            "updated": iso(self.updated),
            "author": ", ".join(self.authors) or None,
            "authors": list(self.authors),
            "summary": self.summary,
            "source": self.source_title or None,
            "read": self.read,
            "starred": self.starred,
            "has_article": self.article is not None,
            "article_error": self.article_error or None,
        }


@dataclass(slots=True)
class ScrapeRule:
    """Per-site CSS selectors for a listing page, from the config file; they override the generic heuristic."""

    match: str  # a host ("news.example") or URL prefix the rule applies to
    item: str  # selector of one headline block
    title: str = ""  # selector inside item for the title text ("" = the item's link text)
    link: str = ""  # selector inside item for the <a> ("" = first a[href])
    time: str = ""  # selector inside item for a <time>/date text
    summary: str = ""  # selector inside item for a teaser
