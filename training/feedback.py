"""Accepted corrections from the feedback database as training examples, and the hash the model record keeps."""
import hashlib
import json
import os
from pathlib import Path

from service.config import DEFAULTS, LANGUAGES, RECORD_PATH
from service.context import SentenceContext
from service.storage import open_store

from .corpus import Example

PAGE_SIZE = 1000


def feedback_db_path(db_path=None) -> Path:
    """The database the service writes to: the argument, else FRAMING_FEEDBACK_DB, else the default."""
    return Path(db_path or os.environ.get("FRAMING_FEEDBACK_DB") or DEFAULTS["FEEDBACK_DB"])


def open_feedback_store(db_path=None):
    """The store, with retention off: reading or reviewing never deletes."""
    return open_store({"FEEDBACK_DB": str(feedback_db_path(db_path)), "FEEDBACK_RETENTION_DAYS": 0})


def accepted_records(db_path=None) -> list[dict]:
    """Every accepted correction, oldest first; none when the database has not been created yet."""
    if not feedback_db_path(db_path).exists():
        return []
    store = open_feedback_store(db_path)
    records, after = [], 0
    try:
        while after is not None:
            page, after, _ = store.page("accepted", after, PAGE_SIZE)
            records += page
    finally:
        store.close()
    return records


def feedback_examples(records) -> list[Example]:
    """One context-free example per distinct sentence (the store keeps no neighbours); when a sentence
    was corrected more than once, the latest accepted correction wins."""
    latest = {}
    for record in sorted(records, key=lambda record: record["id"]):
        latest[record["text"].strip()] = record
    examples = []
    for text, record in sorted(latest.items(), key=lambda item: item[1]["id"]):
        language = record["language"]
        if language not in LANGUAGES:
            from service.language import detect  # loads the detector only when a record needs it

            language = detect(text)
        examples.append(Example(SentenceContext(text), record["label"], language, f"feedback:{record['id']}",
                                "feedback"))
    return examples


def load_feedback(db_path=None) -> list[Example]:
    """The accepted corrections as the Example objects training/corpus.py builds."""
    return feedback_examples(accepted_records(db_path))


def feedback_hash(examples) -> str:
    """sha256 over what training sees of each correction (text, label, language), in training order."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps([example.context.text, example.label, example.language], ensure_ascii=False)
                      .encode("utf-8") + b"\n")
    return digest.hexdigest()


def feedback_summary(examples) -> dict:
    """What the model record keeps about the corrections it was trained on."""
    return {"count": len(examples), "sha256": feedback_hash(examples)}


def with_feedback(examples: list[Example], include: bool = True, db_path=None) -> tuple[list[Example], dict]:
    """The corpus examples plus the accepted corrections (none when `include` is false), and their summary."""
    corrections = load_feedback(db_path) if include else []
    return examples + corrections, feedback_summary(corrections)


def check_model_record(db_path=None, record_path=RECORD_PATH) -> dict:
    """For the round trip: the model record must count and hash exactly the accepted corrections in the
    database. Returns the summary; raises AssertionError naming both sides when they differ."""
    record = json.loads(Path(record_path).read_text(encoding="utf-8"))
    expected = feedback_summary(load_feedback(db_path))
    if record.get("feedback") != expected:
        raise AssertionError(f"model record has feedback {record.get('feedback')}; the database gives {expected}")
    return expected
