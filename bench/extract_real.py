"""Extraction on real pages (../shared/eval/extraction): time per page, and body F1 beside trafilatura alone.

`python -m bench.extract_real [--limit N] [--runs R]` calls `extract_article(bytes, url, content_type)` in this
process on each page (its bytes, and the charset score.py's server sends), R timed calls after one untimed one,
and prints a Markdown table: median and p90 ms per page, and F1 / precision / recall by the set's own metric
(its evaluate.py: 4-gram shingles, precision and recall averaged over pages). The reference figure for the issue
is `score.py --cmd`, which goes through `newsreader article URL --json`; this one is for the time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "extraction"
IMG = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
BARE_URL = re.compile(r"<?https?://\S+>?")


def plain(markdown: str) -> str:
    """Markdown as score.py reads it: images and link targets dropped."""
    return BARE_URL.sub(" ", LINK.sub(r"\1", IMG.sub(" ", markdown or "")))


def _evaluate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shingle_evaluate", DEVSET / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(data: bytes, url: str, content_type: str) -> str:
    from newsreader.extract import extract_article

    return extract_article(data, url, content_type).text


def trafilatura_alone(data: bytes, url: str, content_type: str) -> str:
    import trafilatura

    return trafilatura.extract(data, url=url, output_format="markdown") or ""


def measure(
    extract: Callable[[bytes, str, str], str], limit: int, runs: int
) -> tuple[dict[str, float], dict[str, str]]:
    truth: dict[str, Any] = json.loads((DEVSET / "truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:limit] if limit else sorted(truth)
    times: dict[str, float] = {}
    texts: dict[str, str] = {}
    for key in keys:
        data = (DEVSET / "pages" / f"{key}.html").read_bytes()
        content_type = f"text/html; charset={truth[key].get('encoding') or 'utf-8'}"
        url = f"http://127.0.0.1:8000/{key}.html"
        texts[key] = extract(data, url, content_type)
        took = []
        for _ in range(runs):
            start = time.perf_counter()
            extract(data, url, content_type)
            took.append((time.perf_counter() - start) * 1000)
        times[key] = statistics.median(took) if took else 0.0
    return times, texts


def quality(texts: dict[str, str]) -> tuple[float, float, float]:
    ev = _evaluate()
    truth = json.loads((DEVSET / "truth.json").read_text(encoding="utf-8"))
    counts = [ev.string_shingle_matching(true=truth[k]["articleBody"], pred=plain(t)) for k, t in texts.items()]
    m = ev.metrics_from_tp_fp_fns(counts)
    return m["f1"], m["precision"], m["recall"]


def table(limit: int = 0, runs: int = 3) -> str:
    lines = [
        "| extractor | pages | F1 | precision | recall | ms per page, median | p90 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, extract in (("newsreader `extract_article`", ours), ("trafilatura alone (markdown)", trafilatura_alone)):
        times, texts = measure(extract, limit, runs)
        f1, p, r = quality(texts)
        ordered = sorted(times.values())
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        lines.append(
            f"| {name} | {len(texts)} | {f1:.3f} | {p:.3f} | {r:.3f} | {statistics.median(ordered):.1f} | {p90:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (by id)")
    parser.add_argument("--runs", type=int, default=3, help="timed calls per page (default 3)")
    args = parser.parse_args()
    if not DEVSET.is_dir():
        raise SystemExit(f"no development set at {DEVSET}")
    print(table(args.limit, args.runs))


if __name__ == "__main__":
    main()
