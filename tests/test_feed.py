"""Feed bytes -> stories: both parsers agree, odd feeds give clear outcomes, no entry makes it raise."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsreader.sources.feed import FeedError, entry_to_story, parse_feed
from tests.site_server import KZ_SITE

WORDS = [
    "steppe",
    "ledger",
    "astana",
    "almaty",
    "caspian",
    "wheat",
    "tram",
    "ferry",
    "library",
    "leopard",
    "minister",
    "report",
]


def corpus_feed(seed: int, atom: bool, items: int = 30) -> bytes:
    """A realistic feed: entities, CDATA, relative links, several authors, HTML bodies."""
    rnd = random.Random(seed)
    entries = []
    for i in range(items):
        title = " ".join(rnd.choice(WORDS) for _ in range(6)).capitalize() + " &amp; more “quoted” café"
        body = "".join(
            f"<p>{' '.join(rnd.choice(WORDS) for _ in range(30))} <a href='/x/{i}'>link</a></p>" for _ in range(3)
        )
        day = 1 + i % 28
        if atom:
            entries.append(
                f"<entry><title type='html'>{title}</title><id>urn:x:{seed}:{i}</id><link href='/a/{seed}/{i}'/>"
                f"<updated>2025-11-{day:02d}T10:00:00Z</updated><published>2025-11-{day:02d}T09:00:00+05:00</published>"
                f"<author><name>Writer {i}</name></author><author><name>Editor</name></author>"
                f"<content type='html'><![CDATA[{body}]]></content></entry>"
            )
        else:
            entries.append(
                f"<item><title>{title}</title><guid isPermaLink='false'>g-{seed}-{i}</guid>"
                f"<link>https://news.test/a/{seed}/{i}</link><pubDate>Mon, {day:02d} Nov 2025 10:00:00 +0000</pubDate>"
                f"<dc:creator>Writer {i}</dc:creator><description><![CDATA[{body}]]></description></item>"
            )
    if atom:
        return (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Feed {seed}</title>{''.join(entries)}</feed>"
        ).encode()
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        f"<channel><title>Feed {seed}</title>{''.join(entries)}</channel></rss>"
    ).encode()


def careful(data: bytes, url: str) -> list[Any]:
    parsed = feedparser.parse(data, response_headers={"content-location": url})
    return [entry_to_story(e, url) for e in parsed.entries]


@pytest.mark.parametrize("seed", range(6))
def test_fast_parser_reads_the_corpus_as_feedparser_does(seed: int) -> None:
    url = "https://news.test/feed.xml"
    data = corpus_feed(seed, atom=seed % 2 == 1)
    fast = parse_feed(data, url).stories
    slow = careful(data, url)
    assert len(fast) == len(slow) == 30
    for a, b in zip(fast, slow, strict=True):
        assert (a.key, a.title, a.url, a.authors, a.published, a.updated) == (
            b.key,
            b.title,
            b.url,
            b.authors,
            b.published,
            b.updated,
        )


def test_sample_site_feed() -> None:
    parsed = parse_feed((KZ_SITE / "rss.xml").read_bytes(), "http://news.example/rss.xml")
    assert parsed.title == "Steppe Ledger" and parsed.warning == ""
    first = parsed.stories[0]
    assert first.title == "President Toqayev to Meet Putin in Moscow on November 12"
    assert first.key == first.url == "http://news.example/news/toqayev-to-meet-putin-in-moscow.html"
    assert first.authors == ["Elizaveta Azarenka"]
    assert first.published == datetime(2025, 11, 10, 4, 30, tzinfo=UTC)
    assert first.content == ""  # teasers only: the page must be fetched


def test_links_to_private_hosts_are_kept() -> None:
    data = (KZ_SITE / "rss.xml").read_bytes().replace(b"http://news.example", b"http://192.168.1.20:8080")
    stories = parse_feed(data, "http://192.168.1.20:8080/rss.xml").stories
    assert stories[0].url == "http://192.168.1.20:8080/news/toqayev-to-meet-putin-in-moscow.html"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the server sent an empty response"),
        (b"  \n\t ", "the server sent an empty response"),
        (b'{"items": []}', "this is JSON, not an RSS or Atom feed"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "this is a web page, not a feed"),
        (b"\x00\x01\x02 binary junk", "not an RSS or Atom feed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0">'
            b"<channel><item><title>&x;</title></item></channel></rss>",
            "refused: the feed declares XML entities",
        ),
    ],
)
def test_what_is_not_a_feed_says_what_it_is(data: bytes, message: str) -> None:
    with pytest.raises(FeedError) as error:
        parse_feed(data, "http://x.test/feed")
    assert str(error.value).startswith(message)


def test_malformed_feed_yields_what_is_recoverable_with_a_warning() -> None:
    data = (
        b'<rss version="2.0"><channel><title>Broken</title>'
        b"<item><title>First &amp; fine</title><link>http://x.test/1</link></item>"
        b"<item><title>Second <b>unclosed</title><link>http://x.test/2</link></item>"
    )
    parsed = parse_feed(data, "http://x.test/feed")
    assert [s.title for s in parsed.stories][:1] == ["First & fine"]
    assert len(parsed.stories) == 2
    assert parsed.warning.startswith("the feed is malformed; read what could be recovered")


def test_identity_dates_and_links_of_odd_entries() -> None:
    data = b"""<rss version="2.0"><channel><title>Odd</title>
    <item><title>Dup A</title><guid>same</guid><link>/rel/a</link><pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate></item>
    <item><title>Dup B</title><guid>same</guid><link>/rel/b</link><pubDate>Fri, 01 Jan 2900 00:00:00 GMT</pubDate></item>
    <item><title>No guid</title><link>http://x.test/no-guid</link></item>
    <item><title>Nothing but a title</title></item>
    <item><description>No title at all, only a description of the event.</description></item>
    </channel></rss>"""
    stories = parse_feed(data, "http://x.test/feeds/main.xml").stories
    assert [s.key for s in stories[:3]] == ["same", "same", "http://x.test/no-guid"]
    assert stories[0].url == "http://x.test/rel/a"  # relative links made absolute
    assert stories[0].published is None and stories[1].published is None  # 1900 and 2900 are junk
    assert stories[3].key.startswith("sha1:") and stories[3].url == ""
    again = parse_feed(data, "http://x.test/feeds/main.xml").stories
    assert again[3].key == stories[3].key  # a hash key is stable across refreshes
    assert stories[4].title == "No title at all, only a description of the event."


def test_declared_charset_is_honoured() -> None:
    data = (
        '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Новости</title>'
        "<item><title>Привет, Алматы</title><link>http://x.test/1</link></item></channel></rss>"
    ).encode("cp1251")
    parsed = parse_feed(data, "http://x.test/feed")
    assert parsed.title == "Новости" and parsed.stories[0].title == "Привет, Алматы"


def test_a_100000_item_feed_is_read_whole() -> None:
    items = "".join(
        f"<item><title>Item {i}</title><link>http://x.test/{i}</link><guid>g{i}</guid></item>" for i in range(100_000)
    )
    data = f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    stories = parse_feed(data, "http://x.test/feed").stories
    assert len(stories) == 100_000 and stories[-1].key == "g99999"


entry_values = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(), st.text(), max_size=3),
)
entries = st.dictionaries(
    st.sampled_from(
        ["title", "link", "id", "summary", "author", "authors", "content", "published_parsed", "updated_parsed"]
    ),
    entry_values,
)


@settings(max_examples=300, deadline=None)
@given(entries)
def test_entry_mapping_never_raises(entry: dict[str, Any]) -> None:
    story = entry_to_story(entry, "http://x.test/feed")
    assert isinstance(story.title, str) and story.title and isinstance(story.key, str) and story.key


xml_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(xml_text, xml_text, xml_text), max_size=5), st.booleans())
def test_generated_feeds_parse_or_fail_clearly(items: list[tuple[str, str, str]], atom: bool) -> None:
    from xml.sax.saxutils import escape

    if atom:
        body = "".join(
            f"<entry><title>{escape(t)}</title><id>{escape(g)}</id><summary>{escape(d)}</summary></entry>"
            for t, g, d in items
        )
        doc = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>{body}</feed>'
    else:
        body = "".join(
            f"<item><title>{escape(t)}</title><guid>{escape(g)}</guid><description>{escape(d)}</description></item>"
            for t, g, d in items
        )
        doc = f'<rss version="2.0"><channel><title>x</title>{body}</channel></rss>'
    try:
        parsed = parse_feed(doc.encode("utf-8", "surrogatepass"), "http://x.test/feed")
    except FeedError:
        return
    assert len(parsed.stories) <= len(items)


def test_a_body_naming_a_file_is_never_read_as_one(tmp_path: Any) -> None:
    local = tmp_path / "secret.xml"
    local.write_bytes(
        b'<rss version="2.0"><channel><title>LOCAL</title><item><title>secret</title></item></channel></rss>'
    )
    for body in (str(local).encode(), b"/dev/zero", b"/dev/stdin"):
        with pytest.raises(FeedError, match="not an RSS or Atom feed"):
            parse_feed(body, "http://evil.test/feed")


PAD = b"<!-- " + b"p" * 70_000 + b" -->"
LOL = b'<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
XXE = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
PE = b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
BODY = b'<rss version="2.0"><channel><title>t</title><item><title>x &b;</title><guid>1</guid></item></channel></rss>'


@pytest.mark.parametrize(
    "data",
    [
        LOL + BODY,
        XXE + BODY,
        PE + BODY,
        b'<?xml version="1.0"?>' + PAD + LOL + BODY,  # past the first 64 KiB, which was all that was screened
        b"<!-- <a> -->" + XXE + BODY,
        b'<!DOCTYPE r [ <!-- ] > --> <!ENTITY x "y"> ]>' + BODY,
        ('<?xml version="1.0" encoding="utf-16"?>' + (LOL + BODY).decode()).encode("utf-16"),
        ('<?xml version="1.0" encoding="utf-16"?>' + (XXE + BODY).decode()).encode("utf-16-be"),
    ],
)
def test_entity_declarations_are_refused_wherever_the_prolog_hides_them(data: bytes) -> None:
    with pytest.raises(FeedError, match="refused: the feed declares XML entities"):
        parse_feed(data, "http://x.test/feed")


def test_entity_talk_in_a_story_is_not_a_declaration() -> None:
    data = BODY.replace(b"x &b;", b"&lt;!ENTITY x SYSTEM &quot;file:///&quot;&gt; explained")
    doctype = b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://x.test/rss-0.91.dtd">'
    for doc in (data, doctype + data):
        assert parse_feed(doc, "http://x.test/feed").stories[0].title.endswith("explained")  # read, not refused


MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "data", "outcome"),
    [
        ("10 MiB of <", b"<" * 10 * MIB, "not an RSS or Atom feed"),
        ("3.5 million unclosed tags", BODY.replace(b"x &b;", b"<a>" * (10 * MIB // 3)), "malformed"),
        ("2 million ampersands in a title", BODY.replace(b"x &b;", b"&amp;" * (10 * MIB // 5)), "ok"),
        (
            "escaped HTML in a description",
            BODY.replace(b"x &b;", b"t").replace(
                b"</item>", b"<description>" + b"&lt;p&gt;a" * MIB + b"</description></item>"
            ),
            "ok",
        ),
        (
            "1.3 million unclosed paragraphs",
            BODY.replace(b"</item>", b"<description>" + b"<p>a<br>" * (10 * MIB // 8)),
            "malformed",
        ),
    ],
)
def test_pathological_shapes_parse_in_linear_time(name: str, data: bytes, outcome: str) -> None:
    """Each took from 30 s to several minutes before (quadratic parsers); now a second or two."""
    start = time.perf_counter()
    try:
        parsed = parse_feed(data, "http://x.test/feed")
        got = "malformed" if parsed.warning else "ok"
    except FeedError as exc:
        got = str(exc)
    assert got.startswith(outcome), name
    assert time.perf_counter() - start < 10, name


def test_a_feed_naming_a_lone_surrogate_parses() -> None:
    data = BODY.replace(b"x &b;", b"Ref &#55296; and &#xDFFF; here")
    assert parse_feed(data, "http://x.test/feed").stories[0].title == "Ref \ufffd and \ufffd here"
