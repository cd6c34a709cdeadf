"""The headline views' queries (issue #16) on a large store: a page, a story's position and the next unread for each
sort order, unread only and Starred, all in SQL (never sorting the rows in Python).

    python -m bench.views [--total 100000] [--sources 100] [--work bench/out]

Prints one line per query: the median and the slowest of its runs, in ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.run import ROOT, cached_store
from newsreader.store import SORTS, Store, View


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took), max(took)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--total", type=int, default=100_000)
    ap.add_argument("--sources", type=int, default=100)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    store = Store(cached_store(args.work, args.total, args.sources))
    total = store.count(View())
    rnd = random.Random(1)
    ids = [s.id for s in store.page(View(), rnd.randrange(total - 200), 200) if s.id is not None]
    print(f"{total:,} stories, {args.sources} sources; median / max of {args.runs} runs, ms")
    for sort in SORTS:
        for unread in (False, True):
            view = View(unread_only=unread, sort=sort)
            name = f"{sort}{', unread only' if unread else ''}"
            for offset in (0, total // 2):
                med, worst = timed(partial(store.page, view, offset, 200), args.runs)
                print(f"page of 200 at {offset:>6,}  {name:<20} {med:7.1f} / {worst:7.1f}")

            def position(v: View = view) -> object:
                return store.position(rnd.choice(ids), view=v)

            def next_unread(v: View = view) -> object:
                return store.next_unread(rnd.choice(ids), view=v)

            med, worst = timed(position, args.runs)
            print(f"position of a story      {name:<20} {med:7.1f} / {worst:7.1f}")
            med, worst = timed(next_unread, args.runs)
            print(f"next unread              {name:<20} {med:7.1f} / {worst:7.1f}")
    starred = View(starred_only=True)
    med, worst = timed(lambda: (store.count(starred), store.page(starred, 0, 200)), args.runs)
    print(f"Starred: count and page  {'date':<20} {med:7.1f} / {worst:7.1f}")
    store.close()


if __name__ == "__main__":
    main()
