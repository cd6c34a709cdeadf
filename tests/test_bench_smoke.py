"""The benchmark keeps working: a tiny run of every measurement (the full run is `python -m bench.run`)."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bench.corpus import write_corpus
from bench.server import FeedServer

ROOT = Path(__file__).resolve().parent.parent


def test_corpus_is_deterministic_half_rss_half_atom_and_listed(tmp_path: Path) -> None:
    first = write_corpus(tmp_path / "a", 4, 50, "http://127.0.0.1:1")
    again = write_corpus(tmp_path / "b", 4, 50, "http://127.0.0.1:1")
    assert first == again
    files = sorted((tmp_path / "a" / "feeds").iterdir())
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in sorted((tmp_path / "b" / "feeds").iterdir())]
    assert sum("<rss" in f.read_text() for f in files) == 2 and sum("<feed" in f.read_text() for f in files) == 2
    mean = sum(f.stat().st_size for f in files) / len(files)
    assert 80_000 < mean < 110_000, mean  # ~95 KB per 50-item feed
    assert (tmp_path / "a" / "urls.txt").read_text().split() == first
    assert all(url in (tmp_path / "a" / "feeds.opml").read_text() for url in first)


def _get(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
            resp.read()
            return resp.status, dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def test_server_validators_and_304(tmp_path: Path) -> None:
    with FeedServer(tmp_path, max_seconds=30) as server:
        url = write_corpus(tmp_path, 1, 3, server.base)[0]
        status, headers = _get(url)
        assert status == 200 and headers["ETag"].startswith('"') and headers["Last-Modified"]
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert _get(url, **{"If-None-Match": etag})[0] == 304
        assert _get(url, **{"If-None-Match": f'"other", W/{etag}'})[0] == 304
        assert _get(url, **{"If-Modified-Since": modified})[0] == 304
        assert _get(url, **{"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200  # ETag wins
        assert _get(url, **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
        assert _get(f"{server.base}/../../etc/passwd")[0] == 404
        assert server.counts() == {200: 3, 304: 3, 404: 1}


def test_server_stops_by_itself(tmp_path: Path) -> None:
    server = FeedServer(tmp_path, max_seconds=0.2).start()
    try:
        assert server.wait(timeout=10), "still serving after max_seconds"
    finally:
        server.stop()


def test_quick_benchmark_measures_every_row(tmp_path: Path) -> None:
    out = tmp_path / "BENCH.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out), "--work", str(tmp_path / "work")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # the quick run is meant to take well under a minute (about 20 s on 2 cores)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    speed, quality = out.read_text(encoding="utf-8").split("## Extraction quality")
    rows = [ln for ln in speed.splitlines() if ln.startswith("| ") and "---" not in ln][1:]
    names = " ".join(rows)
    for measured in (
        "cold refresh",
        "warm refresh",
        "start to first headlines",
        "peak RSS browsing",
        "key press to repaint",
        "full-text search",
        "article extraction",
    ):
        assert measured in names, measured
    assert all(re.search(r"\| [0-9.]+ (s|ms|MB)", row) for row in rows), rows  # a number in every row
    assert re.search(r"\*\*mean of \d+\*\* \| \*\*[01]\.\d\d\*\* \| \*\*[01]\.\d\d\*\*", quality), quality


def test_the_benchmark_keeps_the_hand_written_sections(tmp_path: Path) -> None:
    from bench.run import HAND_WRITTEN, kept_sections

    doc = tmp_path / "BENCHMARKS.md"
    assert kept_sections(doc) == ""  # no file yet
    doc.write_text(
        f"# Benchmarks\n\n| generated |\n\n{HAND_WRITTEN}\n\n## Headline lists\n\nby hand\n", encoding="utf-8"
    )
    assert kept_sections(doc) == f"\n{HAND_WRITTEN}\n\n## Headline lists\n\nby hand\n"
    doc.write_text("# Benchmarks\n\nno marker\n", encoding="utf-8")
    assert kept_sections(doc) == ""
