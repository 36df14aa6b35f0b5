"""Is the machine quiet enough to measure? Other processes' CPU use would be counted against the service."""
import os
import sys
import time
from pathlib import Path


def _busy_and_total() -> tuple[int, int]:
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_share(seconds: float = 1.0) -> float:
    """The share of all cores' time spent busy over the next `seconds`."""
    busy_before, total_before = _busy_and_total()
    time.sleep(seconds)
    busy_after, total_after = _busy_and_total()
    return (busy_after - busy_before) / max(total_after - total_before, 1)


def wait_for_quiet(limit: float = 0.10, patience: float = 180.0) -> float:
    """Wait until other processes use less than `limit` of the CPU (at most `patience` seconds); return the
    share last seen, so the report can say how quiet the machine was when a run started."""
    deadline = time.monotonic() + patience
    share = busy_share()
    while share > limit and time.monotonic() < deadline:
        print(f"  waiting: the machine is {share:.0%} busy with other work", file=sys.stderr)
        share = busy_share(2.0)
    return round(share, 3)


def cores() -> int:
    return len(os.sched_getaffinity(0))
