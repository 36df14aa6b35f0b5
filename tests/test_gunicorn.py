"""The real server: gunicorn on loopback serving a seed article."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = open(tmp_path_factory.mktemp("gunicorn") / "server.log", "w+b")  # a pipe could fill and block it
    env = {**os.environ, "FRAMING_BIND": f"127.0.0.1:{port}", "FRAMING_WORKERS": "2"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "service/gunicorn.conf.py", "service.wsgi:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        log.seek(0)
        pytest.fail("gunicorn did not become ready: " + log.read().decode(errors="replace"))
    yield base, process
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_gunicorn_classifies_a_seed_article(server, seed_articles):
    base, _ = server
    article = seed_articles["000_278911d7b08bd1a4.txt"]
    request = urllib.request.Request(f"{base}/classify", data=json.dumps({"text": article}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["X-Model-Version"]
        body = json.load(response)
    assert body["language"] == "kk" and len(body["sentences"]) == 19
    assert all(s["text"] == article[s["start"]:s["end"]] for s in body["sentences"])


def test_gunicorn_answers_errors_in_json(server):
    base, _ = server
    request = urllib.request.Request(f"{base}/classify", data=b"{oops", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.load(caught.value)["code"] == "bad_request"
