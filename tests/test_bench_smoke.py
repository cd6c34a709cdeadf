"""The benchmark keeps working: a tiny run of every measurement (the full run is `python -m bench.run`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
