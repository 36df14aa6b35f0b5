"""Where corrections are kept: one small storage interface and its SQLite implementation."""
import contextlib
import datetime
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

STATUSES = ("pending", "accepted", "rejected")
# What a client may set; id, created_at, status and reviewed_at belong to the store.
WRITABLE = ("text", "label", "predicted", "model_version", "language", "note")
# A writer waits this long for another worker's transaction before the request fails with a 503.
BUSY_TIMEOUT_MS = 10_000
# Retention runs on writes, at most this often per process: a DELETE per request would only add lock contention.
PURGE_INTERVAL_SECONDS = 3600

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    predicted TEXT,
    model_version TEXT,
    language TEXT NOT NULL DEFAULT 'und',
    note TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    reviewed_at TEXT
);
CREATE INDEX IF NOT EXISTS feedback_created_at ON feedback (created_at);
CREATE INDEX IF NOT EXISTS feedback_status_id ON feedback (status, id);
"""


class StorageUnavailable(Exception):
    """The store cannot be opened, read or written: locked too long, disk full, unwritable path."""


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def timestamp(moment: datetime.datetime) -> str:
    """UTC, fixed width, so that comparing the strings compares the times."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FeedbackStore(Protocol):
    """What the views, the review command and training need; another database implements these four."""

    def add(self, correction: dict, now: datetime.datetime | None = None) -> dict:
        """Store a correction as pending and return the whole record."""

    def page(self, status: str | None = None, after: int = 0, limit: int = 50) -> tuple[list[dict], int | None, int]:
        """Records with id > after in id order, the cursor for the next page (or None) and the total matching."""

    def set_status(self, ids, status: str, now: datetime.datetime | None = None) -> list[int]:
        """Mark records accepted or rejected; returns the ids that exist."""

    def delete_older_than(self, days: int, now: datetime.datetime | None = None) -> int:
        """Delete records created more than `days` ago; returns how many."""


def _initialise(connection: sqlite3.Connection) -> None:
    """WAL mode and the table, retried while another worker is doing the same to a new file: SQLite answers
    that race with "database is locked" at once instead of waiting out the busy timeout (seen in 1-12% of
    first writes by three processes at once, depending on the machine's load)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(SCHEMA)  # IF NOT EXISTS throughout, so a retry is harmless
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SqliteFeedbackStore:
    """An SQLite file in WAL mode: every gunicorn worker writes to it through its own connections."""

    def __init__(self, path, retention_days: int = 0):
        self.path = Path(path)
        self.retention_days = int(retention_days)
        self._local = threading.local()
        self._next_purge = 0.0

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process: a connection inherited across fork() must not be used."""
        connection = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            return connection
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: each statement outside an explicit BEGIN is its own durable transaction.
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        connection.row_factory = sqlite3.Row
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _initialise(connection)
        except sqlite3.Error:
            connection.close()
            raise
        self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextlib.contextmanager
    def _errors(self):
        try:
            yield
        except (sqlite3.Error, OSError) as error:
            raise StorageUnavailable(f"feedback store {self.path}: {error}") from error

    def add(self, correction: dict, now: datetime.datetime | None = None) -> dict:
        moment = now or utc_now()
        record = {name: correction.get(name) for name in WRITABLE}
        record["language"] = record["language"] or "und"
        with self._errors():
            connection = self._connection()
            self._purge_if_due(moment)
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, text, label, predicted, model_version, language, note)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (timestamp(moment), *(record[name] for name in WRITABLE)))
        return {"id": cursor.lastrowid, "created_at": timestamp(moment), **record,
                "status": "pending", "reviewed_at": None}

    def page(self, status: str | None = None, after: int = 0, limit: int = 50):
        where, values = ("WHERE status = ?", [status]) if status else ("", [])
        with self._errors():
            connection = self._connection()
            connection.execute("BEGIN")  # one snapshot for the page and the total
            try:
                rows = connection.execute(
                    f"SELECT * FROM feedback {where} {'AND' if where else 'WHERE'} id > ? ORDER BY id LIMIT ?",
                    (*values, after, limit + 1)).fetchall()
                total = connection.execute(f"SELECT COUNT(*) FROM feedback {where}", values).fetchone()[0]
            finally:
                connection.execute("COMMIT")
        records = [dict(row) for row in rows[:limit]]
        following = records[-1]["id"] if len(rows) > limit else None
        return records, following, total

    def set_status(self, ids, status: str, now: datetime.datetime | None = None) -> list[int]:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        reviewed_at = timestamp(now or utc_now()) if status != "pending" else None
        changed = []
        with self._errors():
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                for record_id in ids:
                    cursor = connection.execute("UPDATE feedback SET status = ?, reviewed_at = ? WHERE id = ?",
                                                (status, reviewed_at, int(record_id)))
                    if cursor.rowcount:
                        changed.append(int(record_id))
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return changed

    def delete_older_than(self, days: int, now: datetime.datetime | None = None) -> int:
        cutoff = (now or utc_now()) - datetime.timedelta(days=days)
        with self._errors():
            return self._connection().execute("DELETE FROM feedback WHERE created_at < ?",
                                              (timestamp(cutoff),)).rowcount

    def _purge_if_due(self, now: datetime.datetime) -> None:
        if self.retention_days > 0 and time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
            self.delete_older_than(self.retention_days, now)

    def close(self) -> None:
        """Close this thread's connection (tests, and the review command when it is done)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            connection.close()
        self._local.connection = None


def open_store(config) -> FeedbackStore:
    """The store named by the config; a second database would be chosen here, and nowhere else."""
    return SqliteFeedbackStore(config["FEEDBACK_DB"], config["FEEDBACK_RETENTION_DAYS"])
