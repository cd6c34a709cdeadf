"""The default cold refresh, whole stories on, beside newsboat's reload of the same feeds (issue #15).

`python -m bench.fulltext [--feeds 500] [--items 50] [--latency-ms 50] [--runs 3]`: the bench corpus served from
127.0.0.1, every story's link answering with one of the sample site's article pages (so each whole story is a real
fetch and extraction), a fresh reader home importing the feeds and running `newsreader refresh` with its defaults
(whole-text budget included), against `newsboat -x reload` (which fetches no pages). Prints wall time (median and
range), the requests each made, and how many stories got their whole text.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
from pathlib import Path

from bench.corpus import write_corpus
from bench.run import FIXTURE_PAGES, READER, ROOT, newsboat_setup, reader_env, timed
from bench.server import FeedServer


def whole_stories(home: Path) -> tuple[int, int, int]:
    """(stories, stories with their whole text, sources with at least 5) in a reader home's store."""
    db = home / "data" / "newsreader" / "newsreader.db"
    with sqlite3.connect(db) as con:
        stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]
        whole = con.execute("SELECT count(*) FROM articles WHERE data IS NOT NULL").fetchone()[0]
        five = con.execute(
            "SELECT count(*) FROM (SELECT st.source_id FROM articles a JOIN stories st ON st.id = a.story_id"
            " WHERE a.data IS NOT NULL GROUP BY st.source_id HAVING count(*) >= 5)"
        ).fetchone()[0]
    return stories, whole, five


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--reader-config", default="", help='extra config.toml lines, e.g. "[reader]\\narticles_per_refresh = 2000"'
    )
    args = ap.parse_args()
    newsboat = shutil.which("newsboat")
    page = sorted(FIXTURE_PAGES.glob("*.html"))[0].read_bytes()
    mine: list[float] = []
    theirs: list[float] = []
    requests: dict[str, list[int]] = {"reader": [], "newsboat": []}
    whole: list[tuple[int, int, int]] = []
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nr-fulltext-", dir=work) as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=args.latency_ms, max_seconds=3600, story_page=page) as server:
            write_corpus(corpus, args.feeds, args.items, server.base)
            urls = corpus / "urls.txt"
            for run in range(args.runs):
                home = Path(tmp) / f"reader-{run}"
                env = reader_env(home, args.reader_config.replace("\\n", "\n"))
                timed([*READER, "import", str(urls)], env)
                server.counts()
                wall, peak, _ = timed([*READER, "refresh"], env)
                counts = server.counts()
                mine.append(wall)
                requests["reader"].append(sum(counts.values()))
                whole.append(whole_stories(home))
                print(
                    f"reader run {run}: {wall:.2f} s, peak RSS {peak:.0f} MB, requests {counts}, "
                    f"stories / whole / sources with >= 5: {whole_stories(home)}",
                    flush=True,
                )
                if newsboat:
                    cmd, nenv = newsboat_setup(Path(tmp) / f"newsboat-{run}", urls, newsboat)
                    wall, peak, _ = timed(cmd, nenv)
                    theirs.append(wall)
                    counts = server.counts()
                    requests["newsboat"].append(sum(counts.values()))
                    print(f"newsboat run {run}: {wall:.2f} s, requests {counts}", flush=True)
    line = f"reader {statistics.median(mine):.2f} s ({min(mine):.2f}-{max(mine):.2f})"
    if theirs:
        ratio = statistics.median(mine) / statistics.median(theirs)
        line += f"; newsboat {statistics.median(theirs):.2f} s ({min(theirs):.2f}-{max(theirs):.2f}); {ratio:.2f}x"
    print(line)
    stories, pages, five = whole[-1]
    print(
        f"requests: reader {statistics.median(requests['reader']):.0f}"
        + (f", newsboat {statistics.median(requests['newsboat']):.0f}" if theirs else "")
        + f"; stories {stories:,}, with their whole text {pages:,}, sources with at least 5 whole {five} of {args.feeds}"
    )


if __name__ == "__main__":
    main()
