"""gunicorn on loopback for the benchmark: start it, time it to ready, read its workers' memory, stop it."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from service.config import ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
READY_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Server:
    """One gunicorn master serving service.wsgi:app with the project's config, one worker per core."""

    def __init__(self, workers: int, log_path: Path, extra_args: list[str] = (), environment: dict | None = None):
        self.workers = workers
        self.extra_args = list(extra_args)
        self.log_path = log_path
        self.port = free_port()
        self.env = {**os.environ, **(environment or {}), "FRAMING_BIND": f"127.0.0.1:{self.port}",
                    "FRAMING_WORKERS": str(workers)}
        self.process = None
        self.ready_seconds = None

    def start(self) -> float:
        """Start gunicorn and return the seconds from launch to the first 200 from /readyz."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "service/gunicorn.conf.py", "--no-control-socket", *self.extra_args,
             "service.wsgi:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        while time.perf_counter() - started < READY_TIMEOUT:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                if get(self.port, "/readyz", timeout=1.0)[0] == 200:
                    self.ready_seconds = time.perf_counter() - started
                    return self.ready_seconds
            except OSError:
                pass
            time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"gunicorn was not ready within {READY_TIMEOUT} s; see {self.log_path}")

    def wait_for_workers(self, timeout: float = 30.0) -> list[int]:
        """The worker pids, once all of them have booted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) >= self.workers:
                return pids
            time.sleep(0.05)
        raise RuntimeError(f"only {len(self.worker_pids())} of {self.workers} workers booted")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:  # the master has exited
            return []
        return sorted(int(child) for child in children)

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *self.worker_pids()]

    def memory(self) -> dict:
        """Each worker's and the master's RSS, PSS (shared pages split among their sharers) and private
        memory (what the process alone holds), in MB."""
        workers = [_memory_of(pid) for pid in self.worker_pids()]
        return {"workers": workers, "master": _memory_of(self.process.pid),
                "max_worker_rss_mb": max((w["rss_mb"] for w in workers), default=None)}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def _memory_of(pid: int) -> dict:
    fields = {}
    for name in (f"/proc/{pid}/status", f"/proc/{pid}/smaps_rollup"):
        for line in Path(name).read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Pss", "Private_Clean", "Private_Dirty") and value.strip().endswith("kB"):
                fields[key] = int(value.split()[0]) / 1024
    return {"pid": pid, "rss_mb": round(fields["VmRSS"], 1), "pss_mb": round(fields.get("Pss", 0), 1),
            "private_mb": round(fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0), 1)}
