"""The page for journalists (GET /): paste or open an article and see every sentence's framing."""
from flask import Blueprint, current_app, render_template

from .security import KEYS

# Assets live under /assets so this blueprint's headers apply to them too (Flask's own /static would not).
page = Blueprint("page", __name__, static_folder="static", static_url_path="/assets", template_folder="templates")

# What the page calls each label (in config.LABELS order), and the one line the legend says about it.
LABEL_NAMES = {
    "china_favourable": ("China-favourable", "presents China, its government or its projects favourably"),
    "us_favourable": ("US-favourable", "presents the United States or its policies favourably"),
    "kazakh_government": ("Kazakh government", "carries the Kazakh authorities' own framing"),
    "neutral": ("Neutral", "reports without favouring any of the three"),
}

# Self-only: the page's JavaScript and CSS are files served here, never inline and never from elsewhere.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@page.route("/", endpoint="index", methods=["GET"])
def index():
    """The page: an article in, each sentence highlighted by its framing, with scores and evidence."""
    return render_template("page.html", labels=LABEL_NAMES, max_text_chars=current_app.config["MAX_TEXT_CHARS"],
                           max_content_length=current_app.config["MAX_CONTENT_LENGTH"],
                           key_required=bool(current_app.extensions[KEYS]))


@page.after_request
def security_headers(response):
    # setdefault keeps a header a view already chose; app-wide hooks run after this one and may replace these.
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
