"""Time of the headline scrape of listing pages, per page.

`python -m bench.listings [--runs N] [--impl FILE] [PAGE ...]` prints a Markdown table: for each page, the headlines
found and the median (min-max) milliseconds of `scrape_headlines` over N runs, after one warm-up call.
Pages: the tests' listing fixtures and the sample site's front page, the pages given (files or directories of
.html), and two generated pages of 100 and 400 cards (with navigation, tags and a pager) to show how the cost grows.
`--impl FILE` times the `scrape_headlines` of another copy of scrape.py (e.g. an older one, from `git show`).
`--summary` prints one line instead of the table (for many pages, e.g. ../shared/eval/extraction/pages).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DEFAULT_PAGES = [*sorted((FIXTURES / "listings").glob("*.html")), FIXTURES / "kz-news-site" / "index.html"]
URL = "https://listing.example/"

Scrape = Callable[..., list[Any]]


def generated(cards: int) -> bytes:
    """A card grid of `cards` stories, each with tag, title, excerpt, byline and date; nav, tags and pager around."""
    nav = "".join(f'<li><a href="/section/s{i}/">Section {i}</a></li>' for i in range(20))
    items = "".join(
        f'<article class="card"><a class="card__image" href="/2025/10/story-number-{i}/"><img alt="Story {i}"></a>'
        f'<a class="card__link" href="/2025/10/story-number-{i}/"><span class="tag">Tag {i % 7}</span>'
        f'<h3 class="card__title">Headline number {i} of the generated listing page</h3>'
        f'<p class="card__excerpt">An excerpt of story {i}, long enough to be a teaser of a few words.</p></a>'
        f'<p class="meta"><span class="byline">By Author {i % 5}</span> '
        f'<time datetime="2025-10-{1 + i % 28:02d}T08:15:00+05:00">Oct</time> '
        f'<a href="/tag/t{i % 9}/" rel="tag">t{i % 9}</a></p></article>'
        for i in range(cards)
    )
    pager = "".join(f'<a href="/page/{i}/">{i}</a>' for i in range(2, 12))
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Generated</title></head><body>'
        f'<header><nav><ul class="menu">{nav}</ul></nav></header><main><div class="grid">{items}</div>'
        f'<nav class="pagination">{pager}</nav></main><footer><a href="/privacy/">Privacy</a></footer></body></html>'
    ).encode()


def load(impl: str | None) -> Scrape:
    if impl is None:
        from newsreader.sources.scrape import scrape_headlines

        return scrape_headlines
    spec = importlib.util.spec_from_file_location("bench_scrape_impl", impl)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {impl}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    fn: Scrape = module.scrape_headlines
    return fn


def pages(given: list[str]) -> list[tuple[str, bytes]]:
    paths = list(DEFAULT_PAGES)
    for name in given:
        p = Path(name)
        paths.extend(sorted(p.glob("*.html")) if p.is_dir() else [p])
    found = [(p.name, p.read_bytes()) for p in paths]
    return [*found, ("generated, 100 cards", generated(100)), ("generated, 400 cards", generated(400))]


def measure(scrape: Scrape, data: bytes, runs: int) -> tuple[int, list[float]]:
    found = len(scrape(data, URL))  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        scrape(data, URL)
        times.append((time.perf_counter() - start) * 1000)
    return found, times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="*", help="more listing pages: files or directories of .html")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--impl", help="a scrape.py to time instead of the installed one")
    ap.add_argument("--summary", action="store_true", help="one line of figures, no table")
    args = ap.parse_args()
    scrape = load(args.impl)
    if not args.summary:
        print("| page | KB | headlines | ms: median (min–max) |")
        print("| --- | --- | --- | --- |")
    medians = []
    for name, data in pages(args.pages):
        found, times = measure(scrape, data, args.runs)
        medians.append(statistics.median(times))
        if not args.summary:
            print(
                f"| {name} | {len(data) / 1024:.0f} | {found} | {medians[-1]:.2f} ({min(times):.2f}–{max(times):.2f}) |"
            )
    medians.sort()
    print(
        f"\n{len(medians)} pages, {args.runs} runs each; per page, ms: median {statistics.median(medians):.2f}, "
        f"p95 {medians[int(len(medians) * 0.95)]:.2f}, max {medians[-1]:.2f}"
    )


if __name__ == "__main__":
    main()
