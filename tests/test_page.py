"""GET / and its assets through the Flask test client: served locally, CSP-clean, wired to the config."""
import re
from html.parser import HTMLParser

import pytest

from service.app import create_app
from service.config import LABELS
from service.page import CONTENT_SECURITY_POLICY, LABEL_NAMES

ASSET_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


class PageParser(HTMLParser):
    """Collects what the CSP cares about: asset URLs, inline scripts and styles, event-handler attributes."""

    def __init__(self):
        super().__init__()
        self.assets, self.inline, self.legend, self.data = [], [], [], {}
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.assets += [attrs[key] for key in ("src", "href") if key in attrs and tag in ("script", "link")]
        self.inline += [f"{tag} {name}" for name in attrs if name == "style" or name.startswith("on")]
        self.inline += ["<style>"] if tag == "style" else []
        self._in_script = tag == "script"
        if tag == "li" and "data-label" in attrs:
            self.legend.append((attrs["data-label"], attrs["data-name"]))
        if attrs.get("id") == "app":
            self.data = {name: value for name, value in attrs.items() if name.startswith("data-")}

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag):
        self._in_script = False


def _parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser


def _module_imports(client, path: str) -> set:
    """The JavaScript modules reachable from `path` through relative imports."""
    seen, pending = set(), [path]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        source = client.get(current).get_data(as_text=True)
        base = current.rsplit("/", 1)[0]
        pending += [f"{base}/{name}" for name in re.findall(r'from\s+"\./([\w.-]+\.js)"', source)]
    return seen


def test_page_is_html_with_a_self_only_policy(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    page = _parse(response)
    assert page.inline == []  # nothing the policy would block
    assert page.legend == [(label, LABEL_NAMES[label][0]) for label in LABELS]
    assert page.data == {"data-classify-url": "/classify", "data-feedback-url": "/feedback",
                         "data-max-chars": "100000", "data-max-bytes": str(2 * 1024 * 1024)}


def test_every_asset_is_served_here_with_the_same_headers(client):
    page = _parse(client.get("/"))
    scripts = [url for url in page.assets if url.endswith(".js")]
    assert len(scripts) == 1 and {".css", ".svg"} <= {url[url.rfind("."):] for url in page.assets}
    assets = set(page.assets) | _module_imports(client, scripts[0])
    assert {"/assets/js/main.js", "/assets/js/api.js", "/assets/js/view.js"} <= assets
    for url in sorted(assets):
        assert url.startswith("/assets/"), url  # no CDN, no other origin
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == ASSET_TYPES[url[url.rfind("."):]], url
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = response.get_data(as_text=True)
        assert not re.search(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}/", body.replace("http://www.w3.org/2000/svg", "")), url


def test_limits_come_from_the_app_config(model):
    app = create_app({"TESTING": True, "MAX_TEXT_CHARS": 500, "MAX_CONTENT_LENGTH": 4096}, model=model)
    page = _parse(app.test_client().get("/"))
    assert page.data["data-max-chars"] == "500" and page.data["data-max-bytes"] == "4096"


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/assets/missing.js", 404),
    ("get", "/assets/../app.py", 404),
    ("post", "/", 405),
])
def test_page_errors_use_the_json_error_shape(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status and response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == status and body["code"] and body["message"]


def test_the_key_field_appears_only_when_the_deployment_needs_keys(client, model):
    open_page = client.get("/").get_data(as_text=True)
    assert 'id="api-key"' not in open_page
    keyed = create_app({"TESTING": True, "API_KEYS": "k-0123456789abcdef"}, model=model).test_client()
    response = keyed.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="api-key"' in page and 'type="password"' in page
