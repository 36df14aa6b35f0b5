"""API keys, CORS, security headers and the limits on slow or oversized clients, through the real app and gunicorn."""
import base64
import hashlib
import re
import socket
import time

import pytest
import requests
from loopback import Gunicorn

from service import security
from service.app import create_app

KEYS = "alpha-0123456789abcdef, beta-0123456789abcdef"
ORIGIN = "https://newsroom.example"
TEXT = {"text": "Токаев провёл встречу с послом Китая. Стороны обсудили торговлю."}


@pytest.fixture(scope="module")
def keyed(model):
    return create_app({"TESTING": True, "API_KEYS": KEYS, "CORS_ORIGINS": f"{ORIGIN}/"}, model=model).test_client()


def _assert_401(response):
    assert response.status_code == 401 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == "unauthorized" and body["status"] == 401 and "X-API-Key" in body["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_without_keys_the_api_is_open_and_admin_is_off(client):
    assert client.post("/classify", json=TEXT).status_code == 200
    response = client.post("/admin/reload")
    assert response.status_code == 403 and "FRAMING_API_KEYS" in response.get_json()["message"]


@pytest.mark.parametrize("headers", [
    {},
    {"X-API-Key": "alpha-0123456789abcdeX"},
    {"X-API-Key": ""},
    {"Authorization": "Bearer wrong"},
    {"Authorization": "Basic YWxwaGE6eA=="},
    {"Authorization": "alpha-0123456789abcdef"},  # a key without the Bearer scheme
    {"X-API-Key": "ключ-ü-\u00ff"},
])
def test_a_missing_or_wrong_key_is_401(keyed, headers):
    _assert_401(keyed.post("/classify", json=TEXT, headers=headers))
    _assert_401(keyed.post("/classify/batch", json={"documents": [{"id": "a", **TEXT}]}, headers=headers))
    _assert_401(keyed.get("/model", headers=headers))
    _assert_401(keyed.get("/metrics", headers=headers))
    _assert_401(keyed.get("/nowhere", headers=headers))  # unknown paths say nothing before the key


@pytest.mark.parametrize("headers", [
    {"X-API-Key": "alpha-0123456789abcdef"},
    {"X-API-Key": " beta-0123456789abcdef "},
    {"Authorization": "Bearer beta-0123456789abcdef"},
    {"Authorization": "bearer alpha-0123456789abcdef"},
])
def test_any_configured_key_in_either_header_is_accepted(keyed, headers):
    assert keyed.post("/classify", json=TEXT, headers=headers).status_code == 200
    assert keyed.get("/metrics", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/", "/healthz", "/readyz", "/docs", "/openapi.json",
                                  "/docs/assets/swagger-ui.css", "/assets/page.css"])
def test_page_docs_probes_and_assets_stay_open(keyed, path):
    assert keyed.get(path).status_code == 200


def test_keys_are_compared_in_constant_time_against_every_key(keyed, monkeypatch):
    compared = []

    def compare_digest(presented, key):
        compared.append((presented, key))
        return presented == key

    monkeypatch.setattr(security.hmac, "compare_digest", compare_digest)
    assert keyed.get("/model", headers={"X-API-Key": "alpha-0123456789abcdef"}).status_code == 200
    assert [key for _, key in compared] == [b"alpha-0123456789abcdef", b"beta-0123456789abcdef"]


def test_keys_come_from_the_environment(model, monkeypatch):
    monkeypatch.setenv("FRAMING_API_KEYS", "from-env-key")
    client = create_app({"TESTING": True}, model=model).test_client()
    _assert_401(client.post("/classify", json=TEXT))
    assert client.post("/classify", json=TEXT, headers={"X-API-Key": "from-env-key"}).status_code == 200


def test_cors_preflight_from_an_allowed_origin_needs_no_key(keyed):
    response = keyed.options("/classify", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-api-key"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert {"content-type", "x-api-key"} <= {h.strip().lower() for h in
                                             response.headers["Access-Control-Allow-Headers"].split(",")}
    assert "Origin" in response.headers["Vary"]


def test_cors_answers_allowed_origins_only(keyed):
    allowed = keyed.post("/classify", json=TEXT, headers={"Origin": ORIGIN, "X-API-Key": "alpha-0123456789abcdef"})
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Request-Id" in allowed.headers["Access-Control-Expose-Headers"]
    other = "https://evil.example"
    refused = keyed.post("/classify", json=TEXT, headers={"Origin": other, "X-API-Key": "alpha-0123456789abcdef"})
    assert "Access-Control-Allow-Origin" not in refused.headers and "Origin" in refused.headers["Vary"]
    preflight = keyed.options("/classify", headers={"Origin": other, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code != 204 and "Access-Control-Allow-Origin" not in preflight.headers


def test_without_an_allow_list_there_is_no_cors(client):
    response = client.post("/classify", json=TEXT, headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("method, path", [("POST", "/classify"), ("GET", "/nowhere"), ("GET", "/healthz"),
                                          ("GET", "/docs/assets/swagger-ui-bundle.js"), ("GET", "/")])
def test_security_headers_on_every_response(client, method, path):
    response = client.open(path, method=method, json=TEXT if method == "POST" else None)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe" not in policy


def test_html_policy_allows_same_origin_files_and_only_the_docs_own_inline_script(client):
    response = client.get("/docs")
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    inline = re.findall(rb"<script>(.*?)</script>", response.get_data(), re.DOTALL)
    expected = {f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'" for script in inline}
    assert len(inline) == 1 and set(policy["script-src"].split()) == {"'self'", *expected}
    assert policy["style-src"] == "'self'" and policy["default-src"] == "'none'"
    assert "'self'" in client.get("/").headers["Content-Security-Policy"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn whose clients get 1 s of silence before the connection is dropped."""
    server = Gunicorn(tmp_path_factory.mktemp("gunicorn-limits"), FRAMING_CLIENT_TIMEOUT="1")
    yield server
    server.stop()


def _slow_client(url: str, head: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)))
    connection.sendall(head)
    connection.settimeout(10)
    return connection


def _read_to_close(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    connection.close()
    return received


def test_slow_clients_are_dropped_and_do_not_hold_the_workers(server):
    heads = [b"POST /classify HTTP/1.1\r\nHost: x\r\n",  # headers that never end
             b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"]
    started = time.monotonic()
    clients = [_slow_client(server.url, heads[index % 2]) for index in range(4)]  # two per worker
    answers = [_read_to_close(client) for client in clients]
    held = time.monotonic() - started
    assert held < 10, "a slow client held a worker past the client timeout"
    assert requests.post(f"{server.url}/classify", json=TEXT, timeout=10).status_code == 200
    body_timeouts = [answer for answer in answers if answer]
    assert len(body_timeouts) == 2 and all(answer.startswith(b"HTTP/1.1 408") and b'"status":408' in answer
                                 for answer in body_timeouts)
    assert all(pid in server.worker_pids() for pid in {line["pid"] for line in server.json_lines()})


def test_oversized_request_line_and_headers_are_refused_and_workers_survive(server):
    workers = server.worker_pids()
    refusals = [requests.get(f"{server.url}/healthz?q={'x' * 5000}", timeout=10),
                requests.get(f"{server.url}/healthz", headers={f"X-Filler-{index}": "y" for index in range(120)},
                             timeout=10),
                requests.get(f"{server.url}/healthz", headers={"X-Big": "z" * 9000}, timeout=10)]
    for response in refusals:  # gunicorn's own refusals, in the API's error shape
        assert 400 <= response.status_code < 500 and response.headers["Content-Type"] == "application/json"
        body = response.json()
        assert body["status"] == response.status_code and body["code"] and body["message"]
    response = requests.post(f"{server.url}/classify", data=b"x" * (3 * 1024 * 1024), timeout=10,
                             headers={"Content-Type": "text/plain"})
    assert response.status_code == 413 and response.json()["status"] == 413
    assert server.worker_pids() == workers
