"""Hot model swap under load, without training: a second valid artifact (the same pipeline re-dumped, with its own
sha256 and version) is moved into place and gunicorn gets SIGHUP; then a tampered artifact is offered to
POST /admin/reload and to SIGHUP, and must be refused while the old model keeps serving. Counts failed requests
(must be 0). Works on a copy of models/ in a temporary directory. A script, not a test."""
import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import bench_corpus
import joblib
import requests
from bench_server import Server

from service.config import MODEL_PATH, RECORD_PATH, ROOT


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=30, help="requests per second offered throughout")
    parser.add_argument("--settle", type=float, default=5, help="seconds of load between the steps")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    return parser.parse_args()


class Load:
    """Threads posting texts at a fixed total rate; every answer is kept as (time, status, model version)."""

    def __init__(self, url: str, texts: list[str], rate: float, key: str, threads: int = 8):
        self.url, self.texts, self.pause, self.key = url, texts, threads / rate, key
        self.answers, self.stop, self.lock = [], threading.Event(), threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def _run(self, number: int) -> None:
        due = time.monotonic() + number * self.pause / len(self.threads)
        body = {"text": self.texts[number % len(self.texts)]}
        with requests.Session() as session:
            session.headers["X-API-Key"] = self.key
            while not self.stop.is_set():
                time.sleep(max(0.0, due - time.monotonic()))
                due += self.pause
                try:
                    response = session.post(f"{self.url}/classify", json=body, timeout=30)
                    answer = (time.monotonic(), response.status_code, response.headers.get("X-Model-Version"))
                except requests.RequestException as error:
                    answer = (time.monotonic(), repr(error), None)
                with self.lock:
                    self.answers.append(answer)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def write_artifact(source: Path, record: dict, directory: Path, version: str, compress: int = 3) -> str:
    """Re-dump the pipeline in `source` (other bytes with another compression) with a record carrying the new
    sha256 and `version`; each file is written whole and moved into place, the record last."""
    temporary = directory / ".framing.joblib.tmp"
    joblib.dump(joblib.load(source), temporary, compress=compress)
    sha256 = hashlib.sha256(temporary.read_bytes()).hexdigest()
    os.replace(temporary, directory / "framing.joblib")
    (directory / ".framing.json.tmp").write_text(json.dumps({**record, "version": version, "sha256": sha256}))
    os.replace(directory / ".framing.json.tmp", directory / "framing.json")
    return sha256


def _versions(url: str, key: str, asks: int = 8) -> set:
    return {requests.get(f"{url}/model", headers={"X-API-Key": key}, timeout=10).json()["version"]
            for _ in range(asks)}


def _hup_and_wait(server: Server, workers: int) -> float:
    """SIGHUP, then the seconds until every worker is a new one that answers /readyz."""
    old, started = set(server.worker_pids()), time.monotonic()
    server.process.send_signal(signal.SIGHUP)
    while time.monotonic() - started < 60:
        pids = set(server.worker_pids())
        if len(pids) == workers and not pids & old:
            if requests.get(f"http://127.0.0.1:{server.port}/readyz", timeout=10).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.05)
    raise RuntimeError("the workers were not replaced within 60 s")


def main() -> int:
    args = _arguments()
    texts = bench_corpus.workload(bench_corpus.build_mix(), "typical")
    key = secrets.token_hex(16)
    models = Path(tempfile.mkdtemp(prefix="framing-reload-"))
    shutil.copy(MODEL_PATH, models / "framing.joblib")
    shutil.copy(RECORD_PATH, models / "framing.json")
    record = json.loads(RECORD_PATH.read_text())
    new_version = f"{record['version']}-redump{int(time.time())}"
    environment = {"FRAMING_API_KEYS": key,
                   "FRAMING_MODEL_PATH": str(models / "framing.joblib"),
                   "FRAMING_RECORD_PATH": str(models / "framing.json")}
    steps = {}
    try:
        with Server(args.workers, ROOT / "var" / "reload-gunicorn.log", environment=environment) as server:
            server.start()
            url = f"http://127.0.0.1:{server.port}"
            with Load(url, texts, args.rate, key) as load:
                time.sleep(args.settle)
                steps["before"] = sorted(_versions(url, key))
                sha256 = write_artifact(models / "framing.joblib", record, models, new_version)
                steps["sighup_seconds"] = round(_hup_and_wait(server, args.workers), 2)
                steps["after_sighup"] = sorted(_versions(url, key))
                time.sleep(args.settle)

                tampered = bytearray((models / "framing.joblib").read_bytes())
                tampered[len(tampered) // 2] ^= 0xFF
                (models / "framing.joblib").write_bytes(bytes(tampered))
                refused = requests.post(f"{url}/admin/reload", headers={"X-API-Key": key}, timeout=30)
                steps["admin_reload_tampered"] = {"status": refused.status_code, **refused.json()}
                steps["tampered_sighup_seconds"] = round(_hup_and_wait(server, args.workers), 2)
                steps["after_tampered_sighup"] = sorted(_versions(url, key))
                time.sleep(args.settle)
            metrics = requests.get(f"{url}/metrics", headers={"X-API-Key": key}, timeout=10).text
    finally:
        shutil.rmtree(models, ignore_errors=True)

    statuses = Counter(status for _, status, _ in load.answers)
    versions = Counter(version for _, status, version in load.answers if status == 200)
    failed = sum(count for status, count in statuses.items() if status != 200)
    print(json.dumps(steps, indent=2))
    print(f"requests {len(load.answers)}, failed {failed}, statuses {dict(statuses)}")
    print(f"answers by model version: {dict(versions)} (new artifact sha256 {sha256[:12]}...)")
    shown = ("framing_model", "framing_http_requests_total")
    print("\n".join(line for line in metrics.splitlines() if line.startswith(shown)))
    passed = (failed == 0 and steps["after_sighup"] == [new_version] == steps["after_tampered_sighup"]
              and steps["admin_reload_tampered"]["status"] == 409 and versions[new_version] > 0)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
