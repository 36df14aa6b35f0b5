"""Load generators: wrk for saturated throughput, and an open-loop Python client for latency at a set rate."""
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# wrk cycles through the bodies file, one JSON body a line, and prints its summary as one JSON line.
WRK_SCRIPT = """
local bodies, index = {}, 0
local headers = {["Content-Type"] = "application/json"}
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
end
function request()
  index = index % #bodies + 1
  return wrk.format("POST", "/classify", headers, bodies[index])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n', summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def body(text: str) -> bytes:
    return json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")


def wrk(port: int, texts: list[str], seconds: float, connections: int, work_dir: Path) -> dict:
    """Saturated, closed-loop throughput: `connections` connections posting the texts in turn."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    work_dir.mkdir(parents=True, exist_ok=True)
    script, bodies = work_dir / "bench.lua", work_dir / "bodies.jsonl"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    bodies.write_bytes(b"\n".join(body(text) for text in texts) + b"\n")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script),
               f"http://127.0.0.1:{port}", "--", str(bodies)]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(command, capture_output=True, text=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
    if finished.returncode:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr.strip() or finished.stdout}")
    output = finished.stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = result["duration_us"] / 1e6
    errors = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {"requests_per_s": round(result["requests"] / seconds_run, 2), "requests": result["requests"],
            "errors": errors, "connections": connections, "p50_ms": round(result["p50_us"] / 1000, 1),
            "p99_ms": round(result["p99_us"] / 1000, 1),
            "wrk_cpu_share": round(wrk_cpu / (seconds_run * len(os.sched_getaffinity(0))), 3)}


def request_bytes(text: str) -> bytes:
    """A whole POST /classify, prepared once: the client's own CPU is taken from the server it measures."""
    payload = body(text)
    head = ("POST /classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + payload


def _post(port: int, request: bytes) -> int:
    """Send a prepared request on a new connection (gunicorn's sync workers close every one) and read the
    answer to its end; return its status."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        answer = b"".join(iter(lambda: connection.recv(1 << 16), b""))
    return int(answer[9:12]) if answer.startswith(b"HTTP/1.") else 0


def open_loop(port: int, texts: list[str], rate: float, seconds: float, warmup: float = 1.0,
              seed: int = 7) -> dict:
    """Latency at a fixed offered rate: requests arrive as a seeded Poisson process whether or not earlier
    ones have finished, and each latency runs from its scheduled arrival (no coordinated omission).
    The client runs on the same cores as the server; its share of their time is reported with the figures."""
    payloads = [request_bytes(text) for text in texts]
    arrivals = random.Random(seed)
    latencies, failures, lock = [], [0], threading.Lock()

    def send(index: int, due: float) -> None:
        try:
            status = _post(port, payloads[index % len(payloads)])
        except OSError:
            status = None
        elapsed = time.perf_counter() - due
        with lock:
            if status != 200:
                failures[0] += 1
            elif due - started >= warmup:
                latencies.append(elapsed)

    cpu_before = time.process_time()
    with ThreadPoolExecutor(max_workers=64) as pool:
        started = time.perf_counter()
        due, index = started, 0
        while due - started < warmup + seconds:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(send, index, due)
            index += 1
            due += arrivals.expovariate(rate)
    client_cpu = (time.process_time() - cpu_before) / ((time.perf_counter() - started) * len(os.sched_getaffinity(0)))
    return {"offered_per_s": round(rate, 2), "measured": len(latencies), "errors": failures[0],
            "client_cpu_share": round(client_cpu, 3), **percentiles(latencies)}


def sequential(port: int, texts: list[str], requests: int) -> dict:
    """Latency with one request at a time: what a single user sees on an idle server."""
    payloads = [request_bytes(text) for text in texts]
    latencies = []
    for index in range(requests):
        before = time.perf_counter()
        if _post(port, payloads[index % len(payloads)]) != 200:
            raise RuntimeError("a benchmark request failed")
        latencies.append(time.perf_counter() - before)
    return {"measured": len(latencies), **percentiles(latencies)}


def percentiles(latencies: list[float]) -> dict:
    """p50/p95/p99 in milliseconds (nearest rank)."""
    ordered = sorted(latencies)
    if not ordered:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    pick = {f"p{q}_ms": ordered[min(len(ordered) - 1, max(0, -(-q * len(ordered) // 100) - 1))] for q in (50, 95, 99)}
    return {name: round(1000 * value, 1) for name, value in pick.items()}
