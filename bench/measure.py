"""Run one command and print its wall time and memory as JSON: `python -m bench.measure CMD [ARG...]`.

- wall_s: from start to exit;
- max_rss_mb: ru_maxrss of this wrapper's children, the largest single process among the command and what it waited
  for (this wrapper runs nothing else, so the figure is the command's own);
- tree_peak_mb: the largest sum of PSS (proportional set size: shared pages split between the processes sharing
  them, so nothing is counted twice) over the command and all its descendants, sampled from /proc every 50 ms;
  a program that works in several processes, like the reader's parsing pool, is counted whole;
- process_peaks_mb: each process's own peak RSS (VmHWM), largest first, sampled alike (the reader's parent, its
  fork server and each worker process: ru_maxrss does not see the workers, which are not the command's children);
- cpu_s: user + system CPU seconds of the command and all its descendants, sampled from /proc alike.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids += [int(k) for k in (task / "children").read_text().split()]
    except OSError:
        pass
    return kids


def pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record in `seen` the CPU seconds (user + system) each process of the tree has used so far."""
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seen[pid] = max(seen.get(pid, 0.0), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
        except (OSError, IndexError, ValueError):
            continue
        todo += children(pid)


def tree_pss(root: int) -> int:
    """Bytes of PSS in `root` and its descendants now."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += pss_kb(pid) * 1024
        except (OSError, IndexError, ValueError):
            continue
        todo += children(pid)
    return total


def tree_hwm(root: int, seen: dict[int, int]) -> None:
    """Record in `seen` each process's peak RSS (VmHWM, KB) so far, over `root` and its descendants."""
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    seen[pid] = max(seen.get(pid, 0), int(line.split()[1]))
                    break
        except (OSError, IndexError, ValueError):
            continue
        todo += children(pid)


def main() -> None:
    start = time.perf_counter()
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    cpu: dict[int, float] = {}
    hwm: dict[int, int] = {}

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_pss(proc.pid))
            tree_cpu(proc.pid, cpu)
            tree_hwm(proc.pid, hwm)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join(timeout=5)
    print(
        json.dumps(
            {
                "returncode": proc.returncode,
                "wall_s": wall,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                # CPU seconds of the whole tree (the reader's worker pool included), sampled with the PSS: each
                # process's last <50 ms are missed. Less shaken than wall time by other load on a shared machine.
                "cpu_s": sum(cpu.values()),
                "tree_peak_mb": peak[0] / 1048576,
                "process_peaks_mb": sorted((kb / 1024 for kb in hwm.values()), reverse=True),
                "stderr": err.decode(errors="replace")[-400:],
            }
        )
    )


if __name__ == "__main__":
    main()
