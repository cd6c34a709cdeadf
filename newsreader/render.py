"""A story as the reader presents it: header fields, body Markdown, links, related headlines.

Shared by the TUI's article pane and the headless `show`, `save` and `article` commands, so all say the same:
the header's lines (byline with the date in the reader's local time and zone, tags, photo) are made here once.
Every string that leaves here has passed through safe.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsreader import safe
from newsreader.extract import html_to_markdown
from newsreader.links import links_in
from newsreader.model import Article, Related, Story, local_time
from newsreader.store import ARTICLE_MAX_TRIES, ARTICLE_RETRY_SECONDS

WORDS_PER_MINUTE = 230
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")


def images_as_links(markdown: str) -> str:
    """The body's pictures (`![alt](src)`) as links the reader can open (where no picture is drawn)."""
    return _MD_IMAGE.sub(lambda m: f"[Image: {m.group(1) or 'picture'}]({m.group(2)})", markdown)


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture of the story: its address and its alt text or caption (both already made safe)."""

    url: str
    alt: str = ""


def pictures_in(markdown: str) -> list[Picture]:
    """The body's pictures (`![alt](src)`), in order, once each, http(s) only."""
    seen: dict[str, Picture] = {}
    for m in _MD_IMAGE.finditer(markdown):
        url = safe.url(m.group(2))
        if url.lower().startswith(("http://", "https://")):
            seen.setdefault(url, Picture(url, safe.line(m.group(1))))
    return list(seen.values())


def article_pictures(article: Article) -> list[str]:
    """Every picture address of a kept page: the lead photo, then the body's."""
    lead = [safe.url(article.image.url)] if article.image and article.image.url else []
    return list(dict.fromkeys(lead + [p.url for p in pictures_in(article.text)]))


def body_parts(markdown: str) -> list[str | Picture]:
    """The body cut where a picture stands alone in its paragraph: Markdown text and Pictures, in order.

    A picture inside a sentence stays in the text, as a link (`[Image: alt](src)`)."""
    parts: list[str | Picture] = []
    text: list[str] = []
    for para in re.split(r"\n\s*\n", markdown):
        m = _MD_IMAGE.fullmatch(para.strip())
        url = safe.url(m.group(2)) if m else ""
        if m and url.lower().startswith(("http://", "https://")):
            if text:
                parts.append("\n\n".join(text))
                text = []
            parts.append(Picture(url, safe.line(m.group(1))))
        else:
            text.append(images_as_links(para))
    if text:
        parts.append("\n\n".join(text))
    return parts


@dataclass(slots=True)
class Presented:
    """Everything the article pane shows, already made safe."""

    title: str
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    source: str = ""
    site: str = ""
    section: str = ""
    tags: list[str] = field(default_factory=list)
    url: str = ""
    caption: str = ""
    image_url: str = ""
    body: str = ""  # Markdown; its pictures as `![alt](src)`
    images: list[Picture] = field(default_factory=list)  # the body's pictures (the lead photo is image_url)
    links: list[str] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    note: str = ""  # e.g. why the full story could not be fetched

    @property
    def reading_minutes(self) -> int:
        return max(1, round(len(self.body.split()) / WORDS_PER_MINUTE)) if self.body.strip() else 0

    @property
    def byline(self) -> str:
        """Authors, date, source, section and reading time: the line under the title."""
        meta = []
        if self.authors:
            meta.append("By " + ", ".join(self.authors))
        if self.published:
            meta.append(local_time(self.published))
        meta += [v for v in (self.source or self.site, self.section) if v]
        if self.reading_minutes:
            meta.append(f"{self.reading_minutes} min read")
        return " · ".join(meta)

    @property
    def tag_line(self) -> str:
        return "Tags: " + ", ".join(self.tags) if self.tags else ""

    @property
    def image_lines(self) -> list[str]:
        """The lead photo: its caption, then its address."""
        return [line for line in (self.caption, self.image_url) if line]


def present(story: Story) -> Presented:
    """What to show for a story: its extracted article when there is one, else what its feed said."""
    article = story.article
    if article is not None and article.text.strip():
        body = article.text
    else:
        # Cleaned before parsing: an HTML parser drops a lone ESC but would leave the rest of its sequence.
        body = html_to_markdown(safe.block(story.content or story.summary), story.url)
    note = ""
    if article is None and story.article_error:
        shown = "showing the feed's text" if body.strip() else "the feed gives no text of it either"
        note = (
            f"The full story could not be fetched ({story.article_error}); {shown}. A refresh tries again once"
            f" {ARTICLE_RETRY_SECONDS // 60} minutes have passed, up to {ARTICLE_MAX_TRIES} tries in all."
        )
    authors = (article.authors if article and article.authors else story.authors) or []
    return Presented(
        title=safe.line((article.title if article and article.title else "") or story.title),
        authors=[safe.line(a) for a in authors],
        published=story.published or (article.published if article else None) or story.updated,
        source=safe.line(story.source_title),
        site=safe.line(article.site) if article else "",
        section=safe.line(article.section) if article else "",
        tags=[safe.line(t) for t in article.tags if t.strip()] if article else [],
        url=safe.url(story.url),
        caption=safe.line(article.image.caption) if article and article.image else "",
        image_url=safe.url(article.image.url) if article and article.image else "",
        body=safe.block(body),
        images=[p for p in pictures_in(body) if p.url != safe.url(article.image.url)]
        if article and article.image
        else pictures_in(body),
        links=[safe.url(u) for u in links_in(body)],
        related=[Related(safe.line(r.title), safe.url(r.url)) for r in (article.related if article else [])],
        note=safe.line(note),
    )


def _alt(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def _markdown(p: Presented) -> str:
    out = [f"# {p.title}", ""]
    if p.byline:
        out += [p.byline, ""]
    if p.url:
        out += [f"<{p.url}>", ""]
    if p.tag_line:
        out += [p.tag_line, ""]
    if p.image_url:
        out += [f"![{_alt(p.caption or 'Photo')}]({p.image_url})", ""]
    if p.caption:
        out += [f"*{p.caption}*", ""]
    if p.note:
        out += [f"> {p.note}", ""]
    out += [p.body.strip(), ""]
    if p.links:
        out += ["## Links", ""] + [f"{i}. <{u}>" for i, u in enumerate(p.links, 1)] + [""]
    pictures = ([Picture(p.image_url, p.caption)] if p.image_url else []) + p.images
    if pictures:
        out += ["## Images", ""]
        out += [f"{i}. <{pic.url}>" + (f" — {pic.alt}" if pic.alt else "") for i, pic in enumerate(pictures, 1)]
        out += [""]
    if p.related:
        out += ["## Related", ""] + [f"- {r.title} <{r.url}>" for r in p.related] + [""]
    return "\n".join(out)


def story_markdown(story: Story) -> str:
    return _markdown(present(story))


def article_markdown(article: Article) -> str:
    story = Story(
        key=article.url,
        title=article.title,
        url=article.url,
        authors=article.authors,
        published=article.published,
        source_title=article.site,
        article=article,
    )
    return story_markdown(story)


def save_story(story: Story, directory: Path) -> Path:
    """Write a story as Markdown into `directory`, named from its title (sanitised, never overwriting)."""
    directory.mkdir(parents=True, exist_ok=True)
    base = safe.filename(story.title)
    path = directory / f"{base}.md"
    for n in range(2, 1000):
        if not path.exists():
            break
        path = directory / f"{base} ({n}).md"
    path.write_text(story_markdown(story), encoding="utf-8")
    return path
