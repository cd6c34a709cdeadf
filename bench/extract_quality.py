"""Body-text precision/recall of extraction on a small labelled set of pages, and time per page.

`python -m bench.extract_quality` prints a Markdown table (ours against bare trafilatura). Each page is built
here in the shape of a common CMS, with its true body written out: precision is the share of extracted words
that belong to the body, recall the share of body words that were extracted (multisets of lower-case words).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "kz-news-site" / "news"

BODY = [
    "The regional council approved the new water plan on Tuesday after a debate that lasted most of the afternoon.",
    "Under the plan, three reservoirs will be repaired before the spring floods, and pipes in older districts replaced.",
    "Engineers said the work would cost less than building new reservoirs, which the previous plan had proposed.",
    "Residents of the eastern districts, where taps ran dry twice last summer, welcomed the decision.",
    "The first contracts are expected to be signed in January, the council's press service said.",
]
NAV = '<nav class="menu"><a href="/">Home</a> <a href="/politics/">Politics</a> <a href="/sport/">Sport</a></nav>'
COOKIE = '<div class="cookie-consent">We use cookies. <button>OK</button></div>'
SHARE = '<div class="social-share"><a href="#">Share on Facebook</a> <a href="#">Tweet this</a></div>'
RELATED = '<aside class="related-posts"><h3>Read also</h3><ul><li><a href="/a">Budget passes first reading in parliament</a></li><li><a href="/b">Heating season starts early in the north</a></li></ul></aside>'
FOOTER = '<footer class="site-footer"><p>© 2025 Example Media. All rights reserved. Contact the newsroom.</p></footer>'
COMMENTS = '<section id="comments" class="comments"><h3>3 comments</h3><div class="comment">Great news for our street, finally!</div></section>'
ADS = '<div class="advertisement">Advertisement: buy cheap flights now</div>'


def paras(tag: str = "p") -> str:
    return "".join(f"<{tag}>{p}</{tag}>" for p in BODY)


PAGES: dict[str, str] = {
    "wordpress": f"""<html><head><title>Council approves water plan – City Blog</title></head><body>{NAV}{COOKIE}
        <div id="content"><article class="post hentry"><h1 class="entry-title">Council approves water plan</h1>
        <div class="entry-meta">Posted by <a rel="author" href="/u/asel">Asel</a></div>
        <div class="entry-content">{paras()}</div>{SHARE}</article>{COMMENTS}</div>
        <div id="sidebar">{RELATED}<div class="widget">Archives: October, September</div></div>{FOOTER}</body></html>""",
    "drupal": f"""<html><head><title>Water plan</title></head><body><div id="page">{NAV}
        <div class="region-content"><div class="node node-article"><h1>Council approves water plan</h1>
        <div class="field field-name-body"><div class="field-items"><div class="field-item even">{paras()}</div></div></div>
        <div class="field-name-field-tags"><a href="/t/water">Water</a></div></div></div>
        <div class="region-sidebar">{RELATED}{ADS}</div>{FOOTER}</div></body></html>""",
    "json_ld_news": f"""<html><head><title>Council approves water plan | Daily</title>
        <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Council approves water plan",
        "author": {{"@type": "Person", "name": "Marat Aliyev"}}, "datePublished": "2025-11-04T10:00:00+05:00"}}</script>
        </head><body>{NAV}{COOKIE}<main><article><header><h1>Council approves water plan</h1></header>
        <figure><img src="/p.jpg"><figcaption>Photo: council press service</figcaption></figure>
        {paras()}{ADS}<p class="credit">Original Author: Marat Aliyev</p></article>{RELATED}</main>{FOOTER}</body></html>""",
    "medium_like": f"""<html><head><title>Council approves water plan</title></head><body>
        <div class="metabar">Sign in · Get started</div><article><section><div class="section-content">
        <h1>Council approves water plan</h1><div class="byline">By Dana K. · 4 min read</div>
        {paras()}</div></section></article><div class="responses">See responses (12)</div>{FOOTER}</body></html>""",
    "legacy_tables": f"""<html><head><title>Water plan</title></head><body><table width="100%"><tr>
        <td class="left">{NAV}</td><td class="main"><font size="4"><b>Council approves water plan</b></font><br>
        {"<br><br>".join(BODY)}</td><td class="right">{ADS}{RELATED}</td></tr></table>{FOOTER}</body></html>""",
    "divs_only": f"""<html><head><title>Water plan</title></head><body>{NAV}<div class="wrapper"><div class="article-text">
        <div class="title">Council approves water plan</div>{paras("div")}</div>{SHARE}</div>{COMMENTS}{FOOTER}</body></html>""",
    "blog_with_list": f"""<html><head><title>Water plan</title></head><body>{NAV}<div class="post-body">
        <h1>Council approves water plan</h1>{paras()}</div>{RELATED}{COMMENTS}{FOOTER}</body></html>""",
    "amp_like": f"""<html amp><head><title>Water plan</title></head><body><header class="amp-header">{NAV}</header>
        <main id="main"><article class="amp-article"><h1 class="amp-title">Council approves water plan</h1>
        <div class="amp-meta">Nov 4, 2025</div><div class="amp-body">{paras()}</div>{SHARE}</article></main>
        {ADS}{FOOTER}</body></html>""",
}


def sample_site() -> dict[str, tuple[str, list[str]]]:
    """The sample site's pages, whose true bodies are their .post-body paragraphs."""
    from lxml import html as lxml_html

    out = {}
    for page in sorted(SAMPLE.glob("*.html")):
        tree = lxml_html.fromstring(page.read_bytes())
        body = [" ".join(p.text_content().split()) for p in tree.xpath('//div[@class="post-body"]/p')]
        out[f"sample:{page.stem[:24]}"] = (page.read_text(encoding="utf-8"), body)
    return out


WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> Counter[str]:
    text = re.sub(r"\]\([^)]*\)", "]", text)  # Markdown link targets are not body words
    return Counter(w.lower() for w in WORD.findall(text))


@dataclass
class Score:
    precision: float
    recall: float
    ms: float


def score(extract: Callable[[str, str], str], page: str, body: list[str], runs: int) -> Score:
    times = []
    text = ""
    for _ in range(runs):
        start = time.perf_counter()
        text = extract(page, "https://example.test/news/water-plan.html")
        times.append((time.perf_counter() - start) * 1000)
    got, want = words(text), words(" ".join(body))
    common = sum((got & want).values())
    return Score(common / max(1, sum(got.values())), common / max(1, sum(want.values())), statistics.median(times))


def ours(page: str, url: str) -> str:
    from newsreader.extract import extract_article

    return extract_article(page, url).text


def bare_trafilatura(page: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(page, url=url) or ""


def table(runs: int = 5) -> str:
    """The Markdown table: per page, ours and trafilatura's precision, recall and median ms."""
    cases = {name: (page, BODY) for name, page in PAGES.items()} | sample_site()
    lines = [
        "| page | ours: precision | recall | ms/page | trafilatura alone: precision | recall | ms/page |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    totals: dict[str, list[Score]] = {"ours": [], "bare": []}
    for name, (page, body) in cases.items():
        a, b = score(ours, page, body, runs), score(bare_trafilatura, page, body, runs)
        totals["ours"].append(a)
        totals["bare"].append(b)
        lines.append(
            f"| {name} | {a.precision:.2f} | {a.recall:.2f} | {a.ms:.1f} | {b.precision:.2f} | {b.recall:.2f} | {b.ms:.1f} |"
        )

    def mean(scores: list[Score], key: str) -> float:
        return statistics.mean(getattr(s, key) for s in scores)

    o, t = totals["ours"], totals["bare"]
    lines.append(
        f"| **mean of {len(cases)}** | **{mean(o, 'precision'):.2f}** | **{mean(o, 'recall'):.2f}** | "
        f"**{statistics.median(s.ms for s in o):.1f}** (median) | {mean(t, 'precision'):.2f} | {mean(t, 'recall'):.2f} | "
        f"{statistics.median(s.ms for s in t):.1f} (median) |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
