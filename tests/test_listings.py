"""Headline lists of the common template shapes, through `newsreader headlines`, served on 127.0.0.1.

Each page in fixtures/listings is small and of our own making, in the shape of a CMS or static-site template:
card links holding tag, title, excerpt and byline (Ghost, Wagtail), items whose only link is empty (Hugo
PaperMod), a post list where only some items have an excerpt (WordPress), hAtom (Blogger) and schema.org
microdata (Joomla).
"""

from __future__ import annotations

import functools
import http.server
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsreader.cli import main
from tests.site_server import FIXTURES, SiteServer, serving

LISTINGS = FIXTURES / "listings"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SiteServer]:
    with SiteServer(LISTINGS, tmp_path) as server:
        yield server


def headlines(capsys: pytest.CaptureFixture[str], url: str, *flags: str) -> list[dict[str, Any]]:
    code = main(["headlines", url, "--json", *flags])
    out, err = capsys.readouterr()
    assert code == 0, err
    heads = json.loads(out)
    assert isinstance(heads, list)
    return heads


def test_card_links_give_the_heading_not_the_cards_whole_text(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = headlines(capsys, site.url("card-links.html"))
    assert [(h["title"], h["url"]) for h in heads] == [
        ("Mill pond dredging begins after ten years of delays", site.url("mill-pond-dredging-begins/")),
        ("Library extends its opening hours on weekday evenings", site.url("library-extends-opening-hours/")),
        ("Under-12s win the county cup on penalties", site.url("under-12s-win-county-cup/")),
        ("A new zebra crossing for School Lane, at last", site.url("new-crossing-for-school-lane/")),
        ("Corner bakery wins a regional award for its rye", site.url("bakery-wins-regional-award/")),
    ]
    first = heads[0]
    assert first["published"] == "2025-10-02T08:15:00+05:00"
    assert first["author"] == "Dana Whit"
    assert (
        first["summary"] == "Contractors will remove an estimated 4,000 tonnes of silt before the autumn rains arrive."
    )
    assert heads[3]["published"] == "2025-09-29T00:00:00+00:00"
    assert heads[4]["published"] is None and heads[4]["author"] is None and heads[4]["summary"] == ""


def test_an_empty_link_takes_its_items_heading_else_its_own_label(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = headlines(capsys, site.url("empty-links.html"))
    assert [h["title"] for h in heads] == [
        "嘉陵江大桥夜间封闭施工三个月",  # the <h2>, not the link's aria-label ("阅读 …")
        "老城区试点垃圾分类积分",
        "火锅节吸引二十万游客",
        "轻轨三号线增开夜班车",
        "长江水位预警解除",  # no heading: the icon link's aria-label
        "机场新开三条国际航线",  # its title=
        "地铁全线升级免费无线网络",
    ]
    assert heads[2]["url"] == site.url("posts/2025/09/%e7%81%ab%e9%94%85%e8%8a%82/")
    assert heads[0]["published"] == "2025-10-02T08:15:00+08:00"  # Hugo's "2025-10-02 08:15:00 +0800 CST"
    assert heads[0]["summary"] == "施工期间，公交车将改走上游的两座桥，晚高峰预计增加十分钟车程。"


def test_a_post_list_where_only_some_items_have_an_excerpt_gives_all_of_them(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = headlines(capsys, site.url("post-list.html"))
    assert [h["title"] for h in heads] == [
        "First frost: what to bring indoors this week",
        "Quince jelly three ways, one of them without sugar",
        "Repairing the old cold frame with reclaimed glass",
        "The allotment waiting list is shorter than you think",
        "Saving tomato seed from this year's best plants",
        "Planting a hedge for the birds, not the neighbours",
        "Notes on pickled beetroot after a second attempt",
    ]
    assert heads[1]["url"] == site.url("2025/10/quince-jelly-three-ways/")
    assert [h["published"] for h in heads[:3]] == ["2025-10-06T07:00:00+01:00", "2025-10-04T18:30:00+01:00", None]
    assert heads[3]["summary"] == "Three plots came free this month, and the committee wants them worked before spring."


def test_hatom_dates_and_bylines(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    heads = headlines(capsys, site.url("hatom.html"))
    assert [(h["title"], h["published"], h["author"]) for h in heads] == [
        ("Early snow closes the pass above the village", "2025-10-02T08:15:00+05:00", "Tomasz Wren"),
        ("Meet the new warden of the mountain hut", "2025-09-30T19:05:00+05:00", "Ines Calder"),
        # rel=author: the profile link's number does not make it a story that splits the post's block
        ("Volunteers repaint two hundred trail markers", "2025-09-30T07:30:00+05:00", "Tomasz Wren"),
        ("The lake is at its lowest level since 1976", None, "Ines Calder"),  # .byline, "By" dropped
    ]
    assert heads[2]["url"] == site.url("2025/09/trail-markers-repainted.html")


def test_schema_org_microdata_dates_and_authors(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    heads = headlines(capsys, site.url("schema-org.html"))
    assert [(h["title"], h["published"], h["author"]) for h in heads] == [
        ("Brauerei erweitert die Abfüllung und stellt zwölf Leute ein", "2025-10-02T08:15:00+02:00", "Lea Brandt"),
        ("Wochenmarkt: Neue Standgebühren sorgen für Streit", "2025-10-01T16:00:00+02:00", "Jan Ost"),
        ("Sparkasse schließt die Filiale am Bahnhof", "2025-09-30T09:00:00+02:00", "Lea Brandt, Jan Ost"),
        ("Handwerk sucht dringend Auszubildende für 2026", None, None),
    ]
    assert heads[0]["summary"] == "Die neue Linie soll im Frühjahr laufen und doppelt so viele Flaschen füllen."


FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title><link>/</link>
<item><title>Only the feed has this story</title><link>/feed-only-story/</link></item></channel></rss>"""


class _Negotiating(http.server.SimpleHTTPRequestHandler):
    """/news/ is the feed for a client that takes anything, the page for one that prefers HTML."""

    def do_GET(self) -> None:
        if self.path != "/news/":
            super().do_GET()
            return
        page = not (self.headers.get("Accept") or "*/*").startswith("*/*")
        body = (LISTINGS / "card-links.html").read_bytes() if page else FEED
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8" if page else "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def negotiating() -> Iterator[str]:
    handler = functools.partial(_Negotiating, directory=str(LISTINGS))
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as base:
        yield base


def test_headlines_scrape_asks_for_the_page_and_scrapes_it(
    negotiating: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert [h["title"] for h in headlines(capsys, f"{negotiating}/news/")] == ["Only the feed has this story"]
    scraped = headlines(capsys, f"{negotiating}/news/", "--scrape")
    assert [h["title"] for h in scraped][:2] == [
        "Mill pond dredging begins after ten years of delays",
        "Library extends its opening hours on weekday evenings",
    ]
    assert len(scraped) == 5


def test_headlines_scrape_of_something_not_a_page_says_so(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    feed = site.dir / "feed.xml"
    feed.write_bytes(FEED)
    code = main(["headlines", site.url("feed.xml"), "--scrape"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "asked to scrape a page, but the server sent feed" in err
    assert err.startswith("newsreader: error: ")


def test_short_slugs_and_numbered_nodes_are_stories_when_headings_say_so(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = headlines(capsys, site.url("short-slugs.html"))
    assert [(h["title"], h["url"]) for h in heads] == [
        ("The winter timetable starts on Monday", site.url("timetable/")),  # Ghost: one-word slugs
        ("Work on the new pier is nearly done", site.url("new-pier/")),
        ("Three days of fog and no crossings", site.url("fog/")),
        ("Harbour master retires after forty years", site.url("node/7")),  # Drupal without path aliases
        ("Café on the quay changes hands", site.url("node/6")),
        ("Ticket machines take cards at last", site.url("node/5")),
    ]
    assert [h["author"] for h in heads[:3]] == ["Rosa Teal", "Sam Lind", None]


def test_a_lead_story_in_a_box_of_its_own_and_an_unlinked_title_beside_a_comment_link(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = headlines(capsys, site.url("lead-story.html"))
    assert [h["title"] for h in heads] == [
        "City budget approved after a long night",  # the hero's <h1>, alone in its section
        "Bus lanes extended on the ring road",
        "The museum gets a new wing for textiles",
        "River festival dates are set for June",
        "Survey finds school meals are improving",  # not "Leave a comment on this story"
    ]  # nor the tag cloud, nor the one archive story under its <h4> after the list
    assert heads[0]["summary"] == "Councillors voted nine to four shortly before two in the morning."
    assert heads[4]["url"] == site.url("2025/10/school-meals-survey/")


def test_a_saved_page_links_stories_on_its_canonical_host_and_kickers_are_not_titles(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = headlines(capsys, site.url("saved-page.html"))  # served from 127.0.0.1, canonical www.tidewater.example
    assert [(h["title"], h["url"]) for h in heads] == [
        (
            "Marsh boardwalk reopens with a new viewing tower",  # without its "Exclusive" kicker
            "https://www.tidewater.example/local/2025/10/02/marsh-boardwalk-reopens/",
        ),
        (
            "Oyster season opens two weeks early",
            "https://tidewater.example/local/2025/10/01/oyster-season-opens-early/",
        ),
        (
            "Harbor pilots warn of a staff shortage",  # a subdomain; without the "Premium" badge
            "https://news.tidewater.example/local/2025/09/30/harbor-pilot-shortage/",
        ),
    ]  # not the story on elsewhere.example
    assert heads[0]["author"] == "June Park"


def test_posts_with_their_own_header_outside_any_article(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    heads = headlines(capsys, site.url("div-posts.html"))
    assert [(h["title"], h["published"]) for h in heads] == [
        ("The old stone wall is rebuilt by hand", "2025-10-02T08:00:00+02:00"),  # <div class=post><header>...
        ("Swimming ban at the quarry pond stays", "2025-10-01T08:00:00+02:00"),
        ("A new record at the hill race", None),
    ]  # the site's header and footer stay out
    assert heads[0]["summary"] == "Volunteers spent six weekends setting each stone in lime mortar."


def test_the_newest_story_featured_in_an_aside_of_its_own(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    heads = headlines(capsys, site.url("featured-aside.html"))  # Pelican's default theme, hAtom
    assert [(h["title"], h["published"], h["author"]) for h in heads] == [
        ("New lamps for Lantern Street, at last", "2025-10-03T19:30:00+02:00", "Mira Holt"),
        ("The library opens late on Thursdays", "2025-09-28T09:00:00+02:00", "Mira Holt"),
        ("Cobbles relaid outside the bakery", "2025-09-20T08:00:00+02:00", None),
        ("Photos from the street party", None, None),
    ]  # not the sidebar's story
    assert heads[0]["url"] == site.url("new-lamps-for-lantern-street.html")
    assert heads[1]["summary"] == "From October the reading room stays open until nine on Thursday evenings."
