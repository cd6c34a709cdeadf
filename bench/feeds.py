"""Feed parsing measurements: `python -m bench.feeds {refresh,parse,conformance}`.

- `refresh [--runs N] [--against DIR]`: the 500-feed cold refresh of docs/BENCHMARKS.md alone (no newsboat, no
  TUI), N runs; with --against, alternating with the reader of another tree (`git archive COMMIT | tar -x -C DIR`).
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


def refresh_ab(other: Path, runs: int, feeds: int = 500, items: int = 50, latency: float = 50) -> None:
    """The same cold refresh by this tree and by `other` (a checkout of another commit), alternating run by run on
    one server and corpus, so load on a shared machine falls on both alike. `python -m newsreader` is started with
    each tree as its working directory, so it imports that tree's package."""
    import json
    import subprocess

    got: dict[str, list[float]] = {"this": [], "other": []}
    cpu: dict[str, list[float]] = {"this": [], "other": []}
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nr-bench-ab-", dir=work) as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=latency, max_seconds=3600) as server:
            urls = corpus / "urls.txt"
            write_corpus(corpus, feeds, items, server.base)
            for run in range(runs):
                order = [("this", ROOT), ("other", other)]
                for label, root in order if run % 2 == 0 else order[::-1]:
                    cmd, env = reader_setup(Path(tmp) / f"{label}-{run}", urls)
                    server.counts()
                    measured = subprocess.run(
                        [sys.executable, "-m", "bench.measure", *cmd],
                        env=env,
                        cwd=root,
                        capture_output=True,
                        text=True,
                        timeout=900,
                        check=True,
                    )
                    result = json.loads(measured.stdout)
                    statuses = server.counts()
                    if result["returncode"] != 0 or statuses.get(200, 0) != feeds:
                        raise RuntimeError(
                            f"{label} run {run}: exit {result['returncode']}, server answered {statuses}"
                        )
                    got[label].append(result["wall_s"])
                    cpu[label].append(result.get("cpu_s", 0.0))
                    print(f"run {run} {label}: {result['wall_s']:.2f} s wall, {cpu[label][-1]:.2f} s CPU", flush=True)
    for label, values in got.items():
        print(
            f"{label} ({ROOT if label == 'this' else other}): cold refresh {feeds} x {items}, {latency:g} ms: "
            f"median {statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f}) over {runs} runs"
        )
    paired = [this / other for this, other in zip(got["this"], got["other"], strict=True)]
    print(
        f"this / other: medians {statistics.median(got['this']) / statistics.median(got['other']):.3f}, "
        f"paired runs {statistics.median(paired):.3f}; CPU seconds (process tree) "
        f"{statistics.median(cpu['this']):.2f} / {statistics.median(cpu['other']):.2f} = "
        f"{statistics.median(cpu['this']) / max(statistics.median(cpu['other']), 1e-9):.3f}"
    )


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


def _screened(docs: list[tuple[bytes, str, str]]) -> str:
    """How many documents the reader hands to feedparser because of their shape (fast_path_doubt)."""
    import feedparser_rs

    try:
        from newsreader.sources.charset import xml_as_utf8
        from newsreader.sources.feed import LOOSE_MAX_BYTES, fast_path_doubt
    except ImportError:  # a reader from before the screen (bench.feeds run against an older tree)
        return "no screen"

    count = 0
    for data, _url, ctype in docs:
        doc = xml_as_utf8(data, ctype)[0]
        try:
            parsed = feedparser_rs.parse(doc)
        except Exception as exc:  # not counted: feedparser reads it as malformed, not because of the screen
            del exc
            continue
        if parsed.entries and len(doc) <= LOOSE_MAX_BYTES and fast_path_doubt(doc, parsed):
            count += 1
    return f"{count} of {len(docs)}"


def parse_rows(runs: int, feeds: int = 100) -> list[str]:
    """Markdown rows: parse time of the bench corpus and of feedparser's corpus, by the reader and each parser."""
    import io

    import feedparser
    import feedparser_rs

    from bench.conformance import CORPUS, corpus_files, read_case
    from newsreader.sources.feed import parse_feed

    def fp(data: bytes, url: str, ctype: str) -> object:
        headers = {"content-location": url, "content-type": ctype or "application/xml"}
        return feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=True)

    def rs(data: bytes, url: str, ctype: str) -> object:
        return feedparser_rs.parse(data)

    sets: list[tuple[str, list[tuple[bytes, str, str]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(Path(tmp), feeds, 50, "http://127.0.0.1:1")
        bench_docs = [
            (p.read_bytes(), f"http://127.0.0.1:1/{p.name}", "application/xml")
            for p in sorted(Path(tmp, "feeds").iterdir())
        ]
    size = sum(len(d) for d, _, _ in bench_docs) / 1e6
    sets.append((f"bench corpus (bench/corpus.py), {feeds} feeds x 50 items, {size:.1f} MB", bench_docs))
    if CORPUS.is_dir():
        cases = [read_case(p) for p in corpus_files()]
        sets.append((f"feedparser's test corpus, {len(cases)} files", [(c.data, c.url, c.content_type) for c in cases]))
    else:
        print(f"{CORPUS} is absent: only the bench corpus", file=sys.stderr)
    rows = [
        "| corpus | reader (`parse_feed`) | feedparser-rs alone | feedparser alone | handed to feedparser by the screen |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, docs in sets:
        times: dict[str, list[float]] = {"reader": [], "fast": [], "slow": []}
        for run in range(runs):  # interleaved, so load on a shared machine falls on the three alike
            times["reader"].append(_timeit(parse_feed, docs, 1))
            times["fast"].append(_timeit(rs, docs, 1))
            if run % 2 == 0:  # feedparser takes ten times as long: half as many runs
                times["slow"].append(_timeit(fp, docs, 1))
        reader, fast, slow = (statistics.median(times[k]) for k in ("reader", "fast", "slow"))
        rows.append(
            f"| {name} | {reader * 1000:.0f} ms | {fast * 1000:.0f} ms | {slow * 1000:.0f} ms | {_screened(docs)} |"
        )
    return rows


def section(runs: int, feeds: int = 100) -> str:
    """The "Feed parsing" section of docs/BENCHMARKS.md (bench.run writes it; `bench.feeds parse` prints it)."""
    from bench import conformance

    lines = [
        "## Feed parsing",
        "",
        "Parse time in-process, median of the runs (`python -m bench.feeds parse`): the whole corpus parsed once per run,",
        "the three interleaved run by run (feedparser in every other run).",
        "The reader runs feedparser-rs first and hands a document to feedparser when it is malformed, has no entries,",
        "or shows a shape feedparser-rs misreads (`feed.fast_path_doubt`: Atom 0.3, xml:base in RSS, base64 content,",
        "dcterms dates, dc:author, XHTML/`<fullitem>` bodies, prefixed roots, extension elements named like core ones).",
        "feedparser's corpus is mostly such documents (about 900 of its files have no entries at all), so there the",
        "reader costs what feedparser does; on ordinary feeds the screen costs ~0.2 ms a feed and sends none away.",
        "A change's effect on the 500-feed refresh: `python -m bench.feeds refresh --runs 8 --against DIR`, DIR holding",
        "the other commit (`git archive COMMIT | tar -x -C DIR`); the two alternate run by run on one server.",
        "",
        *parse_rows(runs, feeds),
        "",
    ]
    if conformance.CORPUS.is_dir():
        out, failures = conformance.run()
        right = conformance.dates()
        lines += [
            "Conformance with feedparser 6 on its own corpus (`python -m bench.feeds conformance -v`): "
            f"{out.files} entry-level files pass their `Expect:` on feedparser 6; the reader's stories differ on "
            f"{out.differing} (title, link, byline, dates as instants, body text and link URLs), "
            f"{out.allowed} of them listed as deliberate (bench/conformance.py `ALLOWED`), {len(failures)} not. "
            f"feedparser's {len(conformance.date_cases())} date strings read right: "
            + ", ".join(f"{k} {v}" for k, v in right.items())
            + ".",
            "",
        ]
    return "\n".join(lines)


def parse(runs: int) -> None:
    print(section(runs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("refresh")
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--feeds", type=int, default=500)
    r.add_argument("--against", type=Path, help="another checkout: alternate runs of both (see refresh_ab)")
    p = sub.add_parser("parse")
    p.add_argument("--runs", type=int, default=5)
    c = sub.add_parser("conformance")
    c.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    if args.cmd == "refresh" and args.against:
        refresh_ab(args.against.resolve(), args.runs, feeds=args.feeds)
    elif args.cmd == "refresh":
        refresh(args.runs, feeds=args.feeds)
    elif args.cmd == "parse":
        parse(args.runs)
    else:
        from bench.conformance import main as conformance_main

        sys.exit(conformance_main(verbose=args.verbose))


if __name__ == "__main__":
    main()
