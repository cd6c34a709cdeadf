"""The headline and the story as the page shows them, where its markup says otherwise: Open Graph tags that describe
the site's home page, a JSON-LD headline written for search engines, titles escaped twice, a logo in an <h1>, and
a story streamed into its page after the shell (React's streaming server rendering), and the inline HTML
trafilatura leaves in its Markdown."""

from __future__ import annotations

import pytest

from newsreader.extract import extract_article
from tests.test_extract_cards import TEASERS
from tests.test_extract_shapes import PARAS, URL, body_of, page, paragraphs

HEADLINE = "Solar plant opens on the reservoir shore"


def bare(body: str, head: str = "", title: str = f"{HEADLINE} | Steppe Daily") -> str:
    """A page without the shapes' own <h1>: each test says what the page shows."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><header><a href="/">Steppe Daily</a></header><main><article>{body}</article></main></body></html>"""


def test_open_graph_tags_of_the_home_page_are_not_the_storys() -> None:
    # The same og:title, og:image and og:url (the site's root) on every page: the site's, not this story's.
    head = (
        '<meta property="og:title" content="Official blog of the Steppe Daily">'
        '<meta property="og:url" content="https://steppe.example/">'
        '<meta property="og:image" content="https://steppe.example/static/logo.png">'
    )
    body = f'<h2><a href="{URL}">{HEADLINE}</a></h2>{paragraphs()}'
    article = extract_article(bare(body, head, title=f"{HEADLINE} - Steppe Daily"), URL)
    assert article.title == HEADLINE
    assert article.image is None  # the logo is no lead photo
    assert body_of(article) == PARAS  # the headline, shown apart, is not repeated in the body


def test_open_graph_tags_of_this_page_are_read() -> None:
    head = (
        f'<meta property="og:title" content="{HEADLINE}"><meta property="og:url" content="{URL}">'
        '<meta property="og:image" content="https://steppe.example/img/plant.jpg">'
    )
    article = extract_article(bare(paragraphs(), head), URL)
    assert article.title == HEADLINE
    assert article.image is not None and article.image.url == "https://steppe.example/img/plant.jpg"


def test_a_logo_in_an_h1_is_not_the_headline_the_title_agrees_with() -> None:
    logo = '<div class="logo"><h1><a href="/">WIRED</a></h1></div>'
    body = f"<h1>{HEADLINE}</h1>{paragraphs()}"
    article = extract_article(
        bare(body, title=f"{HEADLINE} | Danger Room | Wired.com").replace("<main>", logo + "<main>"), URL
    )
    assert article.title == HEADLINE
    assert body_of(article) == PARAS


def test_the_visible_headline_wins_over_a_json_ld_headline_written_for_search() -> None:
    ld = '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Solar Plant Review With Photos"}'
    head = f'<script type="application/ld+json">{ld}</script><meta property="og:title" content="{HEADLINE}">'
    article = extract_article(bare(f"<h1>{HEADLINE}</h1>{paragraphs()}", head, title="Steppe Daily"), URL)
    assert article.title == HEADLINE


def test_a_json_ld_headline_stays_when_no_heading_agrees_with_anything() -> None:
    ld = '{"@type": "NewsArticle", "headline": "Solar plant opens"}'
    head = f'<script type="application/ld+json">{ld}</script>'
    article = extract_article(bare(f"<h1>Energy</h1>{paragraphs()}", head, title="Steppe Daily"), URL)
    assert article.title == "Solar plant opens"


@pytest.mark.parametrize(
    "head",
    [
        # A JSON string holding an HTML entity; an attribute escaped twice (its value reads "It&#39;s ...").
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "It&#39;s a bright day"}</script>',
        '<meta property="og:title" content="It&amp;#39;s a bright day">',
    ],
)
def test_a_title_escaped_twice_is_read_as_the_page_shows_it(head: str) -> None:
    article = extract_article(bare(paragraphs(), head, title="Steppe Daily"), URL)  # no <h1> to read instead
    assert article.title == "It's a bright day"


def test_a_story_streamed_after_the_page_shell_is_read_where_it_stands() -> None:
    # React's streaming server rendering: a placeholder where the story goes, the story later in a hidden <div>,
    # and a script that moves it in. Hidden parts are left out; this one is the story.
    streamed = (
        f'<h1>{HEADLINE}</h1><template id="B:3"></template><p class="tail">After the story.</p>'
        f'<div hidden id="S:3">{paragraphs()}</div>'
        '<script>$RC("B:3","S:3")</script>'
    )
    article = extract_article(bare(streamed), URL)
    body = body_of(article)
    assert body[: len(PARAS)] == PARAS


def test_a_hidden_part_nothing_moves_in_stays_hidden() -> None:
    hidden = f'{paragraphs()}<div hidden id="S:7"><p>{"A part that no placeholder asks for. " * 5}</p></div>'
    body = body_of(extract_article(bare(hidden), URL))
    assert body == PARAS


def test_cards_in_a_grid_that_marks_its_first_and_last_are_teasers() -> None:
    # "grid_3 alpha", "grid_3", "grid_3 omega": one kind of sibling, its ends marked for the layout.
    marks = ["grid_3 alpha", "grid_3", "grid_3 omega"]
    grid = "".join(
        f'<li class="{mark}"><h3><a href="{path}">{title}</a></h3><p>{blurb}</p></li>'
        for mark, (path, title, blurb) in zip(marks, TEASERS, strict=True)
    )
    body = body_of(extract_article(page(paragraphs() + f"<ul>{grid}</ul>"), URL))
    assert body == PARAS


def test_a_card_linking_to_the_page_by_its_canonical_address_is_this_story() -> None:
    # Read from a copy: a card of the story itself (its own lead as teaser) among other cards is not another story.
    head = f'<link rel="canonical" href="{URL}">'
    own = [("/news/2025/solar-plant", HEADLINE, PARAS[0]), *TEASERS]
    grid = "".join(
        f'<div class="card"><h3><a href="https://steppe.example{path}">{title}</a></h3><p>{blurb}</p></div>'
        for path, title, blurb in own
    )
    body = body_of(extract_article(page(paragraphs() + f"<div>{grid}</div>", head=head), "http://127.0.0.1:9/a.html"))
    assert body[0] == PARAS[0]  # the story's lead, though its own card repeats it


def test_superscripts_subscripts_and_underlines_are_text_not_html() -> None:
    story = (
        "<p>The reservoir holds 6.5 km<sup>3</sup> of water, and the plant splits H<sub>2</sub>O for hydrogen"
        ' at night.<sup><a href="#note-1">[1]</a></sup> Its output is <u>not</u> yet sold abroad.</p>'
        "<p>The panels track the sun from east to west, turning a few degrees every quarter of an hour through the"
        " day.</p><pre><code>label = '&lt;u&gt;kept as written&lt;/u&gt;'\nprint(label)</code></pre>"
    )
    text = extract_article(bare(f"<h1>{HEADLINE}</h1>{story}"), URL).text
    assert "6.5 km³ of water" in text and "H₂O for hydrogen" in text
    assert "at night.[[1]](" in text.replace("\\", "")  # a footnote mark has no superscript form: its text stays
    assert "Its output is not yet sold" in text
    assert "'<u>kept as written</u>'" in text.split("```")[1]  # code is shown as the page wrote it
    before_code = text.split("```")[0]
    assert "<sup>" not in before_code and "<sub>" not in before_code and "<u>" not in before_code


@pytest.mark.parametrize(
    "navigation",
    [
        '<p><a href="/news/2025/wind-farm">« Wind farm planned for the pass</a> | <a href="/">Main</a> |'
        ' <a href="/news/2025/rail-link">Rail link to the border reopens »</a></p>',
        '<p><a href="/news/2025/wind-farm">‹ Previous story</a> · <a href="/news/2025/rail-link">Next story ›</a></p>',
    ],
)
def test_links_to_the_previous_and_next_posts_are_not_body(navigation: str) -> None:
    body = body_of(extract_article(page(paragraphs() + navigation), URL))
    assert body == PARAS


def test_a_sentence_with_a_marked_link_stays() -> None:
    # Words besides the links: the story's own pointer ("Read more: ... »"), not navigation.
    line = '<p>Read more: <a href="https://energy.example/guide">the region\'s guide to solar power »</a></p>'
    body = body_of(extract_article(page(paragraphs() + line), URL))
    assert any("Read more" in b for b in body)


def test_a_section_heading_that_starts_the_title_is_not_the_headline() -> None:
    ld = '{"@type": "NewsArticle", "headline": "Earthquake shakes the valley"}'
    head = f'<script type="application/ld+json">{ld}</script>'
    body = f"<h1>Breaking news today</h1><h1>Earthquake shakes the valley</h1>{paragraphs()}"
    article = extract_article(bare(body, head, title="Breaking news today: Earthquake shakes the valley"), URL)
    assert article.title == "Earthquake shakes the valley"
