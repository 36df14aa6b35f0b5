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


def _raw_request(port: int, request: bytes) -> tuple[socket.socket, bytes]:
    """Send `request` on a new connection and read the answer until the server's FIN; the socket stays open."""
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(request)
    answer = b"".join(iter(lambda: client.recv(65536), b""))
    return client, answer


def test_a_worker_is_free_once_a_read_request_is_answered(server):
    """gunicorn lingers after its answer until the client closes too; a request read to its end needs no
    linger, so clients that keep their sockets open do not hold the workers."""
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    body = json.dumps({"text": "Tokayev met the Chinese ambassador in Astana on Monday."}).encode()
    request = (b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
    held = [_raw_request(port, request) for _ in range(2)]  # as many as there are workers, none closed
    try:
        assert all(answer.startswith(b"HTTP/1.1 200") for _, answer in held)
        started = time.monotonic()
        _, answer = _raw_request(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < 1.0  # lingering workers would keep it waiting about 2 s
    finally:
        for client, _ in held:
            client.close()


def test_an_answer_before_the_body_is_read_arrives_whole(server):
    """A request refused without reading its body still gets its whole answer (the linger stays for it)."""
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    body = b"x" * 20000
    request = (b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
    client, answer = _raw_request(port, request)
    client.close()
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 415")
    assert json.loads(payload)["status"] == 415
