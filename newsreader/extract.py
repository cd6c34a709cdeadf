"""A story's page -> Article: metadata from JSON-LD, Open Graph and the visible page; the body via trafilatura.

trafilatura finds the body well but keeps the h1 and the lead photo, and knows nothing of photo captions,
in-text author credits or "Latest news" lists. So the page is read once with lxml: metadata and those extras
are taken from it, the parts that are not body are cut out, and only then does trafilatura see it.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from newsreader import safe
from newsreader.model import Article, Image, Related

# schema.org types that describe a story, most specific first.
ARTICLE_TYPES = [
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "liveblogposting",
    "article",
    "blogposting",
    "webpage",
]
CREDIT = re.compile(
    r"^\s*(?:original\s+authors?|authors?|written\s+by|text|reporting\s+by|by|авторы|автор\s+текста|автор)\s*[:：]?\s*(.+?)\s*$",
    re.IGNORECASE,
)
BY_PREFIX = re.compile(r"^\s*(?:by|от)\s+", re.IGNORECASE)
NAME_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b|\bи\b)\s*", re.IGNORECASE)
CAPTION_CLASS = re.compile(r"caption|credit|photo-?text|image-?desc", re.IGNORECASE)
BYLINE_CLASS = re.compile(r"(^|[-_ ])(byline|author|authors|author-name|writer)([-_ ]|$)", re.IGNORECASE)
RELATED_HEADING = re.compile(
    r"^(latest|related|more|read\s+(also|more)|see\s+also|recommended|popular|top|most\s+read|other)\b.*"
    r"|.*\b(news|stories|articles|headlines)$",
    re.IGNORECASE,
)
RELATED_CLASS = re.compile(r"related|latest|more-news|read-also|see-also|recommend", re.IGNORECASE)
BOILERPLATE_CLASS = re.compile(
    r"(^|[-_ ])(share|sharing|social|cookie|consent|gdpr|banner|ad|ads|advert|advertisement|promo|subscribe|"
    r"newsletter|paywall|popup|modal|related|latest|recommend|comments?|tags?|post-tags|breadcrumbs?)([-_ ]|$)",
    re.IGNORECASE,
)
META_SCAN_BYTES = 4096
TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—\-»·]|::)\s+")
MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


# -- decoding -------------------------------------------------------------------------------------------


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    # Pages labelled Latin-1 use windows-1252's curly quotes and dashes; browsers read them so too.
    return "cp1252" if found == "iso8859-1" else found


def _meta_charset(data: bytes) -> str | None:
    """The charset a page declares in <meta charset> or <meta http-equiv="Content-Type"> near its start."""
    from selectolax.lexbor import LexborHTMLParser

    # Latin-1 maps every byte to one character, so the ASCII markup reads right whatever the real encoding.
    head = LexborHTMLParser(data[:META_SCAN_BYTES].decode("latin-1"))
    for meta in head.css("meta[charset], meta[http-equiv][content]"):
        declared = meta.attributes.get("charset")
        if declared is None and (meta.attributes.get("http-equiv") or "").lower() == "content-type":
            declared = _charset_param(meta.attributes.get("content"))
        name = _codec(declared)
        if name:
            # A page cannot really be UTF-16 if its meta tag was readable as ASCII (the HTML standard says so too).
            return "utf-8" if name.startswith("utf-16") else name
    return None


def _charset_param(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value
    return None


def decode_html(data: bytes | str, content_type: str | None = None) -> str:
    """Page bytes -> text. Never raises.

    A byte-order mark wins (as in browsers: it cannot be there by accident), then the HTTP charset, then the
    page's <meta> charset, then UTF-8, then windows-1252. A declaration the bytes contradict is tried after UTF-8.
    """
    if isinstance(data, str):
        return data
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    declared = _codec(_charset_param(content_type)) or _meta_charset(data)
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # the declaration lies, or the page has a few bad bytes: UTF-8 decides which
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(declared or "windows-1252", errors="replace")


# -- small helpers -------------------------------------------------------------------------------------


def _clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def _text(node: Any) -> str:
    return _clean(node.text_content()) if node is not None else ""


def _date(value: Any) -> datetime | None:
    text = _clean(value)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        value = _clean(value)
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())


def _classes(node: Any) -> str:
    return " ".join(filter(None, (node.get("class"), node.get("id"))))


def _same_image(a: str, b: str) -> bool:
    return bool(a and b) and urlsplit(a).path.rstrip("/") == urlsplit(b).path.rstrip("/")


# -- JSON-LD and meta ----------------------------------------------------------------------------------


def _ld_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _ld_objects(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _ld_objects(value["@graph"])


def _json_ld(tree: Any) -> dict[str, Any]:
    """The page's schema.org article object, if it has one; a NewsArticle before a WebPage of the same graph."""
    best: tuple[int, dict[str, Any]] | None = None
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for obj in _ld_objects(data):
            kinds = obj.get("@type") or []
            kinds = [kinds] if isinstance(kinds, str) else kinds
            ranks = [ARTICLE_TYPES.index(str(k).lower()) for k in kinds if str(k).lower() in ARTICLE_TYPES]
            if ranks and obj.get("headline", obj.get("name")) and (best is None or min(ranks) < best[0]):
                best = (min(ranks), obj)
    return best[1] if best else {}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [value.get("name", "")] if value.get("@type", "Person") != "Organization" else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _first_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("url") or value.get("contentUrl") or "")
    if isinstance(value, list) and value:
        return _first_url(value[0])
    return ""


def _meta(tree: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node in tree.xpath("//meta[@content]"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower().strip()
        if key:
            found.setdefault(key, []).append(_clean(node.get("content")))
    return found


# -- the visible page ----------------------------------------------------------------------------------


def _credits(tree: Any) -> list[tuple[Any, str]]:
    """In-text author credits ("Original Author: NAME") as (element, name)."""
    found = []
    for node in tree.xpath(
        "//body//*[self::p or self::div or self::span or self::address][not(*[self::p or self::div])]"
    ):
        text = _text(node)
        if not text or len(text) > 120:
            continue
        match = CREDIT.match(text)
        if match and len(match.group(1).split()) <= 6 and (":" in text or "：" in text):
            found.append((node, match.group(1)))
    return found


def _split_names(credit: str) -> list[str]:
    """ "Timur Bekov, Ainur Ospan and Dana K." -> each name."""
    return [name for name in NAME_SEPARATOR.split(credit) if name]


def _bylines(tree: Any) -> list[tuple[Any, str]]:
    found = []
    for node in tree.xpath('//body//*[@rel="author" or @itemprop="author" or @class or @id]'):
        if node.get("rel") != "author" and node.get("itemprop") != "author" and not BYLINE_CLASS.search(_classes(node)):
            continue
        text = _text(node)
        if not text or len(text) > 80:
            continue
        text = BY_PREFIX.sub("", CREDIT.sub(r"\1", text))
        found.append((node, text))
    return found


def _caption_for(tree: Any, image_url: str, page_url: str) -> tuple[str, Any]:
    """The caption or credit shown with the lead image, and the element that holds the image."""
    holder = None
    for img in tree.xpath("//body//img[@src]"):
        if _same_image(urljoin(page_url, img.get("src")), image_url):
            holder = img
            break
    if holder is None:
        figures = tree.xpath("//body//figure[.//img]")
        holder = figures[0].xpath(".//img")[0] if figures else None
    if holder is None:
        # No og:image and no <figure>: the first picture that has a caption beside it.
        holder = next((img for img in tree.xpath("//body//img[@src]") if _caption_beside(img) is not None), None)
    if holder is None:
        return "", None
    figure = next((a for a in holder.iterancestors() if a.tag == "figure"), None)
    if figure is not None:
        caption = figure.xpath(".//figcaption")
        if caption:
            return _text(caption[0]), figure
    beside = _caption_beside(holder)
    if beside is not None:
        # The image's container holds the caption too (when the caption is the container's sibling, just the image).
        container = holder.getparent() if holder.getnext() is beside else holder
        return _text(beside), container if container is not None and container.tag != "body" else holder
    return "", figure if figure is not None else holder


def _caption_beside(img: Any) -> Any | None:
    """A caption as the image's own next sibling, or its container's: by class, or by a "Photo..." start."""
    for node in (img, img.getparent()):
        sibling = node.getnext() if node is not None else None
        if sibling is not None and (
            CAPTION_CLASS.search(_classes(sibling)) or _text(sibling).lower().startswith("photo")
        ):
            return sibling
    return None


def _related(tree: Any, page_url: str) -> tuple[list[Related], list[Any]]:
    """Lists of other headlines ("Latest news", "Related", ...) and the elements that hold them."""
    related: list[Related] = []
    blocks: list[Any] = []
    for block in tree.xpath("//body//*[self::aside or self::section or self::div or self::nav]"):
        heading = block.xpath("./*[self::h2 or self::h3 or self::h4 or self::header or self::strong][1]")
        title = _text(heading[0]) if heading else ""
        if not (RELATED_CLASS.search(_classes(block)) or (title and len(title) < 40 and RELATED_HEADING.match(title))):
            continue
        if any(b in block.iterancestors() for b in blocks):
            continue
        links = block.xpath(".//a[@href]")
        if len(links) < 2:
            continue
        blocks.append(block)
        for a in links:
            url = urljoin(page_url, a.get("href"))
            text = _text(a)
            if (
                text
                and url.startswith(("http://", "https://"))
                and url != page_url
                and all(r.url != url for r in related)
            ):
                related.append(Related(text, url))
    return related, blocks


def _tags(tree: Any) -> list[str]:
    nodes = tree.xpath('//body//a[@rel="tag"] | //body//*[contains(@class, "tags")]//a')
    return _unique(_text(n) for n in nodes)


# -- the body ------------------------------------------------------------------------------------------


def _drop(node: Any) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail and tail.strip():
        prev = node.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def _cut_boilerplate(tree: Any, title: str) -> None:
    for node in tree.xpath("//body//h1"):
        if _clean(_text(node)).casefold() == title.casefold() or not title:
            _drop(node)
    for node in tree.xpath("//body//*[@class or @id or @role]"):
        if node.getparent() is None:
            continue
        if node.get("role") in ("dialog", "navigation", "banner", "complementary") or BOILERPLATE_CLASS.search(
            _classes(node)
        ):
            _drop(node)


def _markdown_images_as_links(markdown: str) -> str:
    return MD_IMAGE.sub(lambda m: f"[Image: {m.group(1) or 'picture'}]({m.group(2)})", markdown)


def _unwrap_layout_tables(tree: Any) -> None:
    """Tables that lay out a page (a cell of running text, or of blocks) become plain blocks, cell by cell."""
    for table in tree.xpath("//body//table"):
        cells = table.xpath(".//td | .//th")
        if not any(_is_layout_cell(c) for c in cells):
            continue
        for node in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
            node.tag = "div"
            for attr in ("width", "valign", "border", "colspan", "rowspan"):
                node.attrib.pop(attr, None)


def _is_layout_cell(cell: Any) -> bool:
    return bool(cell.xpath("./table | ./div | ./p")) or len(cell.xpath(".//br")) >= 4 or len(_text(cell)) > 400


def _densest_block(tree: Any) -> list[Any]:
    """The paragraphs of the element whose own <p> children hold the most text (readability's idea)."""
    scores: dict[Any, int] = {}
    for p in tree.xpath("//body//p"):
        parent = p.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + len(_text(p))
    if not scores:
        return []
    best = max(scores, key=lambda node: scores[node])
    return [p for p in best if p.tag == "p"]


def _body(tree: Any, url: str, title: str) -> str:
    import trafilatura  # 0.2 s to import: only when a page is extracted, never at start-up

    _unwrap_layout_tables(tree)
    markdown = (
        trafilatura.extract(
            tree,
            url=url,
            output_format="markdown",
            include_links=True,
            include_images=True,
            include_tables=True,
            include_comments=False,
            favor_precision=True,
            deduplicate=False,
        )
        or ""
    )
    if len(markdown) < 200:
        # trafilatura found little (short page, odd markup): fall back to the densest block of paragraphs.
        paragraphs = [etree.tostring(p, encoding="unicode", with_tail=False) for p in _densest_block(tree)]
        fallback = html_to_markdown("".join(paragraphs), url)
        if len(fallback) > len(markdown):
            markdown = fallback
    blocks = [b.strip() for b in markdown.replace("\r", "").split("\n\n")]
    blocks = [_markdown_images_as_links(b) for b in blocks if b]
    # A headline shown without <h1> (a styled div, <b>) reaches the text; it is the article's title, not body.
    while blocks and title and blocks[0].strip("#*_ ").casefold() == title.casefold():
        blocks.pop(0)
    return "\n\n".join(blocks)


# -- the whole ---------------------------------------------------------------------------------------


def _parse(text: str) -> Any:
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


def extract_article(html: str | bytes, url: str, content_type: str | None = None) -> Article:
    """Everything the reader shows of a story's page. Never raises: junk in, a sparse Article out."""
    try:
        return _extract(html, url, content_type)
    except Exception:  # a hostile or broken page must never stop a refresh; the story keeps its teaser
        return Article(url=url)


def _extract(html: str | bytes, url: str, content_type: str | None) -> Article:
    text = safe.block(decode_html(html, content_type))  # before parsing: see render.present
    tree = _parse(text) if text.strip() else None
    if tree is None:
        return Article(url=url)
    ld = _json_ld(tree)
    meta = _meta(tree)
    site = _site(ld, meta, tree)
    article = Article(
        url=url,
        title=_title(ld, meta, tree, site),
        site=site,
        published=_published(ld, meta, tree),
        updated=_date(ld.get("dateModified")) or _date(_first(meta, "article:modified_time")),
        section=_section(ld, meta),
        tags=_unique([*_keywords(ld), *(meta.get("article:tag") or []), *_tags(tree)]),
    )
    credits, bylines = _credits(tree), _bylines(tree)
    article.authors = _authors(ld, meta, [name for _, name in [*bylines, *credits]], site)

    image_url = _first_url(ld.get("image")) or _first(meta, "og:image")
    image_url = urljoin(url, image_url) if image_url else ""
    caption, image_holder = _caption_for(tree, image_url, url)
    if not image_url and image_holder is not None:
        img = image_holder if image_holder.tag == "img" else next(iter(image_holder.xpath(".//img[@src]")), None)
        image_url = urljoin(url, img.get("src")) if img is not None else ""
    article.image = Image(image_url, caption) if image_url else None

    article.related, related_blocks = _related(tree, url)
    # Everything shown apart from the body is cut out before trafilatura sees the page.
    for node in [*related_blocks, *(n for n, _ in credits), *(n for n, _ in bylines)]:
        _drop(node)
    if image_holder is not None:
        sibling = image_holder.getnext()
        if caption and sibling is not None and _text(sibling) == caption:
            _drop(sibling)
        _drop(image_holder)
    _cut_boilerplate(tree, article.title)
    article.text = _body(tree, url, article.title)
    article.links = _unique_links(article.text)
    return article


def _first(meta: dict[str, list[str]], key: str) -> str:
    return (meta.get(key) or [""])[0]


def _site(ld: dict[str, Any], meta: dict[str, list[str]], tree: Any) -> str:
    publisher = ld.get("publisher")
    name = _clean(publisher.get("name")) if isinstance(publisher, dict) else ""
    if name or _first(meta, "og:site_name"):
        return name or _first(meta, "og:site_name")
    # "Headline | Site": the <title>'s last part, when the page names itself nowhere else.
    parts = TITLE_SEPARATOR.split(_text(next(iter(tree.xpath("//title")), None)))
    shortest = min(parts, key=len)
    return shortest if len(parts) > 1 and len(shortest) <= 40 else ""


def _title(ld: dict[str, Any], meta: dict[str, list[str]], tree: Any, site: str) -> str:
    """The headline: JSON-LD or og:title where the visible <h1> agrees; the <h1> where they differ."""
    h1s = [t for t in (_text(h) for h in tree.xpath("//body//h1")) if t and t.casefold() != site.casefold()]
    page_title = _text(next(iter(tree.xpath("//title")), None))
    declared = _clean(ld.get("headline")) or _first(meta, "og:title")
    for h1 in h1s:
        # JSON-LD headlines are often cut to 110 characters; the page shows them whole.
        if declared and h1.casefold().startswith(declared.rstrip(".… ").casefold()):
            return h1
    if declared and ld:
        return declared
    if h1s:
        return h1s[0]  # without JSON-LD the visible headline is the truth; og:title is often a social-media variant
    return declared or max(TITLE_SEPARATOR.split(page_title), key=len)  # "Site :: Headline" or "Headline | Site"


def _authors(ld: dict[str, Any], meta: dict[str, list[str]], credited: list[str], site: str) -> list[str]:
    """Declared authors and those credited on the page (bylines, "Original Author: ..."), each once."""
    names = _unique(
        [
            *_names(ld.get("author")),
            *(meta.get("author") or []),
            *(meta.get("article:author") or []),
            *(part for credit in credited for part in _split_names(credit)),
        ]
    )
    return [n for n in names if n.casefold() != site.casefold() and not n.lower().startswith(("http://", "https://"))]


def _published(ld: dict[str, Any], meta: dict[str, list[str]], tree: Any) -> datetime | None:
    time_node = next(iter(tree.xpath("//body//time[@datetime]")), None)
    return (
        _date(ld.get("datePublished"))
        or _date(_first(meta, "article:published_time"))
        or _date(_first(meta, "datepublished"))
        or _date(time_node.get("datetime") if time_node is not None else "")
    )


def _section(ld: dict[str, Any], meta: dict[str, list[str]]) -> str:
    section = ld.get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else ""
    return _clean(section) or _first(meta, "article:section")


def _keywords(ld: dict[str, Any]) -> list[str]:
    keywords = ld.get("keywords")
    if isinstance(keywords, str):
        return keywords.split(",")
    return [str(k) for k in keywords] if isinstance(keywords, list) else []


def _unique_links(markdown: str) -> list[str]:
    links: list[str] = []
    for match in MD_LINK.finditer(markdown):
        if match.group(1) not in links and match.group(1).startswith(("http://", "https://")):
            links.append(match.group(1))
    return links


# -- feed HTML -> Markdown ----------------------------------------------------------------------------

_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "table",
    "tr",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "br",
    "dl",
    "dt",
    "dd",
    "figcaption",
    "header",
    "footer",
}
_SKIP = {
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "svg",
    "template",
    "head",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#])")


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


class _Markdown:
    """A small HTML -> Markdown writer for feed content (teasers and full-text feeds)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.blocks: list[str] = []
        self.line: list[str] = []

    def flush(self, prefix: str = "") -> None:
        text = " ".join("".join(self.line).split())
        if text:
            self.blocks.append(prefix + text)
        self.line = []

    def inline(self, node: Any) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIP:
            self.line.append(_escape(node.tail or "")) if node.tail else None
            return
        tag = node.tag.lower()
        if tag in _BLOCK:
            self.block(node)
        else:
            inner = _Markdown(self.base)
            inner.line.append(_escape(node.text or ""))
            for child in node:
                inner.inline(child)
            text = " ".join("".join(inner.line).split())
            if tag == "a" and node.get("href"):
                href = urljoin(self.base, node.get("href").strip())
                self.line.append(f"[{text or href}]({href.replace(' ', '%20').replace(')', '%29')})")
            elif tag == "img" and node.get("src"):
                src = urljoin(self.base, node.get("src").strip())
                self.line.append(f"[Image: {_escape(_clean(node.get('alt'))) or 'picture'}]({src.replace(' ', '%20')})")
            elif tag in ("strong", "b") and text:
                self.line.append(f"**{text}**")
            elif tag in ("em", "i") and text:
                self.line.append(f"*{text}*")
            elif tag == "code" and text:
                self.line.append(f"`{text}`")
            else:
                self.line.append(text)
        if node.tail:
            self.line.append(_escape(node.tail))

    def block(self, node: Any) -> None:
        tag = node.tag.lower()
        self.flush()
        if tag == "br":
            if node.tail:
                self.line.append(_escape(node.tail))
            return
        if tag == "hr":
            self.blocks.append("---")
        elif tag in ("ul", "ol"):
            for i, item in enumerate(node.xpath("./li"), 1):
                inner = _Markdown(self.base)
                inner.inline_children(item)
                inner.flush()
                text = " ".join(inner.blocks)
                if text:
                    self.blocks.append(f"{i}. {text}" if tag == "ol" else f"- {text}")
        elif tag == "pre":
            self.blocks.append("```\n" + node.text_content().strip("\n") + "\n```")
        else:
            self.inline_children(node)
            prefix = "#" * int(tag[1]) + " " if tag in ("h1", "h2", "h3", "h4", "h5", "h6") else ""
            prefix = "> " if tag == "blockquote" else prefix
            self.flush(prefix)
        if node.tail and node.tail.strip():
            self.line.append(_escape(node.tail))

    def inline_children(self, node: Any) -> None:
        if node.text:
            self.line.append(_escape(node.text))
        for child in node:
            self.inline(child)


def html_to_markdown(html: str, base_url: str = "") -> str:
    """Feed HTML (or plain text) -> Markdown with links kept and made absolute; no raw HTML left."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", html) if p.strip())
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _clean(html)
    writer = _Markdown(base_url)
    writer.block(root)
    writer.flush()
    return "\n\n".join(writer.blocks)
