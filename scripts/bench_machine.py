"""Is the machine quiet enough to measure? Other processes' CPU use would be counted against the service."""
import os
import resource
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _busy_and_total() -> tuple[float, float]:
    """All cores' busy and total seconds since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / TICK, sum(fields) / TICK


def _own_seconds(live_pids) -> float:
    """CPU seconds of this process, of its finished children, and of `live_pids` (the gunicorn processes)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for pid in live_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return total


class CpuWatch:
    """The share of the machine that processes other than the benchmark's used during a `with` block."""

    def __init__(self, live_pids=list):
        self.live_pids = live_pids
        self.foreign_share = None

    def __enter__(self):
        self.start = (*_busy_and_total(), _own_seconds(self.live_pids))
        return self

    def __exit__(self, *exc_info):
        busy, total, own = (*_busy_and_total(), _own_seconds(self.live_pids))
        foreign = (busy - self.start[0]) - (own - self.start[2])
        self.foreign_share = round(max(foreign, 0.0) / max(total - self.start[1], 1e-9), 3)


def busy_share(seconds: float = 1.0) -> float:
    """The share of all cores' time spent busy over the next `seconds`."""
    busy_before, total_before = _busy_and_total()
    time.sleep(seconds)
    busy_after, total_after = _busy_and_total()
    return (busy_after - busy_before) / max(total_after - total_before, 1e-9)


def wait_for_quiet(limit: float = 0.10, patience: float = 180.0) -> None:
    """Wait until other processes use less than `limit` of the CPU, for at most `patience` seconds."""
    deadline = time.monotonic() + patience
    share = busy_share()
    while share > limit and time.monotonic() < deadline:
        print(f"  waiting: the machine is {share:.0%} busy with other work", file=sys.stderr)
        share = busy_share(2.0)


def cores() -> int:
    return len(os.sched_getaffinity(0))
