"""Bounded at scale (issue #15): `python -m bench.scale {memory,purge}`.

- `memory [--items 100000] [--feeds 500]`: peak memory of `newsreader refresh --no-full-text` with one feed of
  `--items` items (~13 MB at 100,000; the response cap raised to 32 MiB) among the bench corpus' feeds, and of the big feed alone (a refresh of one
  source: parsed in one worker process, saved by the parent) and of the corpus alone. Reports the parent's peak RSS,
  each worker's and the process tree's peak PSS (bench/measure.py).
- `small --against DIR [--runs 6]`: a one-feed refresh by this tree and another checkout, alternating (what the
  small path's worker process costs).
- `purge [--feeds 500] [--days 380]`: the store's size after a default cold refresh (whole stories on) of the
  corpus, then after `newsreader purge --days N --unread` (the corpus is dated November 2025; each story's first
  sight is set back to its date first, as if the cache had been kept since) and the stories left.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from bench.corpus import write_corpus
from bench.run import FIXTURE_PAGES, READER, ROOT, reader_env
from bench.server import FeedServer

BIG_ENOUGH = "max_bytes = 33554432\n"  # [network]: the feed is over the default 10 MiB cap on a response


def big_feed(items: int, base: str) -> str:
    """An archive-like RSS feed of `items` short items, a minute apart (100,000: ~14 MB)."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Archive</title><link>{base}/</link>'
    ]
    parts += [
        f"<item><title>Archive story {i}</title><link>{base}/a/{i}</link>"
        f"<pubDate>{format_datetime(t0 + timedelta(minutes=i))}</pubDate></item>\n"
        for i in range(items)
    ]
    parts.append("</channel></rss>\n")
    return "".join(parts)


def measured(cmd: list[str], env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.measure", *cmd], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    got: dict[str, object] = json.loads(out.stdout)
    if got["returncode"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {got['returncode']}: {got['stderr']}")
    return got


def reader(tree: Path | None) -> list[str]:
    """The reader's command: this tree's, or (for a before/after) another checkout's package."""
    if tree is None:
        return READER
    run = f"import sys, runpy; sys.path.insert(0, {str(tree)!r}); runpy.run_module('newsreader', run_name='__main__')"
    return [sys.executable, "-c", run]


def memory(items: int, feeds: int, tree: Path | None = None) -> None:
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nr-scale-", dir=work) as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=50, max_seconds=3600) as server:
            urls = write_corpus(corpus, feeds, 50, server.base)
            (corpus / "archive.xml").write_text(big_feed(items, server.base), encoding="utf-8")
            big = f"{server.base}/archive.xml"
            size = (corpus / "archive.xml").stat().st_size / 1e6
            cases = {
                f"the {items:,}-item feed ({size:.1f} MB) alone": [big],
                f"{feeds} feeds and the {items:,}-item feed": [*urls, big],
                f"{feeds} feeds alone": urls,
            }
            for name, subscribed in cases.items():
                home = Path(tmp) / f"home-{len(subscribed)}"
                env = reader_env(home, BIG_ENOUGH)
                listing = home / "urls.txt"
                listing.write_text("\n".join(subscribed) + "\n", encoding="utf-8")
                subprocess.run([*READER, "import", str(listing)], env=env, check=True, capture_output=True, timeout=300)
                got = measured([*reader(tree), "refresh", "--no-full-text", "--json"], env)
                archive = "no archive"
                if big in subscribed:
                    with sqlite3.connect(home / "data" / "newsreader" / "newsreader.db") as con:
                        n, error, warning = con.execute(
                            "SELECT count(st.id), s.error, s.warning FROM sources s LEFT JOIN stories st"
                            " ON st.source_id = s.id WHERE s.url = ? GROUP BY s.id",
                            (big,),
                        ).fetchone()
                    archive = f"archive: {n:,} stories kept, error {error!r}, warning {warning!r}"
                peaks = [round(float(p)) for p in got["process_peaks_mb"]]  # type: ignore[attr-defined]
                print(
                    f"{name}: {got['wall_s']:.1f} s; peak RSS per process (MB, largest first) {peaks}; "
                    f"tree peak PSS {got['tree_peak_mb']:.0f} MB; statuses {server.counts()}; {archive}",
                    flush=True,
                )


def small(against: Path, runs: int) -> None:
    """A one-feed `refresh --no-full-text` (the small path: one worker process started for it) by this tree and by
    `against`, alternating, wall time from the command's start to its exit."""
    import statistics
    import time

    got: dict[str, list[float]] = {"this": [], "other": []}
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nr-small-", dir=work) as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=50, max_seconds=3600) as server:
            write_corpus(corpus, 1, 50, server.base)
            for run in range(runs):
                for label, tree in (("this", ROOT), ("other", against)):
                    env = reader_env(Path(tmp) / f"{label}-{run}")
                    cmd = [*READER, "import", str(corpus / "urls.txt")]
                    subprocess.run(cmd, env=env, cwd=tree, check=True, capture_output=True)
                    start = time.perf_counter()
                    cmd = [*READER, "refresh", "--no-full-text"]
                    subprocess.run(cmd, env=env, cwd=tree, check=True, capture_output=True, timeout=300)
                    got[label].append(time.perf_counter() - start)
    for label, values in got.items():
        print(
            f"{label} ({ROOT if label == 'this' else against}): one-feed refresh median "
            f"{statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f}) over {runs} runs"
        )


def db_size(home: Path) -> tuple[float, int, int, float]:
    """(MB of the store's file, its WAL checkpointed into it first; stories; whole-text pages; MB of free pages)."""
    db = home / "data" / "newsreader" / "newsreader.db"
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]
        pages = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
    return db.stat().st_size / 1e6, stories, pages, free / 1e6


def purge(feeds: int, days: int) -> None:
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    page = sorted(FIXTURE_PAGES.glob("*.html"))[0].read_bytes()
    with tempfile.TemporaryDirectory(prefix="nr-purge-", dir=work) as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=0, max_seconds=3600, story_page=page) as server:
            write_corpus(corpus, feeds, 50, server.base)
            home = Path(tmp) / "home"
            env = reader_env(home)
            subprocess.run([*READER, "import", str(corpus / "urls.txt")], env=env, check=True, capture_output=True)
            subprocess.run([*READER, "refresh"], env=env, check=True, capture_output=True, timeout=900)
            with sqlite3.connect(home / "data" / "newsreader" / "newsreader.db") as con:
                # As if each story had been in the cache since its date (purge wants both old; they came in today).
                con.execute("UPDATE stories SET first_seen = sort_ts")
            before = db_size(home)
            out = subprocess.run(
                [*READER, "purge", "--days", str(days), "--unread"], env=env, check=True, capture_output=True, text=True
            )
            after = db_size(home)
    for when, (mb, stories, pages, free) in (("before", before), ("after", after)):
        print(f"{when}: {mb:.1f} MB ({free:.1f} MB of it free pages), {stories:,} stories, {pages:,} whole-text pages")
        if when == "before":
            print(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("memory")
    m.add_argument("--items", type=int, default=100_000)
    m.add_argument("--feeds", type=int, default=500)
    m.add_argument(
        "--tree", type=Path, help="run another checkout's reader (e.g. a worktree of main), for before/after"
    )
    p = sub.add_parser("purge")
    p.add_argument("--feeds", type=int, default=500)
    p.add_argument("--days", type=int, default=380)
    s = sub.add_parser("small")
    s.add_argument("--against", type=Path, required=True, help="another checkout, e.g. a worktree of main")
    s.add_argument("--runs", type=int, default=6)
    args = ap.parse_args()
    if args.cmd == "small":
        small(args.against.resolve(), args.runs)
    elif args.cmd == "memory":
        memory(args.items, args.feeds, args.tree.resolve() if args.tree else None)
    else:
        purge(args.feeds, args.days)


if __name__ == "__main__":
    main()
