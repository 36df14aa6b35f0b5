"""The classify command: read files or stdin, classify them locally or with a service, print a table or JSON."""
import http.client
import json
import os
import re
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from .config import DEFAULTS, LABELS

EXIT_OK, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_NO_MODEL, EXIT_SERVICE = 0, 2, 3, 4, 5
STDIN = "-"
# Answers from the service that mean "this document", not "the service": the run goes on with the next file.
DOCUMENT_STATUSES = (400, 413, 422)


class CommandError(Exception):
    """A failure, worded for the person at the terminal, with the exit code that names it."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def setting(name: str):
    """A service default from config.DEFAULTS, overridden by FRAMING_<NAME> as the service does it."""
    default, raw = DEFAULTS[name], os.environ.get("FRAMING_" + name)
    return default if raw is None else type(default)(raw)


def read_article(name: str) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped), or of standard input for '-'."""
    try:
        data = sys.stdin.buffer.read() if name == STDIN else Path(name).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read it: {error.strerror or error}", EXIT_BAD_INPUT) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(f"not UTF-8 text (invalid byte at offset {error.start})", EXIT_BAD_INPUT) from error
    if not text.strip():
        raise CommandError("empty text: nothing to classify", EXIT_BAD_INPUT)
    return text


class LocalClassifier:
    """The model in models/ (or FRAMING_MODEL_PATH), verified and used in this process."""

    def __init__(self):
        # Imported here so that --url runs need neither scikit-learn nor the language detector.
        from .model import ModelUnavailable, load_model

        try:
            self.model = load_model(setting("MODEL_PATH"), setting("RECORD_PATH"))
        except ModelUnavailable as error:
            raise CommandError(f"no model: {error}", EXIT_NO_MODEL) from error

    def __call__(self, text: str, language: str | None, explain: bool) -> dict:
        from .classify import ArticleTooLong, classify_article
        from .schemas import ClassifyResponse

        limit = setting("MAX_TEXT_CHARS")
        if len(text) > limit:
            raise CommandError(f"too long: {len(text)} characters; the limit is {limit}", EXIT_BAD_INPUT)
        try:
            body = classify_article(self.model, text, language, explain, max_sentences=setting("MAX_SENTENCES"),
                                    max_terms=setting("MAX_EVIDENCE_TERMS"))
        except ArticleTooLong as error:
            raise CommandError(f"too long: {error}", EXIT_BAD_INPUT) from error
        header = {"model": {"version": self.model.version, "sha256": self.model.sha256}, "labels": list(LABELS)}
        return ClassifyResponse().dump({**header, **body})  # the exact shape POST /classify answers


class ServiceClassifier:
    """A running service's POST /classify."""

    def __init__(self, base_url: str, timeout: float):
        self.endpoint = base_url.rstrip("/") + "/classify"
        self.timeout = timeout

    def __call__(self, text: str, language: str | None, explain: bool) -> dict:
        document = {"text": text, "explain": explain, **({"language": language} if language else {})}
        request = urllib.request.Request(self.endpoint, data=json.dumps(document).encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            code = EXIT_BAD_INPUT if error.code in DOCUMENT_STATUSES else EXIT_SERVICE
            raise CommandError(f"{self.endpoint} answered {error.code}: {_error_message(error)}", code) from error
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise CommandError(f"cannot reach {self.endpoint}: {reason}", EXIT_SERVICE) from error
        except ValueError as error:
            raise CommandError(f"{self.endpoint} did not answer with JSON: {error}", EXIT_SERVICE) from error


def _error_message(error: urllib.error.HTTPError) -> str:
    """The message of the service's JSON error shape, or the HTTP reason when the body is something else."""
    try:
        body = json.loads(error.read().decode("utf-8"))
        details = [m for messages in (body.get("errors") or {}).values() if isinstance(messages, list)
                   for m in messages if isinstance(m, str)]
        return " ".join([body["message"], *details])
    except (ValueError, KeyError, AttributeError, TypeError):
        return str(error.reason)


def table(name: str, response: dict, width: int) -> list[str]:
    """One line per sentence (index, label, confidence, text excerpt), then the summary."""
    sentences = response["sentences"]
    lines = [f"{name}  ({response['language']}, {len(sentences)} sentences, model {response['model']['version']})"]
    excerpt_width = max(20, width - 34)
    for sentence in sentences:
        excerpt = re.sub(r"\s+", " ", sentence["text"]).strip()
        if len(excerpt) > excerpt_width:
            excerpt = excerpt[:excerpt_width - 1] + "…"
        flag = "?" if sentence["abstain"] else " "
        lines.append(f"{sentence['index']:>5}  {sentence['label']:<18} {sentence['confidence']:.2f}{flag} {excerpt}")
        if sentence.get("evidence"):
            lines.append(" " * 31 + "evidence: " + ", ".join(term["term"] for term in sentence["evidence"]))
    summary = response["summary"]
    lines.append(f"summary: dominant framing {summary['label']}; share of the text, sentences labelled:")
    for label in LABELS:
        lines.append(f"       {label:<18} {summary['scores'][label]:>4.0%} {summary['counts'][label]:>5}")
    if any(sentence["abstain"] for sentence in sentences):
        lines.append("? = the model abstained: its best score is below the threshold")
    return lines


def classify_files(names: list[str], classifier, language: str | None, explain: bool, as_json: bool,
                   progress: bool) -> int:
    """Classify each file in turn; a bad file is reported and skipped, a dead service or model ends the run."""
    exit_code = EXIT_OK
    width = shutil.get_terminal_size((100, 24)).columns
    with tqdm(total=len(names), desc="classifying", unit="file", file=sys.stderr, disable=not progress) as bar:
        for name in names:
            try:
                response = classifier(read_article(name), language, explain)
            except CommandError as error:
                tqdm.write(f"framing: {name}: {error}", file=sys.stderr)
                if error.exit_code != EXIT_BAD_INPUT:
                    return error.exit_code
                exit_code = EXIT_BAD_INPUT
            else:
                if as_json:
                    tqdm.write(json.dumps({"file": name, **response}, ensure_ascii=False), file=sys.stdout)
                else:
                    tqdm.write("\n".join(table(name, response, width)) + "\n", file=sys.stdout)
            bar.update()
    return exit_code
