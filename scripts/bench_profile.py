"""Sample a running gunicorn worker with py-spy and summarise where its time goes."""
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")


def start(pid: int, seconds: float, output: Path) -> subprocess.Popen | None:
    """Begin sampling `pid` for `seconds` in the background (None when py-spy is missing)."""
    if not PY_SPY.exists() and not shutil.which("py-spy"):
        return None
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [str(PY_SPY) if PY_SPY.exists() else "py-spy", "record", "--pid", str(pid), "--duration",
               str(int(seconds)), "--rate", "200", "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise(raw: Path, top: int = 8) -> dict:
    """Where a busy worker's time goes: the service's own functions by inclusive share, and the frames
    with the most time of their own (samples of a worker waiting for a connection are left out)."""
    inclusive, own, busy = Counter(), Counter(), 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any("handle_request" in frame for frame in frames):
            continue  # a worker waiting for a connection is idle, not slow
        busy += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            if "(service/" in frame or "(flask_smorest/" in frame or "(marshmallow/" in frame:
                inclusive[frame] += int(count)
    share = {"service": inclusive.most_common(2 * top), "self": own.most_common(top)}
    return {name: [{"share": round(count / busy, 3), "frame": frame} for frame, count in rows]
            for name, rows in share.items()} if busy else {}
