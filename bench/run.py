"""Run every measurement of docs/BENCHMARKS.md and write the table: `python -m bench.run [--quick] [--out FILE]`.

Everything is served from 127.0.0.1 by bench.server; every process started here is waited for or stopped.
Where newsboat is installed, the same corpus is refreshed by `newsboat -x reload` and the ratio printed.
"""

from __future__ import annotations

import argparse
import collections
import compileall
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.corpus import WORDS, write_corpus
from bench.extract_quality import table as extract_quality_table
from bench.server import FeedServer

ROOT = Path(__file__).resolve().parent.parent
READER = [sys.executable, "-m", "newsreader"]
CONCURRENCY = 16
FIXTURE_PAGES = ROOT / "newsreader" / "demo" / "pages"  # the sample site's story pages (the demo's, kept once)


@dataclass
class Row:
    name: str
    target: str
    values: list[float] = field(default_factory=list)
    unit: str = "s"
    passed: bool | None = None
    note: str = ""

    def cell(self) -> str:
        if not self.values:
            return "not measured"
        med = statistics.median(self.values)
        fmt = (lambda v: f"{v:.3g}") if self.unit != "MB" else (lambda v: f"{v:.0f}")
        spread = f" ({fmt(min(self.values))}–{fmt(max(self.values))})" if len(self.values) > 1 else ""
        return f"{fmt(med)} {self.unit}{spread}"


def timed(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Wall seconds, largest process's peak RSS (MB) and the process tree's peak RSS (MB) of one command.

    Measured by a fresh wrapper process (bench/measure.py), so nothing else is counted with it.
    """
    out = subprocess.run(
        [sys.executable, "-m", "bench.measure", *cmd],
        env=env,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench.measure failed: {out.stderr[-400:]}")
    got = json.loads(out.stdout)
    if got["returncode"] != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}… exited {got['returncode']}: {got['stderr']}")
    return got["wall_s"], got["max_rss_mb"], got["tree_peak_mb"]


def reader_env(home: Path, config_extra: str = "") -> dict[str, str]:
    env = dict(os.environ)
    for var in ("DATA", "CONFIG", "CACHE", "STATE"):
        env[f"XDG_{var}_HOME"] = str(home / var.lower())
    config = home / "config" / "newsreader" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    # One host serves every feed here, so the per-host limit is raised to the overall concurrency (as newsboat has none).
    config.write_text(
        f"[network]\nconcurrency = {CONCURRENCY}\nper_host = {CONCURRENCY}\n{config_extra}", encoding="utf-8"
    )
    return env


def reader_setup(home: Path, urls: Path, config_extra: str = "") -> tuple[list[str], dict[str, str]]:
    """A fresh reader home subscribed to every URL; returns the refresh command and its environment."""
    env = reader_env(home, config_extra)
    subprocess.run([*READER, "import", str(urls)], env=env, check=True, capture_output=True, timeout=300)
    return [*READER, "refresh", "--no-full-text"], env


def newsboat_setup(home: Path, urls: Path, newsboat: str) -> tuple[list[str], dict[str, str]]:
    """A fresh newsboat home (its own urls file, config and cache); returns `newsboat -x reload` and its environment."""
    home.mkdir(parents=True)
    shutil.copyfile(urls, home / "urls")
    (home / "config").write_text(f"reload-threads {CONCURRENCY}\n", encoding="utf-8")
    cmd = [newsboat, "-x", "reload", "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config")]
    return cmd, {**os.environ, "HOME": str(home)}


@dataclass
class Refreshes:
    """One program's cold and warm refreshes of the corpus, over all runs."""

    cold: list[float] = field(default_factory=list)
    cold_rss: list[float] = field(default_factory=list)
    cold_tree: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    priming: list[int] = field(default_factory=list)  # re-runs before every feed answered 304
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)


def refresh_once(
    server: FeedServer, cmd: list[str], env: dict[str, str], feeds: int, into: Refreshes, warm_tries: int = 3
) -> None:
    """A cold refresh, then re-runs until one is answered 304 for every feed: that one is the warm figure."""
    server.counts()
    wall, peak, tree = timed(cmd, env)
    cold = server.counts()
    into.cold.append(wall)
    into.cold_rss.append(peak)
    into.cold_tree.append(tree)
    into.statuses.update({f"cold {k}": v for k, v in cold.items()})
    for attempt in range(warm_tries):
        wall, _, _ = timed(cmd, env)
        got = server.counts()
        if got.get(304, 0) == feeds and sum(got.values()) == feeds:
            into.warm.append(wall)
            into.priming.append(attempt)
            into.statuses.update({f"warm {k}": v for k, v in got.items()})
            return
    into.priming.append(warm_tries)  # never warm: no figure, and the note says so


def ratio_row(row: Row, mine: list[float], theirs: list[float]) -> None:
    row.values = mine
    if not theirs:
        row.note = "newsboat not installed: no ratio" if not shutil.which("newsboat") else "newsboat: no figure"
        return
    if not mine:
        row.note = "no figure"
        return
    ratio = statistics.median(mine) / statistics.median(theirs)
    row.passed = ratio <= 0.5
    row.note = f"{ratio:.2f}x newsboat"


def refresh_rows(feeds: int, items: int, latency: float, runs: int, work: Path) -> list[Row]:
    newsboat = shutil.which("newsboat")
    mine, theirs = Refreshes(), Refreshes()
    with tempfile.TemporaryDirectory(prefix="nr-bench-", dir=work) as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=latency, max_seconds=3600) as server:
            urls = corpus / "urls.txt"
            write_corpus(corpus, feeds, items, server.base)
            for run in range(runs):  # the two programs alternate, so drift on the machine touches both alike
                refresh_once(server, *reader_setup(Path(tmp) / f"reader-{run}", urls), feeds, mine)
                if newsboat:
                    refresh_once(server, *newsboat_setup(Path(tmp) / f"newsboat-{run}", urls, newsboat), feeds, theirs)
            keys = tui_refresh_row(Path(tmp), urls, feeds * items, runs)
    cold = Row(f"cold refresh, {feeds} feeds x {items} items, {latency:g} ms latency", "≤ 0.5x newsboat")
    warm = Row(f"warm refresh (every feed answers 304), {feeds} feeds", "≤ 0.5x newsboat")
    ratio_row(cold, mine.cold, theirs.cold)
    ratio_row(warm, mine.warm, theirs.warm)
    rows = [
        cold,
        warm,
        Row("  peak RSS of the cold refresh, largest process", "", mine.cold_rss, "MB"),
        Row("  peak PSS of the cold refresh, all its processes", "", mine.cold_tree, "MB", note=TREE_NOTE),
    ]
    if newsboat:
        rows += [
            Row("  newsboat -x reload, cold", "", theirs.cold),
            Row("  newsboat -x reload, warm (every feed 304)", "", theirs.warm, note=priming_note(theirs)),
            Row("  newsboat peak RSS, cold", "", theirs.cold_rss, "MB"),
            Row("  newsboat peak PSS, cold, all its processes", "", theirs.cold_tree, "MB"),
        ]
    rows.append(keys)
    warm.note += "; " + priming_note(mine)
    print(f"server answers: reader {dict(mine.statuses)}; newsboat {dict(theirs.statuses)}", flush=True)
    return rows


def tui_refresh_row(tmp: Path, urls: Path, stories: int, runs: int) -> Row:
    """Keys in the TUI while it refreshes the whole corpus (R), cold, with 300 stories listed already."""
    from newsreader.model import Story
    from newsreader.store import RefreshResult, Store

    row = Row("key press to first byte of the reply, TUI, during a cold refresh (R) of the same corpus", "—", unit="ms")
    durations = []
    for run in range(runs):
        home = tmp / f"tui-{run}"
        _, env = reader_setup(home, urls, "[reader]\nfull_text = false\n")  # the TUI has no --no-full-text
        db = home / "data" / "newsreader" / "newsreader.db"
        with Store(db) as store:
            old = store.add_source("http://old.test/feed", title="Old", full_text=False)
            assert old.id is not None
            start = datetime(2020, 1, 1, tzinfo=UTC)
            store.save_stories(
                old.id,
                [Story(key=str(i), title=f"Old story {i}", published=start - timedelta(hours=i)) for i in range(300)],
            )
            store.record_refresh(old.id, RefreshResult(backoff_until=datetime(2999, 1, 1, tzinfo=UTC)))  # never fetched
        got = paint(db, "--refresh", str(stories + 300), "200", env=env)
        if got["median_ms"] is not None:
            row.values.append(float(got["median_ms"]))
            row.note = f"p95 {got['p95_ms']:.0f} ms over {got['keys']} keys in the last run"
        durations.append(float(got["refresh_s"]))
    row.note += (
        f"; the refresh took {statistics.median(durations):.1f} s ({min(durations):.1f}–{max(durations):.1f}) from R"
    )
    return row


TREE_NOTE = (
    "PSS summed over the process tree, sampled every 50 ms (the reader parses and saves in a pool of worker processes)"
)


def priming_note(r: Refreshes) -> str:
    if not r.priming:
        return ""
    extra = statistics.median(r.priming)
    if extra == 0:
        return "the first re-run was all 304"
    return f"{extra:g} re-run(s) downloaded feeds again before one was all 304"


def fill_store(path: Path, total: int, sources: int) -> None:
    """A store with `total` stories over `sources` sources, written through the Store API."""
    from newsreader.model import Story
    from newsreader.store import Store

    rnd = random.Random(total)
    store = Store(path)
    per = total // sources
    start = datetime(2025, 11, 28, tzinfo=UTC)
    for s in range(sources):
        source = store.add_source(f"http://bench.test/{s}.xml", title=f"Source {s:03d}", full_text=False)
        batch = []
        for i in range(per):
            title = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 12))).capitalize()
            summary = " ".join(rnd.choice(WORDS) for _ in range(50))
            when = start - timedelta(minutes=(i * sources + s) * 7)
            batch.append(
                Story(key=f"{s}-{i}", title=title, url=f"http://bench.test/{s}/{i}", published=when, summary=summary)
            )
        assert source.id is not None
        for start_at in range(0, len(batch), 50):  # as refreshes add them: a feed's 50 at a time
            store.save_stories(source.id, batch[start_at : start_at + 50])
    store.close()


def cached_store(out: Path, total: int, sources: int) -> Path:
    path = out / f"store-{total}-{sources}.db"
    if not path.exists():
        fill_store(path, total, sources)
    return path


def paint(db: Path, *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`python -m bench.paint DB EXTRA...` in a process of its own; its JSON answer."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.paint", str(db), *extra],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-600:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def ui_rows(out: Path, runs: int, small: int, large: int, one_source: int, presses: int = 200) -> list[Row]:
    start_small = Row(f"start to first headlines, {small:,} stories", "—")
    start_large = Row(f"start to first headlines, {large:,} stories", "< 0.6 s; < +20% over small")
    memory = Row(f"peak RSS browsing {large:,} stories", "< 150 MB", unit="MB")
    keys = Row(f"key press to repaint, {one_source:,}-story source (median)", "< 30 ms", unit="ms")
    small_db, large_db = cached_store(out, small, 10), cached_store(out, large, 100)
    one_db = cached_store(out, one_source, 1)
    for _ in range(runs):
        start_small.values.append(float(paint(small_db)["first_paint_s"]))
        start_large.values.append(float(paint(large_db)["first_paint_s"]))
    browse = paint(large_db, "--browse", "--presses", str(presses))
    memory.values.append(float(browse["peak_rss_mb"]))
    for _ in range(max(1, runs // 2)):
        one = paint(one_db, "--browse", "--source-title", "Source 000", "--presses", str(presses))
        keys.values.append(float(one["key_to_repaint_ms"]["median"]))
        keys.note = f"p95 {one['key_to_repaint_ms']['p95']:.1f} ms; keys with no repaint: {one['keys_without_repaint']}"
    growth = statistics.median(start_large.values) / statistics.median(start_small.values) - 1
    start_large.passed = statistics.median(start_large.values) < 0.6 and growth < 0.2
    start_large.note = f"{growth:+.0%} over {small:,}"
    memory.passed = statistics.median(memory.values) < 150
    keys.passed = statistics.median(keys.values) < 30
    return [start_small, start_large, memory, keys]


def search_row(out: Path, total: int) -> Row:
    from newsreader.store import Store

    row = Row(f"full-text search over {total:,} stories (median of 100 queries)", "< 50 ms", unit="ms")
    store = Store(cached_store(out, total, 100))
    rnd = random.Random(1)
    queries = [" ".join(rnd.sample(WORDS, k)) for k in (1, 1, 2, 2, 3) for _ in range(20)]
    for q in queries:
        start = time.perf_counter()
        store.search(q)
        row.values.append((time.perf_counter() - start) * 1000)
    store.close()
    row.passed = statistics.median(row.values) < 50
    return row


def extract_row(runs: int) -> Row:
    from newsreader.extract import extract_article

    row = Row("article extraction per fixture page (median)", "< 40 ms", unit="ms")
    pages = [p.read_bytes() for p in sorted(FIXTURE_PAGES.glob("*.html"))]
    if not pages:
        raise RuntimeError(f"no fixture pages in {FIXTURE_PAGES}")
    start = time.perf_counter()  # the first call loads the extractor's modules: reported, not counted
    extract_article(pages[0], "http://news.example/news/x.html", "text/html; charset=utf-8")
    row.note = f"{len(pages)} pages x {runs} runs; the first call (loading the extractor) took {(time.perf_counter() - start) * 1000:.0f} ms"
    for _ in range(runs):
        for page in pages:
            start = time.perf_counter()
            extract_article(page, "http://news.example/news/x.html", "text/html; charset=utf-8")
            row.values.append((time.perf_counter() - start) * 1000)
    row.passed = statistics.median(row.values) < 40
    return row


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        )
    nb = shutil.which("newsboat")
    nb_version = (
        subprocess.run([nb, "-v"], capture_output=True, text=True).stdout.splitlines()[0]
        if nb
        else "newsboat not installed"
    )
    return f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; {nb_version}"


def table(rows: list[Row]) -> str:
    lines = ["| measurement | result: median (min–max) | target | verdict |", "| --- | --- | --- | --- |"]
    for r in rows:
        verdict = {True: "met", False: "NOT met", None: ""}[r.passed]
        lines.append(f"| {r.name} | {r.cell()}{'; ' + r.note if r.note else ''} | {r.target} | {verdict} |")
    return "\n".join(lines)


COMMANDS = f"""\
What each refresh row runs, with a fresh home per run (XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and
XDG_STATE_HOME in a temporary directory; newsboat's HOME there too):

```
python -m bench.corpus DIR --feeds 500 --items 50 --base http://127.0.0.1:PORT   # the corpus, urls.txt, feeds.opml
python -m bench.server DIR --latency-ms 50 --max-seconds 3600                     # prints PORT
newsreader import DIR/urls.txt        # config.toml: [network] concurrency = {CONCURRENCY}, per_host = {CONCURRENCY}
newsreader refresh --no-full-text     # cold, then again until the server answered 304 for every feed: warm
newsboat -x reload -u HOME/urls -c HOME/cache.db -C HOME/config   # config: reload-threads {CONCURRENCY}; same cold/warm
```

Wall time and peak RSS are taken by a wrapper process per command (`python -m bench.measure CMD`): the largest
process from `resource.getrusage(RUSAGE_CHILDREN)`, the whole tree's PSS by sampling /proc every 50 ms.
Warm is the first re-run the server answered with 304 for every feed, for both programs: newsboat 2.21 keeps no
ETag/Last-Modified from a feed's very first fetch (it saves them before the feed's row exists), so its first re-run
downloads every feed again; that priming run is not timed as warm, and the table says how many there were.
Most of newsboat's warm time is its start, not the network: `-x reload` first loads its whole cache (run with
`-d LOG -l 6`, its log shows ~23 ms per feed in `Cache::internalize_rssfeed`, 13 s for 500 feeds of 50 items, then
3.0 s in `Reloader::reload_all` for the 500 304s). The figure is the whole command, as a person waits for it.
`python -m bench.profile [--warm]` profiles one cold (or warm) refresh of the reader (pyinstrument; bench/out/).
"""


class LoadWatch:
    """Samples the 1-minute load average every few seconds while the benchmark runs (other work may share the cores)."""

    def __init__(self, every: float = 5.0) -> None:
        self.samples = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def summary(self) -> str:
        self._stop.set()
        self._thread.join(timeout=10)
        mean = statistics.fmean(self.samples)
        return f"1-minute load average during the run: mean {mean:.2f}, max {max(self.samples):.2f} ({os.cpu_count()} cores)"


HAND_WRITTEN = (
    "<!-- bench.run keeps what follows this line: sections measured by their own commands, written by hand -->"
)


def kept_sections(path: Path) -> str:
    """The hand-written part of an existing BENCHMARKS.md (from the HAND_WRITTEN line on), to write back as it is."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    at = text.find(HAND_WRITTEN)
    return "\n" + text[at:] if at >= 0 else ""


def document(rows: list[Row], quick: bool, load: str) -> str:
    command = "python -m bench.run" + (" --quick" if quick else "")
    return (
        "# Benchmarks\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; {load}.\n\n"
        f"Reproduce: `{command}` from the project root, in the venv of the README (it writes this file).\n"
        "Feeds are served from 127.0.0.1 by `bench/server.py` (ETag/304, added latency); the corpus is generated by\n"
        "`bench/corpus.py` (half RSS, half Atom, ~95 KB per 50-item feed). Refresh figures are whole processes\n"
        f"(`newsreader refresh --no-full-text` against `newsboat -x reload`, both with {CONCURRENCY} connections at once).\n"
        "UI figures come from `bench/paint.py`: the reader started on a real pseudo-terminal (120x36) on a generated\n"
        "store; first paint is process start to the first headline's text reaching the terminal, key to repaint is\n"
        "writing `j` to the terminal to the end of the frame written back (200 presses, 30 in --quick, each after 50 ms of quiet).\n"
        "The TUI refresh row starts the reader on a pty over a fresh store of the corpus' sources plus 300 stories, presses R,\n"
        "then `j` after each 50 ms of quiet until every story is in, timing each key to the first byte written back.\n"
        "Search and extraction are timed in-process (`Store.search`, `extract_article`); stores are filled through\n"
        "the Store API, 50 stories a transaction as refreshes write them. The package's bytecode is compiled first, as\n"
        "pip does at install. Each figure is the median of the runs, with (min–max).\n\n"
        f"{table(rows)}\n\n"
        f"## Commands\n\n{COMMANDS}\n"
        "## Extraction quality\n\n"
        "Body-text precision and recall (multisets of words) on a small labelled set: hand-written pages in the shapes of\n"
        "common CMSs (`bench/extract_quality.py`, each with its true body) and the sample site's 4 pages; ours\n"
        "against trafilatura alone, which we build on.\n\n"
        f"{extract_quality_table(1 if quick else 5)}\n\n"
        f"{feeds_section(quick)}"
    )


def feeds_section(quick: bool) -> str:
    """Feed parsing times and conformance with feedparser (bench/feeds.py), or why they could not be measured."""
    from bench.feeds import section

    try:
        return section(1, 10) if quick else section(5)
    except (ImportError, AttributeError, RuntimeError, OSError) as exc:
        print(f"feed parsing: not measured: {exc}", file=sys.stderr, flush=True)
        return f"## Feed parsing\n\nnot measured: {type(exc).__name__}: {exc}\n"


def guarded(names: str, step: Callable[[], list[Row]]) -> list[Row]:
    """The step's rows, or rows saying why they could not be measured (a piece of the reader missing or failing)."""
    try:
        return step()
    except (ImportError, AttributeError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
        reason = f"not measured yet: {type(exc).__name__}: {str(exc).strip().splitlines()[-1][:160] if str(exc).strip() else ''}"
        print(f"{names}: {reason}", file=sys.stderr, flush=True)
        return [Row(name, "", note=reason) for name in names.split("; ")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tiny smoke run (CI): few feeds, small stores, one run")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out", help="where generated stores are kept")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    # Bytecode as an installed package has it (pip compiles at install): with PYTHONDONTWRITEBYTECODE set, an
    # editable install would otherwise compile newsreader afresh at every start (~60 ms of each start figure).
    compileall.compile_dir(ROOT / "newsreader", quiet=1)
    load = LoadWatch()
    if args.quick:
        plan: list[tuple[str, Callable[[], list[Row]]]] = [
            ("cold refresh; warm refresh", lambda: refresh_rows(4, 10, 0, 1, args.work)),
            (
                "start to first headlines; peak RSS browsing; key press to repaint",
                lambda: ui_rows(args.work, 1, 200, 1_000, 500, presses=30),
            ),
            ("full-text search", lambda: [search_row(args.work, 1_000)]),
            ("article extraction", lambda: [extract_row(1)]),
        ]
    else:
        plan = [
            ("cold refresh; warm refresh", lambda: refresh_rows(500, 50, 50, 5, args.work)),
            (
                "start to first headlines; peak RSS browsing; key press to repaint",
                lambda: ui_rows(args.work, 9, 1_000, 100_000, 10_000),  # 9 starts each: the machine is shared
            ),
            ("full-text search", lambda: [search_row(args.work, 100_000)]),
            ("article extraction", lambda: [extract_row(5)]),
        ]
    rows: list[Row] = []
    for names, step in plan:
        got = guarded(names, step)
        for r in got:
            print(f"{r.name}: {r.cell()} {r.note}", flush=True)
        rows += got
    args.out.parent.mkdir(parents=True, exist_ok=True)
    kept = kept_sections(args.out)
    args.out.write_text(document(rows, args.quick, load.summary()) + kept, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
