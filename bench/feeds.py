"""Feed parsing measurements: `python -m bench.feeds {refresh,parse,conformance}`.

- `refresh [--runs N]`: the 500-feed cold refresh of docs/BENCHMARKS.md alone (no newsboat, no TUI), N runs.
- `parse [--runs N]`: parse time of the bench corpus and of feedparser's test corpus, by the reader
  (`parse_feed`), by feedparser-rs alone and by feedparser alone.
- `conformance [--verbose]`: see bench/conformance.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import write_corpus
from bench.run import ROOT, Refreshes, reader_setup, refresh_once
from bench.server import FeedServer


def refresh(runs: int, feeds: int = 500, items: int = 50, latency: float = 50) -> list[float]:
    got = Refreshes()
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nr-bench-feeds-", dir=work) as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=latency, max_seconds=3600) as server:
            urls = corpus / "urls.txt"
            write_corpus(corpus, feeds, items, server.base)
            for run in range(runs):
                refresh_once(server, *reader_setup(Path(tmp) / f"reader-{run}", urls), feeds, got, warm_tries=1)
                print(f"run {run}: cold {got.cold[-1]:.2f} s", flush=True)
    print(
        f"cold refresh, {feeds} feeds x {items} items, {latency:g} ms: median {statistics.median(got.cold):.2f} s "
        f"({min(got.cold):.2f}-{max(got.cold):.2f}) over {runs} runs; statuses {dict(got.statuses)}"
    )
    return got.cold


def _timeit(fn: object, docs: list[tuple[bytes, str, str]], runs: int) -> float:
    """Median over runs of the total seconds to parse every document once."""
    totals = []
    for _ in range(runs):
        start = time.perf_counter()
        for data, url, ctype in docs:
            try:
                fn(data, url, ctype)  # type: ignore[operator]
            except Exception as exc:
                del exc
        totals.append(time.perf_counter() - start)
    return statistics.median(totals)


def parse(runs: int) -> None:
    import feedparser
    import feedparser_rs

    from bench.conformance import CORPUS, corpus_files, read_case
    from newsreader.sources.feed import parse_feed

    def fp(data: bytes, url: str, ctype: str) -> object:
        import io

        return feedparser.parse(io.BytesIO(data), response_headers={"content-location": url, "content-type": ctype})

    def rs(data: bytes, url: str, ctype: str) -> object:
        return feedparser_rs.parse(data)

    sets: list[tuple[str, list[tuple[bytes, str, str]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(Path(tmp), 100, 50, "http://127.0.0.1:1")
        bench_docs = [
            (p.read_bytes(), f"http://127.0.0.1:1/{p.name}", "") for p in sorted(Path(tmp, "feeds").iterdir())
        ]
    sets.append(("bench corpus, 100 feeds x 50 items", bench_docs))
    if CORPUS.is_dir():
        cases = [read_case(p) for p in corpus_files()]
        sets.append((f"feedparser tests, {len(cases)} files", [(c.data, c.url, c.content_type) for c in cases]))
    else:
        print(f"{CORPUS} is absent: only the bench corpus", file=sys.stderr)
    for name, docs in sets:
        reader = _timeit(parse_feed, docs, runs)
        fast = _timeit(rs, docs, runs)
        slow = _timeit(fp, docs, max(1, runs // 2))
        print(
            f"{name}: reader parse_feed {reader * 1000:.0f} ms, feedparser-rs alone {fast * 1000:.0f} ms, "
            f"feedparser alone {slow * 1000:.0f} ms (median of {runs} runs)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("refresh")
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--feeds", type=int, default=500)
    p = sub.add_parser("parse")
    p.add_argument("--runs", type=int, default=5)
    c = sub.add_parser("conformance")
    c.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    if args.cmd == "refresh":
        refresh(args.runs, feeds=args.feeds)
    elif args.cmd == "parse":
        parse(args.runs)
    else:
        from bench.conformance import main as conformance_main

        sys.exit(conformance_main(verbose=args.verbose))


if __name__ == "__main__":
    main()
