"""Helpers for tests that need a real server on loopback (gunicorn, or the app in a thread), and a second valid
model artifact without training."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import joblib
import requests
from werkzeug.serving import make_server

from service.config import ROOT
from service.model import file_sha256

START_SECONDS = 60


@contextmanager
def serving(app):
    """The app on a loopback port in a thread; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join()


class Gunicorn:
    """gunicorn with the project's config on a port the kernel picks; stdout (JSON request log) and stderr
    (gunicorn's log) go to files in `directory`."""

    def __init__(self, directory: Path, workers: int = 2, **environment: str):
        self.stdout, self.stderr = directory / "stdout.log", directory / "stderr.log"
        env = {**os.environ, "FRAMING_BIND": "127.0.0.1:0", "FRAMING_WORKERS": str(workers), **environment}
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "service/gunicorn.conf.py", "--no-control-socket",
                 "service.wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=err)
        try:
            port = self.wait_for(lambda: re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.stderr.read_text()),
                                 "the listening port").group(1)
            self.url = f"http://127.0.0.1:{port}"
            self.wait_for(lambda: len(self.worker_pids()) == workers and self._ready(), "the workers")
        except BaseException:
            self.stop()
            raise

    def wait_for(self, predicate, what: str, seconds: float = START_SECONDS):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.stderr.read_text()}")
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"gave up waiting for {what}:\n{self.stderr.read_text()[-3000:]}")

    def worker_pids(self) -> set[int]:
        pid = self.process.pid
        return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}

    def _ready(self) -> bool:
        """Every worker answers /readyz (a worker answers only once it has loaded the app and the model)."""
        try:
            answered = {requests.get(f"{self.url}/readyz", timeout=5).status_code for _ in range(6)}
        except requests.RequestException:
            return False
        return answered == {200}

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.read_text().splitlines() if line.startswith("{")]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def write_artifact(pipeline, record: dict, directory: Path, version: str, compress: int) -> tuple[Path, Path]:
    """A valid artifact pair for `pipeline` in `directory`: re-dumped (other bytes with another `compress`),
    with a record carrying its new sha256 and `version`. Written whole, then moved into place, record last."""
    directory.mkdir(parents=True, exist_ok=True)
    model_path, record_path = directory / "framing.joblib", directory / "framing.json"
    temporary = directory / ".framing.joblib.tmp"
    joblib.dump(pipeline, temporary, compress=compress)
    new_record = {**record, "version": version, "sha256": file_sha256(temporary)}
    os.replace(temporary, model_path)
    (directory / ".framing.json.tmp").write_text(json.dumps(new_record), encoding="utf-8")
    os.replace(directory / ".framing.json.tmp", record_path)
    return model_path, record_path
