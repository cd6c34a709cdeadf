"""Headlines of listing pages: the sample site's front page, lists, cards, a WordPress blog, and site rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsreader.model import ScrapeRule, Story
from newsreader.sources.scrape import rule_for, scrape_headlines

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "kz-news-site"
PAGES = FIXTURES / "pages"
EXPECTED = json.loads((SITE / "EXPECTED.json").read_text(encoding="utf-8"))
KZ = timezone(timedelta(hours=5))


def scrape(name: str, url: str, rule: ScrapeRule | None = None) -> list[Story]:
    return scrape_headlines((PAGES / name).read_bytes(), url, rule)


def test_sample_front_page() -> None:
    exp = EXPECTED["index.html"]
    stories = scrape_headlines((SITE / "index.html").read_bytes(), "http://news.example/index.html", None, "text/html")
    titles = [s.title for s in stories]
    assert len(titles) == exp["headline_count"] == 21
    assert titles[:5] == exp["first_titles"]
    assert [t for t in exp["must_not_include"] if t in titles] == []
    assert stories[0].url == stories[0].key == "http://news.example/news/toqayev-to-meet-putin-in-moscow.html"
    assert len({s.url for s in stories}) == 21


def test_headlines_in_a_list_in_page_order_deduplicated() -> None:
    stories = scrape("list-headlines.html", "https://daily.example/")
    assert [(s.title, s.url) for s in stories] == [
        (
            "Wheat harvest in the north beats the estimate",
            "https://daily.example/2025/11/01/wheat-harvest-beats-estimate",
        ),
        ("Shymkent tram project enters the design phase", "https://daily.example/2025/11/02/tram-project-design-phase"),
        ("Caspian ferry schedule extended into winter", "https://daily.example/2025/11/03/ferry-schedule-extended"),
        ("Steppe eagle census counts more nesting pairs", "https://daily.example/2025/11/04/steppe-eagle-census"),
    ]
    assert [s.published for s in stories[:3]] == [
        datetime(2025, 11, 1, 10, tzinfo=UTC),
        datetime(2025, 11, 2, 8, 30, tzinfo=KZ),
        None,
    ]
    assert stories[0].summary == "Farmers in the north gathered more grain than the ministry expected this year."
    assert [s.summary for s in stories[1:]] == ["", "", ""]


def test_cards_lead_story_groups_with_the_grid_and_most_read_is_left_out() -> None:
    stories = scrape("cards-two-blocks.html", "https://nomad.example/")
    assert [s.title for s in stories] == [
        "Parliament passes the 2026 budget in its second reading",
        "Heating season starts early in the north",
        "Tenge holds steady against the dollar this week",
        "Bishkek hosts a regional water summit",
    ]
    assert stories[0].summary == "Deputies approved spending on roads and schools after a long debate."


def test_wordpress_posts_keep_their_own_header_and_teaser() -> None:
    stories = scrape("wordpress-listing.html", "https://notes.example/")
    assert [(s.title, s.published) for s in stories] == [
        ("Miners' Day parade draws crowds to the centre", datetime(2025, 10, 28, 18, tzinfo=KZ)),
        ("New bus routes for Maikuduk from November", datetime(2025, 10, 25, 9, 10, tzinfo=KZ)),
        ("The Ecomuseum reopens after a year of repairs", None),
    ]
    assert stories[1].url == "https://notes.example/2025/10/new-bus-routes-for-maikuduk/"
    assert stories[1].summary == "Three routes will link the district with the railway station and the university."


def test_a_page_with_two_headlines_still_gives_them() -> None:
    html = """<html><body><nav><a href="/world/">World</a></nav><main>
    <h2><a href="/news/2025/11/10/astana-opens-a-new-park">Astana opens a new park by the river</a></h2>
    <p><a href="/news/2025/11/09/snow-closes-the-highway">Snow closes the highway to Karaganda</a></p>
    <p><a href="/contacts/">Contact the newsroom team here</a></p></main></body></html>"""
    assert [s.url for s in scrape_headlines(html, "https://a.example/")] == [
        "https://a.example/news/2025/11/10/astana-opens-a-new-park",
        "https://a.example/news/2025/11/09/snow-closes-the-highway",
    ]


@pytest.mark.parametrize("junk", [b"", b"\x00\xff" * 50, "<<<a href=>", b"<ul>" * 3000])
def test_junk_gives_no_headlines(junk: bytes | str) -> None:
    assert scrape_headlines(junk, "https://a.example/") == []


def test_rule_for_matches_host_parent_domain_or_prefix() -> None:
    by_host = ScrapeRule(match="daily.example", item="li")
    by_prefix = ScrapeRule(match="https://nomad.example/world/", item="article")
    rules = [by_prefix, by_host]
    assert rule_for("https://www.daily.example/news", rules) is by_host
    assert rule_for("https://DAILY.example/", rules) is by_host
    assert rule_for("https://nomad.example/world/asia", rules) is by_prefix
    assert rule_for("https://nomad.example/sport/", rules) is None
    assert rule_for("https://notdaily.example/", rules) is None
    assert rule_for("https://daily.example/", []) is None


def test_a_site_rule_overrides_the_heuristic() -> None:
    rule = ScrapeRule(
        match="nomad.example",
        item=".most-read a",
    )
    stories = scrape("cards-two-blocks.html", "https://nomad.example/", rule)
    assert [(s.title, s.url) for s in stories] == [
        ("A most-read story from last week", "https://nomad.example/society/most-read-story-one"),
        ("Another most-read story from last week", "https://nomad.example/society/most-read-story-two"),
        ("Yet another most-read story from last week", "https://nomad.example/society/most-read-story-three"),
    ]


def test_a_rule_with_every_selector() -> None:
    rule = ScrapeRule(
        match="notes.example",
        item="article.post",
        title=".entry-title",
        link=".entry-title a",
        time="time.published",
        summary=".entry-summary",
    )
    stories = scrape("wordpress-listing.html", "https://notes.example/", rule)
    assert [s.title for s in stories] == [
        "Miners' Day parade draws crowds to the centre",
        "New bus routes for Maikuduk from November",
        "The Ecomuseum reopens after a year of repairs",
    ]
    assert stories[0].published == datetime(2025, 10, 28, 18, tzinfo=KZ)
    assert stories[2].published is None
    assert stories[2].summary == "The museum's mining hall now has a working model of a coal face."


def test_a_broken_rule_selector_says_so() -> None:
    with pytest.raises(ValueError, match="not a CSS selector"):
        scrape("list-headlines.html", "https://daily.example/", ScrapeRule(match="daily.example", item="li[["))


@pytest.mark.parametrize(
    ("markup", "published"),
    [
        (
            '<time datetime="2025-10-02T08:15:00-03:30">2 Oct</time>',
            datetime(2025, 10, 2, 8, 15, tzinfo=timezone(-timedelta(hours=3, minutes=30))),
        ),
        (
            '<abbr class="published" title="2025-10-02T08:15:00+05:00">8:15</abbr>',
            datetime(2025, 10, 2, 8, 15, tzinfo=KZ),
        ),
        ('<span title="2025-10-02 08:15:00 +0500 +05">2 Oct</span>', datetime(2025, 10, 2, 8, 15, tzinfo=KZ)),
        (
            '<meta itemprop="datePublished" content="2025-10-02T08:15:00.250Z">',
            datetime(2025, 10, 2, 8, 15, tzinfo=UTC),
        ),
        ('<span class="published">2025-10-02</span>', datetime(2025, 10, 2, tzinfo=UTC)),
        ('<time datetime="2025-13-45T08:15:00+05:00">junk</time>', None),
        ('<time datetime="2025-10-02T08:15:00+99:00">junk</time>', None),
        ("<time>yesterday</time>", None),
    ],
)
def test_listing_dates_keep_their_offset_and_junk_is_no_date(markup: str, published: datetime | None) -> None:
    items = "".join(
        f'<li><a href="/2025/10/0{i}/story-number-{i}">Story number {i} of the day</a> {markup}</li>' for i in range(3)
    )
    stories = scrape_headlines(f"<html><body><main><ul>{items}</ul></main></body></html>", "https://a.example/")
    assert [s.published for s in stories] == [published] * 3


def test_profiles_the_home_page_and_other_blogs_of_the_same_host_are_not_headlines() -> None:
    stories = [
        ("/p/notes-on-the-harvest", "Notes on the harvest in the north"),
        ("/p/the-tram-and-the-city", "The tram and the city, a year on"),
        ("/p/eagles-over-the-steppe", "Eagles over the steppe in October"),
    ]
    chrome = [
        ("https://substack.example/@someone-else", "Someone else writes here too"),  # the host's, not this blog's
        ("https://other.substack.example/p/their-own-post-here", "Another blog's post on the same host"),
        ("/profile/12345-a-reader", "View a reader's profile page"),
        ("/", "The Steppe Letter home page"),
        ("/?attachment_id=77", "A photo of the steppe at dusk"),
    ]
    items = "".join(f'<li><h3><a href="{href}">{title}</a></h3></li>' for href, title in stories + chrome)
    html = f"<html><body><main><ul>{items}</ul></main></body></html>"
    found = scrape_headlines(html, "https://steppe.substack.example/archive")
    assert [(s.url, s.title) for s in found] == [(f"https://steppe.substack.example{h}", t) for h, t in stories]


def test_archives_and_pages_of_the_list_are_not_headlines() -> None:
    stories = [
        f'<li><a href="/2025/10/0{i}/story-{i}-of-the-week">Story {i} of the week, in full</a></li>' for i in range(3)
    ]
    chrome = [
        '<li><a href="/2025/10/">Archive of October 2025 here</a></li>',
        '<li><a href="/2025/">Archive of the year 2025</a></li>',
        '<li><a href="/news?page=2">Older stories on page two</a></li>',
        '<li><a href="/blog?start=10&amp;limit=10">Further stories from the blog</a></li>',
    ]
    html = f"<html><body><main><ul>{''.join(stories + chrome)}</ul></main></body></html>"
    found = scrape_headlines(html, "https://a.example/news")
    assert [s.url for s in found] == [f"https://a.example/2025/10/0{i}/story-{i}-of-the-week" for i in range(3)]
