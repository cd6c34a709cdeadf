"""The reader's feed parsing held against feedparser 6 on feedparser's own test corpus.

`python -m bench.feeds conformance [-v]`. For every entry-level file of `../shared/eval/feedparser-tests/tests`
(its `Expect:` mentions entries) whose `Expect:` passes on feedparser 6, each entry is turned into a Story
twice: by `entry_to_story` from feedparser's own reading (the reference) and by the reader's `parse_feed`.
Title, link, byline, published and updated (as instants) and the body (summary and content: the text a person
reads, plus the URLs of its links and images) must agree, except for files listed in ALLOWED with a reason.
The reader's own tests carry fixtures of their own; this corpus is reference data and is never copied.
"""

from __future__ import annotations

import datetime
import html
import io
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("NEWSREADER_FEEDPARSER_TESTS", ROOT.parent / "shared" / "eval" / "feedparser-tests"))
DIRS = ("wellformed", "illformed", "encoding", "entities", "json")
_DESC = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->", re.S)
_HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.M)
_SELF_CLOSING = re.compile(r"\s*/>")

# Differences that are the reader being knowingly better than feedparser 6, by file, each with its reason.
ALLOWED: dict[str, str] = {
    "encoding/bozo_linenoise.xml": "one invalid byte in a UTF-8 document: the reader replaces that byte and keeps "
    "the text; feedparser re-reads the whole document as windows-1252 (mojibake)",
    "wellformed/rss/entity_in_doctype.xml": "a DOCTYPE declaring entities is refused before any parser sees it "
    "(billion laughs, XXE): a deliberate safety rule with a clear message",
    "wellformed/sanitize/item_content_encoded_script_nested_cdata.xml": "hostile nested CDATA: both drop the script; "
    "feedparser-rs reads '<![CDATA[' in HTML as a bogus comment (as browsers do) and leaves ']]>'",
}


DATES_RIGHT_MIN = 60  # of feedparser's 64 date strings, in each place (issue #12)


@dataclass(slots=True)
class Case:
    path: str  # relative to CORPUS/tests
    data: bytes
    expect: str
    url: str
    content_type: str
    headers: dict[str, str]


def corpus_files() -> list[Path]:
    tests = CORPUS / "tests"
    return sorted(p for d in DIRS for p in (tests / d).rglob("*") if p.suffix in (".xml", ".json") and p.is_file())


def _text_of(data: bytes) -> str:
    """The file as text, to read its header comment (as feedparser's test helpers do)."""
    for bom, codec in ((b"\x00\x00\xfe\xff", "utf-32be"), (b"\xff\xfe\x00\x00", "utf-32le")):
        if data.startswith(bom):
            return data.decode(codec, "ignore")
    for start, codec in ((b"\x00\x00\x00<", "utf-32be"), (b"<\x00\x00\x00", "utf-32le")):
        if data.startswith(start):
            return data.decode(codec, "ignore")
    for start, codec in ((b"\x00<\x00?", "utf-16be"), (b"<\x00?\x00", "utf-16le")):
        if data.startswith(start):
            return data.decode(codec, "ignore")
    if data[:2] in (b"\xfe\xff", b"\xff\xfe") and data[2:4] != b"\x00\x00":
        return data.decode("utf-16", "ignore")
    return data.decode("utf-8", "ignore")


def read_case(path: Path) -> Case:
    data = path.read_bytes()
    text = _text_of(data)
    rel = path.relative_to(CORPUS / "tests").as_posix()
    found = _DESC.search(text)
    expect = found.group(2).strip() if found else ""
    headers = {k.strip().lower(): v.strip() for k, v in _HEADER.findall(text)} if "http" in rel or "base" in rel else {}
    url = f"http://127.0.0.1:8097/tests/{rel}"
    # Files meant to arrive by HTTP default to text/xml as in feedparser's tests; the others to application/xml,
    # which leaves the encoding to the document (BOM, XML declaration), as a local file has it.
    content_type = headers.get("content-type", "text/xml" if "http" in rel else "application/xml")
    # A Content-Location header is where the document says it is: the reader is handed it as the fetched URL.
    url = headers.get("content-location", url)
    return Case(rel, data, expect, url, content_type, headers)


def feedparser_result(case: Case) -> Any:
    import feedparser

    headers = {"content-location": case.url, **case.headers}
    if case.content_type:
        headers["content-type"] = case.content_type
    return feedparser.parse(
        io.BytesIO(case.data), response_headers=headers, sanitize_html=True, resolve_relative_uris=True
    )


def expect_passes(case: Case, result: Any) -> bool:
    try:
        return bool(eval(case.expect, {"datetime": datetime}, result))
    except Exception:
        return False


def body(markup: str) -> tuple[str, tuple[str, ...]]:
    """What a person reads of a summary or content: its text, and the URLs it links to or shows."""
    if not markup.strip():
        return "", ()
    if "<" not in markup:
        return " ".join(html.unescape(markup).split()), ()
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return " ".join(markup.split()), ()
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    urls = tuple(
        (node.get("href") or node.get("src") or "").strip()
        for node in root.iter("a", "img")
        if node.get("href") or node.get("src")
    )
    return " ".join(root.text_content().split()), urls


def fields(story: Any) -> dict[str, Any]:
    return {
        # A headline is read as text: "&amp;", "&#38;" and "&" are the same headline; "<img/>" is "<img>".
        "title": _SELF_CLOSING.sub(">", " ".join(html.unescape(story.title).split())),
        "link": story.url,
        "byline": ", ".join(story.authors),
        "published": story.published.timestamp() if story.published else None,
        "updated": story.updated.timestamp() if story.updated else None,
        "summary": body(story.summary),
        "content": body(story.content),
    }


@dataclass(slots=True)
class Outcome:
    files: int = 0  # entry-level files whose Expect passes on feedparser 6
    differing: int = 0
    no_story: int = 0
    allowed: int = 0
    allowed_seen: list[str] = field(default_factory=list)  # ALLOWED files that still differ (the rest are stale)


def _reference(entry: Any, url: str, now: datetime.datetime, feed: Any = None) -> Any:
    """The Story the reader makes of feedparser's entry, with feedparser's own dates (not the reader's parser).

    One deliberate improvement is applied by rule rather than by file, as the issue names it: an Atom entry with
    no author of its own has its feed's (RFC 4287, 4.2.1), where feedparser 6 gives it none."""
    from newsreader.sources.feed import _authors, _date, entry_to_story

    story = entry_to_story(entry, url, now)
    story.published = _date(entry.get("published_parsed"), now)
    story.updated = _date(entry.get("updated_parsed"), now)
    if feed is not None and str(feed.get("version", "")).startswith("atom") and not story.authors:
        story.authors = _authors(feed.get("feed") or {})
    return story


def compare(case: Case, now: datetime.datetime) -> list[str] | None:
    """The differences of one file ([] when none), or None when the file is not an entry-level passing one."""
    from newsreader.sources.feed import FeedError, parse_feed

    if "entries" not in case.expect:
        return None
    ref = feedparser_result(case)
    if not expect_passes(case, ref) or not ref.get("entries"):
        return None
    want = [fields(_reference(e, case.url, now, ref)) for e in ref["entries"]]
    try:
        got = [fields(s) for s in parse_feed(case.data, case.url, case.content_type).stories]
    except FeedError as exc:
        return [f"no story at all ({exc})"]
    if not got:
        return ["no story at all"]
    diffs = []
    if len(got) != len(want):
        diffs.append(f"{len(got)} stories, feedparser {len(want)}")
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        for key, value in w.items():
            if g[key] != value:
                diffs.append(f"entry {i} {key}: reader {g[key]!r} feedparser {value!r}")
    return diffs


def run(verbose: bool = False) -> tuple[Outcome, dict[str, list[str]]]:

    now = datetime.datetime.now(datetime.UTC)
    out = Outcome()
    failures: dict[str, list[str]] = {}
    for path in corpus_files():
        case = read_case(path)
        diffs = compare(case, now)
        if diffs is None:
            continue
        out.files += 1
        if not diffs:
            continue
        out.differing += 1
        out.no_story += diffs[0].startswith("no story")
        if case.path in ALLOWED:
            out.allowed += 1
            out.allowed_seen.append(case.path)
            continue
        failures[case.path] = diffs
        if verbose:
            print(f"{case.path}:", *(f"  {d[:300]}" for d in diffs), sep="\n")
    return out, failures


def main(verbose: bool = False) -> int:
    if not CORPUS.is_dir():
        print(f"{CORPUS} is absent: nothing to compare", file=sys.stderr)
        return 2
    out, failures = run(verbose)
    right = dates(verbose)
    stale = sorted(set(ALLOWED) - set(out.allowed_seen))
    if stale:
        print("allowed but no longer different (remove them from ALLOWED):", *stale)
    print(
        f"{out.files} entry-level files pass their Expect on feedparser 6; the reader differs on {out.differing} "
        f"({out.no_story} with no story at all), {out.allowed} of them allowed as deliberate improvements; "
        f"{len(failures)} unexplained"
    )
    return 1 if failures or stale or min(right.values()) < DATES_RIGHT_MIN else 0


def date_cases() -> list[tuple[str, tuple[int, ...] | None]]:
    """feedparser's own date test strings with the instants they mean (tests/test_date_parsers.py, read as data)."""
    import ast

    tree = ast.parse((CORPUS / "tests" / "test_date_parsers.py").read_text(encoding="utf-8"))
    cases = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Tuple) and len(node.elts) == 3 and isinstance(node.elts[0], ast.Name)):
            continue
        if not node.elts[0].id.startswith("_parse_date"):
            continue
        try:
            text, want = ast.literal_eval(node.elts[1]), ast.literal_eval(node.elts[2])
        except ValueError:
            continue
        if isinstance(text, str) and text:  # the empty strings test the parsers, not dates
            cases.append((text, tuple(want) if want else None))
    return cases


def _dated_feeds(text: str) -> dict[str, bytes]:
    from xml.sax.saxutils import escape

    value = escape(text)
    rss = f'<rss version="2.0"><channel><title>t</title><item><title>x</title><link>http://e.example/1</link><pubDate>{value}</pubDate></item></channel></rss>'
    atom = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>x</title><id>urn:x</id><link href="http://e.example/1"/><published>{value}</published><updated>{value}</updated></entry></feed>'
    return {"rss pubDate": rss.encode(), "atom published": atom.encode()}


def dates(verbose: bool = False) -> dict[str, int]:
    """How many of feedparser's date strings the reader reads as the instant they mean, per place in a feed."""
    import calendar

    from newsreader.sources.feed import FeedError, parse_feed

    cases = date_cases()
    right = dict.fromkeys(_dated_feeds(""), 0)
    for text, want in cases:
        expected = None if want is None else calendar.timegm(want)
        for place, doc in _dated_feeds(text).items():
            try:
                story = parse_feed(doc, "http://e.example/feed", "application/xml").stories[0]
                got = story.published.timestamp() if story.published else None
            except (FeedError, IndexError):
                got = None
            if got == expected:
                right[place] += 1
            elif verbose:
                print(f"date {place} {text!r}: reader {got} want {expected}")
    print(f"dates: of {len(cases)} date strings, right: " + ", ".join(f"{k} {v}" for k, v in right.items()))
    return right
