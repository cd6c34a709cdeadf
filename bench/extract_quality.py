"""Body-text precision/recall of extraction on a labelled set of pages, and time per page.

`python -m bench.extract_quality [--runs N]` prints a Markdown table: our extract_article against bare trafilatura.
Each page in bench/labelled/ (NAME.html, in the shape of one CMS) has its true body written by hand in NAME.txt.
Precision is the share of extracted words that belong to the body, recall the share of body words extracted
(multisets of lower-case word tokens; Markdown link targets are not words). Times are per call, after a warm-up.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LABELLED = Path(__file__).resolve().parent / "labelled"
SAMPLE = LABELLED.parent.parent / "newsreader" / "demo" / "pages"  # the sample site's story pages
URL = "https://example.test/news/story.html"
WORD = re.compile(r"\w+", re.UNICODE)
LINK_TARGET = re.compile(r"\]\([^)]*\)")


def words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in WORD.findall(LINK_TARGET.sub("]", text)))


@dataclass
class Score:
    precision: float
    recall: float
    times_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)


def score(extract: Callable[[bytes, str], str], page: bytes, expected: str, runs: int) -> Score:
    text = extract(page, URL)  # warm-up: imports and caches are not the page's cost
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        text = extract(page, URL)
        times.append((time.perf_counter() - start) * 1000)
    got, want = words(text), words(expected)
    common = sum((got & want).values())
    return Score(common / max(1, sum(got.values())), common / max(1, sum(want.values())), times)


def ours(page: bytes, url: str) -> str:
    from newsreader.extract import extract_article

    return extract_article(page, url).text


def bare_trafilatura(page: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(page, url=url) or ""


def cases() -> dict[str, tuple[bytes, str]]:
    labelled = {
        html.stem: (html.read_bytes(), html.with_suffix(".txt").read_text(encoding="utf-8"))
        for html in sorted(LABELLED.glob("*.html"))
    }
    return labelled | sample_site()


def sample_site() -> dict[str, tuple[bytes, str]]:
    """The sample site's story pages; their true bodies are their .post-body paragraphs."""
    from lxml import html as lxml_html

    out = {}
    for page in sorted(SAMPLE.glob("*.html")):
        tree = lxml_html.fromstring(page.read_bytes())
        body = "\n\n".join(p.text_content() for p in tree.xpath('//div[@class="post-body"]/p'))
        out[f"sample:{page.stem[:24]}"] = (page.read_bytes(), body)
    return out


def _cell(s: Score) -> str:
    return f"{s.precision:.2f} | {s.recall:.2f} | {s.median:.1f} ({min(s.times_ms):.1f}-{max(s.times_ms):.1f})"


def table(runs: int = 7) -> str:
    """Per page: ours and trafilatura's precision, recall and ms per page (median, min-max); the last row's
    ms are the median of the pages' medians."""
    lines = [
        "| page | ours: precision | recall | ms median (min-max) | trafilatura: precision | recall | ms median (min-max) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    mine: list[Score] = []
    theirs: list[Score] = []
    for name, (page, expected) in cases().items():
        a, b = score(ours, page, expected, runs), score(bare_trafilatura, page, expected, runs)
        mine.append(a)
        theirs.append(b)
        lines.append(f"| {name} | {_cell(a)} | {_cell(b)} |")

    def summary(scores: list[Score]) -> str:
        p = statistics.mean(s.precision for s in scores)
        r = statistics.mean(s.recall for s in scores)
        return f"**{p:.2f}** | **{r:.2f}** | **{statistics.median(s.median for s in scores):.1f}**"

    lines.append(f"| **mean of {len(mine)}** | {summary(mine)} | {summary(theirs)} |")
    return "\n".join(lines)


def sample_site_timing(runs: int = 7) -> str:
    """extract_article on the sample site's four story pages (newsreader/demo/pages, the site's news/): ms per page."""
    pages = sorted(SAMPLE.glob("*.html"))
    per_page = [score(ours, p.read_bytes(), "", runs) for p in pages]
    medians = [s.median for s in per_page]
    every = [t for s in per_page for t in s.times_ms]
    return (
        f"Sample site, {len(pages)} story pages x {runs} runs: median {statistics.median(medians):.1f} ms per page "
        f"(per-page medians {min(medians):.1f}-{max(medians):.1f}; all calls {min(every):.1f}-{max(every):.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed calls per page and extractor (default 7)")
    runs = parser.parse_args().runs
    print(table(runs))
    print()
    print(sample_site_timing(runs))


if __name__ == "__main__":
    main()
