"""Profile the reader's refresh of the bench corpus: `python -m bench.profile [--warm] [--feeds 500] [--latency-ms 50]`.

Serves a fresh corpus from 127.0.0.1, subscribes a fresh reader home to it, and runs `newsreader refresh
--no-full-text` once under pyinstrument (wall-clock, main process; time in the parsing workers shows up as waiting on
them). Also prints the CPU seconds of the main process and of its workers (getrusage), which tells how much of the
run is CPU at all. The report goes to bench/out/profile-cold.{txt,html}. With --warm, each home is refreshed once
first and the profiled run is the re-run (every feed answering 304): bench/out/profile-warm.{txt,html}.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.corpus import write_corpus
from bench.run import ROOT, reader_setup
from bench.server import FeedServer

CPU_WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "c = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'wall_s': time.perf_counter() - t, 'cpu_user_s': c.ru_utime, 'cpu_sys_s': c.ru_stime}))\n"
)


def home(tmp: Path, name: str, urls: Path, warm: bool) -> tuple[list[str], dict[str, str]]:
    """A fresh reader home subscribed to the corpus (refreshed once already when `warm`)."""
    cmd, env = reader_setup(tmp / name, urls)
    if warm:
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=900)
    return cmd, env


def profile(feeds: int, items: int, latency: float, out: Path, warm: bool = False) -> None:
    kind = "warm" if warm else "cold"
    if not shutil.which("pyinstrument", path=str(Path(sys.executable).parent)):
        sys.exit("pyinstrument is not installed: .venv/bin/pip install pyinstrument")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nr-profile-") as tmp:
        corpus = Path(tmp) / "corpus"
        with FeedServer(corpus, latency_ms=latency, max_seconds=1200) as server:
            urls = write_corpus(corpus, feeds, items, server.base)
            # First without the profiler: wall time and CPU time of the whole process tree.
            cmd, env = home(Path(tmp), "plain", corpus / "urls.txt", warm)
            plain = subprocess.run(
                [sys.executable, "-c", CPU_WRAPPER, *cmd], env=env, capture_output=True, text=True, timeout=900
            )
            print(f"{len(urls)} feeds, {kind}, without profiler: {plain.stdout.strip()}", flush=True)
            cmd, env = home(Path(tmp), "profiled", corpus / "urls.txt", warm)
            pyinstrument = [sys.executable, "-m", "pyinstrument", "--interval", "0.001"]
            for renderer, suffix in (("text", "txt"), ("html", "html")):
                if suffix == "html":  # a second home: each profile is of a first (cold) or second (warm) refresh
                    cmd, env = home(Path(tmp), "profiled-html", corpus / "urls.txt", warm)
                subprocess.run(
                    [*pyinstrument, "-r", renderer, "-o", str(out / f"profile-{kind}.{suffix}"), "-m", *cmd[2:]],
                    env=env,
                    check=True,
                    timeout=900,
                    stdout=subprocess.DEVNULL,
                )
            print(json.dumps(server.counts()))
    print(f"wrote {out / f'profile-{kind}.txt'} and .html")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warm", action="store_true", help="profile the re-run (every feed 304) instead of the first run")
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    profile(args.feeds, args.items, args.latency_ms, args.out, args.warm)


if __name__ == "__main__":
    main()
