"""One place for paths, label order and service defaults."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"
MODEL_PATH = MODELS_DIR / "framing.joblib"
RECORD_PATH = MODELS_DIR / "framing.json"
REPORT_JSON = MODELS_DIR / "evaluation.json"
REPORT_PAGE = MODELS_DIR / "evaluation.md"
DATA_DIR = ROOT / "data"
CORPUS_DIR = DATA_DIR / "corpus"
SEED_GOLD_PATH = DATA_DIR / "seed_gold.jsonl"
SEEDS_DIR = ROOT / "seeds"
EVAL_REAL_DIR = ROOT.parent / "shared" / "eval-real"

LABELS = ("china_favourable", "us_favourable", "kazakh_government", "neutral")
LANGUAGES = ("kk", "ru", "uk", "en")
UNDETERMINED = "und"

# The API contract's absolute limits (a deployment may lower the text limit with FRAMING_MAX_TEXT_CHARS).
TEXT_CHARS_LIMIT = 100_000
BATCH_DOCUMENTS_LIMIT = 100

# Defaults for the Flask app; each can be overridden by a FRAMING_<NAME> environment variable.
DEFAULTS = {
    "MODEL_PATH": str(MODEL_PATH),
    "RECORD_PATH": str(RECORD_PATH),
    "MAX_TEXT_CHARS": TEXT_CHARS_LIMIT,
    "MAX_SENTENCES": 5_000,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_EVIDENCE_TERMS": 8,
    # Corrections from newsrooms (issue 9): an SQLite file, created on first use; 0 days keeps them forever.
    "FEEDBACK_DB": str(ROOT / "var" / "feedback.sqlite3"),
    "FEEDBACK_RETENTION_DAYS": 365,
    # Security (issue 8): comma-separated API keys (none: the API is open, /admin is off) and CORS origins.
    "API_KEYS": "",
    "CORS_ORIGINS": "",
    # Where verified copies of loaded artifacts are kept, so a refused models/ falls back to the last good one.
    # gunicorn.conf.py sets it per server; empty: no fallback.
    "LAST_GOOD_DIR": "",
}
