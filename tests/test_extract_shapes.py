"""Whole stories from page shapes met on real sites (each written here, in the shape that broke the reader):
comments beside pictures, real paragraphs under class names that look like boilerplate, related lists, a page's
article printed twice, hidden player dialogs; dates and bylines in microdata and hAtom; failures reported, never
hidden; and a fuzz of arbitrary markup that must come back as an Article."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsreader import cli
from newsreader.extract import ExtractError, extract_article
from newsreader.model import Article
from tests.site_server import SiteServer

URL = "https://steppe.example/news/2025/solar-plant"
PARAS = [
    "The new solar plant near Kapchagay began feeding the grid on Monday, the regional energy company said, after "
    "eighteen months of construction on the northern shore of the reservoir.",
    "Its two hundred thousand panels are expected to produce enough power for about sixty thousand homes, and the "
    "company plans a second field of the same size to the east by the end of next year.",
    "Engineers said the dry climate and long hours of sunshine made the site one of the best in the country, though "
    "dust storms in spring mean the panels must be cleaned by machine every few weeks.",
    "Local officials hope the plant will bring jobs to the area, where the fishing industry has shrunk, and a "
    "training centre for technicians is to open in the town in the autumn.",
]


def page(body: str, head: str = "", title: str = "Solar plant opens on the reservoir shore") -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Steppe Daily</title>
<meta property="og:site_name" content="Steppe Daily">{head}</head><body>
<header class="site-header"><a href="/">Steppe Daily</a><nav><a href="/news/">News</a> <a href="/sport/">Sport</a>
<a href="/culture/">Culture</a></nav></header>
<main><article><h1>{title}</h1>
{body}
</article></main>
<footer><p>© Steppe Daily 2025. All rights reserved.</p><a href="/about">About us</a></footer></body></html>"""


def paragraphs(items: list[str] = PARAS) -> str:
    return "\n".join(f"<p>{p}</p>" for p in items)


def body_of(article: Article) -> list[str]:
    return [b for b in article.text.split("\n\n") if b.strip()]


# -- shapes that lost the body ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "picture",
    [
        '<figure><img src="/img/panels.jpg" alt="Panels"></figure><!-- ad slot -->',
        '<div class="photo"><img src="/img/panels.jpg" alt="Panels"></div><!-- /photo --><p class="caption">Photo: '
        "Energy company</p>",
        '<img src="/img/panels.jpg" alt="Panels"><!-- lazy loader --><?php echo $x ?>',
        '<div><img src="/img/panels.jpg"><!--[if IE]><p>old browser</p><![endif]--></div>',
    ],
)
def test_a_comment_beside_a_picture_keeps_the_body(picture: str) -> None:
    # On real pages an image followed by a comment raised inside caption-finding, and the story came back empty.
    a = extract_article(page(picture + paragraphs(), head='<meta property="og:image" content="/img/panels.jpg">'), URL)
    assert body_of(a) == PARAS
    assert a.image is not None and a.image.url == "https://steppe.example/img/panels.jpg"


def test_a_paragraph_that_starts_with_photo_is_not_a_caption() -> None:
    text = [
        "Photography students from Almaty spent the week on the shore, recording the construction for an exhibition.",
        *PARAS,
    ]
    head = '<meta property="og:image" content="/img/panels.jpg">'
    a = extract_article(page('<img src="/img/panels.jpg" alt="">' + paragraphs(text), head=head), URL)
    assert body_of(a) == text
    assert a.image is not None and a.image.caption == ""


@pytest.mark.parametrize(
    "wrapper",
    ["entry-content has-ads", "story-body share-enabled", "post-content tags-inline", "article__body promo-free"],
)
def test_real_paragraphs_under_boilerplate_looking_class_names_stay(wrapper: str) -> None:
    # Markup was once cut by class-name patterns ("ads", "share", "tags", "promo") before extraction.
    a = extract_article(page(f'<div class="{wrapper}">{paragraphs()}</div>'), URL)
    assert body_of(a) == PARAS


def test_a_related_list_is_shown_apart_and_a_section_under_a_similar_heading_stays() -> None:
    section = [
        "The plant also stores power: a bank of batteries beside the substation keeps the lights on for two hours "
        "after sunset, and the company says it will double that next year.",
        "A second bank, built by a firm from Shymkent, is to be tested over the winter.",
    ]
    related = """<div class="read-next"><h3>Read this next</h3><ul>
    <li><a href="/news/2025/wind-farm">Wind farm planned near Shelek</a></li>
    <li><a href="/news/2025/grid-upgrade">Grid upgrade for the south</a></li>
    <li><a href="/news/2025/tariffs">Electricity tariffs to rise in January</a></li></ul></div>"""
    more = f"<section><h2>More ways to store the sun</h2>{paragraphs(section)}</section>"
    a = extract_article(page(paragraphs() + more + related), URL)
    assert [r.title for r in a.related] == [
        "Wind farm planned near Shelek",
        "Grid upgrade for the south",
        "Electricity tariffs to rise in January",
    ]
    body = a.text
    for p in [*PARAS, *section]:
        assert p in body
    assert "More ways to store the sun" in body  # a heading of the story's own, though it starts like a list's
    for gone in ("Read this next", "Wind farm planned", "Grid upgrade", "Electricity tariffs"):
        assert gone not in body


def test_an_article_printed_twice_in_the_page_is_read_once() -> None:
    # Some sites carry the story twice (a print copy, a "reader mode" copy): each paragraph once in the body.
    twice = f'<div class="screen">{paragraphs()}</div><div class="print-copy">{paragraphs()}</div>'
    a = extract_article(page(twice), URL)
    assert body_of(a) == PARAS


def test_a_video_players_hidden_dialogs_are_not_body() -> None:
    player = """<div class="video-js"><video src="/v.mp4"></video>
    <div class="vjs-modal-dialog" role="dialog" aria-hidden="true"><p>This is a modal window. This modal can be
    closed by pressing the Escape key or activating the close button.</p></div>
    <div class="vjs-text-track-settings" hidden><p>Chapters, descriptions off, selected, subtitles off, selected,
    captions settings, opens captions settings dialog, captions off, selected.</p></div></div>"""
    a = extract_article(page(player + paragraphs()), URL)
    assert body_of(a) == PARAS


def test_everything_hidden_still_gives_the_body() -> None:
    # A wrapper marked hidden by the page (a modal's backdrop, say) is read after all rather than lose the story.
    a = extract_article(page(f'<div aria-hidden="true">{paragraphs()}</div>'), URL)
    assert body_of(a) == PARAS


def test_pictures_in_the_text_stay_where_they_stand() -> None:
    middle = '<p><img src="/img/map.png" alt="Map of the site"></p>'
    a = extract_article(page(paragraphs(PARAS[:2]) + middle + paragraphs(PARAS[2:])), URL)
    assert body_of(a) == [*PARAS[:2], "![Map of the site](https://steppe.example/img/map.png)", *PARAS[2:]]


# -- dates and bylines from the markup people use -----------------------------------------------------

KZ = timezone(timedelta(hours=5))


@pytest.mark.parametrize(
    ("markup", "head"),
    [
        ('<abbr class="published" title="2025-10-02T08:15:00+05:00">2 October</abbr>', ""),
        ('<span class="entry-date published" datetime="2025-10-02T08:15:00+05:00">2 Oct</span>', ""),
        ('<span itemprop="datePublished" content="2025-10-02T08:15:00+05:00">2 October 2025</span>', ""),
        ("", '<meta itemprop="datePublished" content="2025-10-02T08:15:00+05:00">'),
        ("", '<meta property="article:published_time" content="2025-10-02T08:15:00+05:00">'),
        ("", '<meta name="pubdate" content="2025-10-02T08:15:00+0500">'),
        ('<time datetime="2025-10-02T08:15:00+05:00">2 October</time>', ""),
    ],
)
def test_the_date_is_read_with_its_local_offset(markup: str, head: str) -> None:
    a = extract_article(page(f"<p class='meta'>{markup}</p>" + paragraphs(), head=head), URL)
    assert a.published == datetime(2025, 10, 2, 8, 15, tzinfo=KZ)
    assert a.published is not None and a.published.utcoffset() == timedelta(hours=5)  # the page's own zone


def test_updated_from_hatom_and_microdata() -> None:
    markup = (
        '<abbr class="published" title="2025-10-02T08:15:00+05:00">2 Oct</abbr> '
        '<abbr class="updated" title="2025-10-03T09:00:00+05:00">3 Oct</abbr>'
    )
    a = extract_article(page(f"<p>{markup}</p>" + paragraphs()), URL)
    assert a.updated == datetime(2025, 10, 3, 9, 0, tzinfo=KZ)


@pytest.mark.parametrize(
    "byline",
    [
        '<a rel="author" href="/authors/aigerim">Aigerim Nurlanova</a>',
        '<span itemprop="author">Aigerim Nurlanova</span>',
        '<p class="byline">By Aigerim Nurlanova</p>',
        '<p class="post-author">Aigerim Nurlanova</p>',
    ],
)
def test_bylines_are_read_and_left_out_of_the_body(byline: str) -> None:
    a = extract_article(page(byline + paragraphs()), URL)
    assert a.authors == ["Aigerim Nurlanova"]
    assert body_of(a) == PARAS


# -- failures are reported, not hidden ----------------------------------------------------------------


def test_an_extraction_bug_is_an_error_that_names_its_cause_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import trafilatura

    def broken(*args: object, **kwargs: object) -> str:
        raise ValueError("Input object is not an XML element: HtmlComment")

    monkeypatch.setattr(trafilatura, "extract", broken)
    with caplog.at_level(logging.ERROR), pytest.raises(ExtractError, match="ValueError: Input object is not"):
        extract_article(page(paragraphs()), URL)
    assert any(URL in r.getMessage() and r.exc_info for r in caplog.records)


def test_article_json_exits_1_with_one_line_when_extraction_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import trafilatura

    root = tmp_path / "www"
    root.mkdir()
    (root / "story.html").write_text(page(paragraphs()), encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> str:
        raise ValueError("something the page did")

    monkeypatch.setattr(trafilatura, "extract", broken)
    with SiteServer(root, tmp_path) as site:
        code = cli.main(["article", site.url("story.html"), "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("newsreader: error: ") and "ValueError" in err
    log = (tmp_path / "cache" / "newsreader" / "newsreader.log").read_text(encoding="utf-8")
    assert "story.html" in log and "Traceback" in log  # the whole story of the failure is in the log file


def test_article_json_of_a_real_shape_has_the_whole_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "www"
    root.mkdir()
    shape = '<div class="photo"><img src="/img/p.jpg"></div><!-- x --><p class="caption">Photo: Steppe Daily</p>'
    (root / "story.html").write_text(page(shape + paragraphs()), encoding="utf-8")
    with SiteServer(root, tmp_path) as site:
        code = cli.main(["article", site.url("story.html"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["text"].split("\n\n") == PARAS
    assert data["image"] == {"url": site.url("img/p.jpg"), "caption": "Photo: Steppe Daily"}


# -- fuzz -----------------------------------------------------------------------------------------------

_TAGS = [
    "p",
    "div",
    "span",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "tr",
    "td",
    "ul",
    "li",
    "h1",
    "h2",
    "script",
    "style",
    "noscript",
    "iframe",
    "article",
    "aside",
    "html",
    "body",
    "head",
    "frameset",
    "frame",
]
_PIECES = st.one_of(
    st.sampled_from(_TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(_TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(
        [
            "<!-- c -->",
            "<!--",
            "-->",
            "<?xml version='1.0'?>",
            "<?php x ?>",
            "<!DOCTYPE html>",
            "<![CDATA[x]]>",
            "<!--[if IE]>",
            "<![endif]-->",
            '<img src="/a.jpg" alt="x">',
            '<a href="/x" aria-label="y"></a>',
            '<meta property="og:image" content="/i.jpg">',
            '<script type="application/ld+json">{"@type":"NewsArticle","headline":"h"</script>',
            '<p class="caption">Photo: x</p>',
            "&amp;",
            "&#0;",
            "&#xD800;",
            "\x00",
            "\x1b]52;c;eA==\x07",
            '<time datetime="2025-13-45T99:99">',
            '<abbr class="published" title="nonsense">',
            '<template id="B:1">',  # React's streamed parts and their placeholders, in any order and nesting
            '<div hidden id="S:1">',
            '<template id="P:1"></template>',
            "<sup>",
            "</u>",
        ]
    ),
    st.text(max_size=40),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=60))
def test_any_markup_comes_back_as_an_article(pieces: list[str]) -> None:
    html = "".join(pieces)
    for data in (html, html.encode("utf-8", "surrogatepass")):
        a = extract_article(data, URL)  # an ExtractError here is a bug the fuzz found
        assert isinstance(a, Article) and a.url == URL
        assert "\x1b" not in a.text and "\x00" not in a.text


@pytest.mark.parametrize(
    "html",
    [
        "<!DOCTYPE html>",
        "<frameset><frame src='/a'><frame src='/b'></frameset>",
        "<html><html><body><html><p>nested</p></html></body></html></html>",
        "<?xml version='1.0'?><?php echo 1 ?>",
        "<!-- only a comment -->",
        "<p>" * 5000,
        "<div>" * 3000 + "deep" + "</div>" * 3000,
    ],
)
def test_degenerate_documents_come_back_as_an_article(html: str) -> None:
    a = extract_article(html, URL)
    assert isinstance(a, Article) and a.url == URL


@pytest.mark.parametrize(
    "box",
    [
        '<div class="subscribe-box">Subscribe to our Telegram channel to get the news first.</div>',
        '<p class="newsletter-signup">Get the morning briefing in your inbox every day.</p>',
        '<div id="cookie-consent">We use cookies to improve your experience on our site.</div>',
    ],
)
def test_a_call_to_action_the_page_marks_as_one_is_not_body(box: str) -> None:
    a = extract_article(page(paragraphs() + box), URL)
    assert body_of(a) == PARAS


def test_a_paragraph_in_a_container_named_like_a_call_to_action_stays() -> None:
    # Only a short box's own text leaves: the story's paragraphs in a "promo-free" or "newsletter" container stay.
    a = extract_article(page(f'<div class="newsletter-edition">{paragraphs()}</div>'), URL)
    assert body_of(a) == PARAS
