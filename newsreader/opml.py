"""OPML: reading a subscription list (folders kept, nested) and writing one (OPML 2.0).

Reading: lxml with entities never resolved, no DTD, no network, and a document that declares entities is
refused before the parser sees it (a billion-laughs file is an OpmlError, like a malformed one). Only outlines
are read; what they hold is the caller's to check (urls.problem), and command URLs are named (command_url).

Writing: feeds are `type="rss"` outlines (text, title, xmlUrl, htmlUrl); a scraped page (kind "scrape", no feed)
is `type="link"` with `url` (OPML 2.0's own type for a page) and htmlUrl, so other readers skip it rather than
fetch HTML as a feed, and our import subscribes to it as a scraped page again. Folders are outlines holding
outlines, nested as the source's folder path ("Tech/Python"). A "/" inside one OPML folder's name would read as
a level, so it is written and read as "∕" (U+2215).

Imports nothing of ours but model.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from newsreader.model import Source, folder_path

MAX_DEPTH = 64  # outlines nested deeper than this are not read (a hostile file's recursion)
MAX_OUTLINES = 100_000
SLASH = "\u2215"  # stands for "/" inside one folder's name

# newsboat's commands in a URL field: "exec:CMD", "filter:CMD:URL", and its query feeds ("query:NAME:COND").
_COMMAND = re.compile(r'^\s*"?\s*(exec|filter|query)\s*:', re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


class OpmlError(Exception):
    """A file that is not OPML we read (malformed, declares entities, too deep)."""


@dataclass(frozen=True, slots=True)
class Entry:
    url: str
    title: str = ""
    folder: str = ""  # "A/B"
    html_url: str = ""
    kind: str = "feed"  # "feed" | "scrape"


def command_url(url: str) -> str | None:
    """The kind of command a newsboat URL runs (exec, filter, query), or None."""
    found = _COMMAND.match(url)
    return found.group(1).lower() if found else None


def _name(part: str) -> str:
    return " ".join(part.replace("/", SLASH).split())


def parse(data: bytes) -> list[Entry]:
    """Every outline that names a feed or page, with its folder path (the titles of the outlines around it)."""
    from lxml import etree

    if _ENTITY.search(data):
        raise OpmlError("it declares XML entities (<!ENTITY>), which are never expanded here")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, recover=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"it is not well-formed XML ({exc})") from None
    if not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "opml":
        raise OpmlError("it is XML, but not OPML (no <opml> root)")
    entries: list[Entry] = []
    body = [child for child in root if isinstance(child.tag, str) and etree.QName(child).localname.lower() == "body"]
    count = 0

    def walk(element: etree._Element, folders: tuple[str, ...], depth: int) -> None:
        nonlocal count
        if depth > MAX_DEPTH:
            raise OpmlError(f"its outlines nest more than {MAX_DEPTH} deep")
        for child in element:
            if not isinstance(child.tag, str) or etree.QName(child).localname.lower() != "outline":
                continue
            count += 1
            if count > MAX_OUTLINES:
                raise OpmlError(f"it has more than {MAX_OUTLINES} outlines")
            attrs = {k.lower(): (v or "").strip() for k, v in child.attrib.items() if isinstance(k, str)}
            title = " ".join((attrs.get("title") or attrs.get("text") or "").split())
            kind = attrs.get("type", "").lower()
            url = attrs.get("xmlurl", "")
            entry_kind = "feed"
            if not url and kind == "link" and attrs.get("url"):
                url, entry_kind = attrs["url"], "scrape"
            if url:
                entries.append(Entry(url, title, "/".join(folders), attrs.get("htmlurl", ""), entry_kind))
            if len(child):
                # A folder; an outline with a feed and children (rare) lends its title to them as a folder too.
                name = _name(title) or "Untitled"
                walk(child, (*folders, name), depth + 1)

    for part in body:
        walk(part, (), 0)
    return entries


def _attrs(**values: str) -> str:
    return "".join(f" {k}={quoteattr(_xml_text(v))}" for k, v in values.items() if v)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    # Characters XML 1.0 cannot hold at all (control characters, lone surrogates) are dropped; the rest is escaped.
    return _NOT_XML.sub("", text)


def export(sources: list[Source], title: str = "newsreader subscriptions", created: str = "") -> str:
    """OPML 2.0 of every source, in its folder (nested outlines), folders and sources by name."""
    tree: dict[str, object] = {}  # folder name -> subtree; "" -> list of sources
    for source in sources:
        node = tree
        for part in folder_path(source.folder).split("/") if source.folder else []:
            child = node.setdefault("/" + part, {})
            assert isinstance(child, dict)
            node = child
        leaves = node.setdefault("", [])
        assert isinstance(leaves, list)
        leaves.append(source)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>"]
    lines.append(f"    <title>{_xml_text(title).replace('&', '&amp;').replace('<', '&lt;')}</title>")
    if created:
        lines.append(f"    <dateCreated>{created}</dateCreated>")
    lines += ["  </head>", "  <body>"]

    def write(node: dict[str, object], indent: int) -> None:
        pad = "  " * indent
        folders = sorted((k for k in node if k), key=lambda k: (k.lower(), k))
        for key in folders:
            name = key[1:]
            lines.append(f"{pad}<outline{_attrs(text=name, title=name)}>")
            child = node[key]
            assert isinstance(child, dict)
            write(child, indent + 1)
            lines.append(f"{pad}</outline>")
        leaves = node.get("", [])
        assert isinstance(leaves, list)
        for s in sorted(leaves, key=lambda s: (s.name.lower(), s.url)):
            name = s.title or s.url
            if s.kind == "scrape":
                attrs = _attrs(type="link", text=name, title=s.title, url=s.url, htmlUrl=s.url)
            else:
                attrs = _attrs(type="rss", text=name, title=s.title, xmlUrl=s.url, htmlUrl=s.site_url)
            lines.append(f"{pad}<outline{attrs}/>")

    write(tree, 2)
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
