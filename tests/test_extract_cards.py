"""Teaser cards of other stories (a grid or list under the story, each a linked headline and a blurb) are not the
story's body; a story's own list of other sites' pages under linked headings, and its long sections, are."""

from __future__ import annotations

from newsreader.extract import extract_article
from tests.test_extract_shapes import PARAS, URL, body_of, page, paragraphs

TEASERS = [
    (
        "/news/2025/wind-farm",
        "Wind farm planned for the pass",
        "A developer wants sixty turbines on the ridge above "
        "the pass, where the wind blows most days of the year, and hearings begin next month in the district.",
    ),
    (
        "/news/2025/rail-link",
        "Rail link to the border reopens",
        "Trains run again on the line to the border after "
        "two years of repairs to its bridges, with four services a day in each direction and more in summer.",
    ),
    (
        "/news/2025/grain-harvest",
        "Grain harvest beats forecasts",
        "Farmers in the north brought in more wheat than "
        "forecast despite a dry July, and the ministry expects exports to rise for the third year running.",
    ),
]


def cards(items: list[tuple[str, str, str]], href_base: str = "") -> str:
    return "\n".join(
        f'<div class="post-card"><h5 class="cat"><a href="{href_base}/news/">News</a></h5>'
        f'<h3 class="title"><a href="{href_base}{path}">{title}</a></h3><p class="excerpt">{blurb}</p></div>'
        for path, title, blurb in items
    )


def test_teaser_cards_of_other_stories_are_not_body() -> None:
    html = page(paragraphs() + f'<div class="more-posts">{cards(TEASERS)}</div>')
    body = body_of(extract_article(html, URL))
    assert body == PARAS
    assert not any("wind blows" in b or "Rail link" in b for b in body)


def test_cards_linking_to_the_canonical_site_are_teasers_too() -> None:
    # Read from a mirror or a local copy: the page's canonical address names its site.
    head = '<link rel="canonical" href="https://steppe.example/news/2025/solar-plant">'
    html = page(paragraphs() + f"<div>{cards(TEASERS, 'https://steppe.example')}</div>", head=head)
    body = body_of(extract_article(html, "http://127.0.0.1:8000/solar-plant.html"))
    assert body == PARAS


def test_a_list_of_other_sites_under_linked_headings_stays() -> None:
    # The story's own list (tools, shops, sources), each item a linked heading and a line: body, not teasers.
    items = [(f"https://maker{i}.example/panel", title, blurb) for i, (_, title, blurb) in enumerate(TEASERS)]
    listed = "\n".join(
        f'<div class="item"><h3><a href="{path}">{title}</a></h3><p>{blurb}</p></div>' for path, title, blurb in items
    )
    body = body_of(extract_article(page(paragraphs() + listed), URL))
    assert body[: len(PARAS)] == PARAS
    assert any("wind blows" in b for b in body) and any("four services a day" in b for b in body)


def test_long_sections_under_linked_headings_stay() -> None:
    # A section of the story is longer than a card, even when its heading links to another page of the site.
    long = " ".join(PARAS)
    sections = "\n".join(
        f'<section class="part"><h3><a href="{path}">{title}</a></h3><p>{blurb} {long}</p></section>'
        for path, title, blurb in TEASERS
    )
    body = body_of(extract_article(page(sections), URL))
    assert sum("wind blows" in b or "four services a day" in b or "wheat than" in b for b in body) == 3


def test_cards_that_all_link_to_one_page_are_not_teasers() -> None:
    # The same target in every card (a "Read the series" link) names no other story: the blocks stay.
    same = [("/series/steppe", title, blurb) for _, title, blurb in TEASERS]
    body = body_of(extract_article(page(paragraphs() + f"<div>{cards(same)}</div>"), URL))
    assert any("wind blows" in b for b in body)
