"""Corrections: POST/GET /feedback through the Flask test client on a real SQLite file, review, training rows."""
import datetime
import io
import json
import multiprocessing
import sqlite3

import pytest

from service import security
from service.app import create_app
from service.storage import SqliteFeedbackStore, StorageUnavailable, utc_now
from training import feedback as training_feedback
from training.__main__ import main as training_main

ERROR_KEYS = {"code", "status", "message"}
SENTENCE = "Тоқаев Қытай елшісін қабылдады."
CORRECTION = {"text": SENTENCE, "label": "neutral", "predicted": "china_favourable", "model_version": "20250101-abc",
              "language": "kk", "note": "protocol meeting, no framing"}


@pytest.fixture()
def db_path(tmp_path):
    return tmp_path / "var" / "feedback.sqlite3"  # the directory does not exist yet: the store creates it


@pytest.fixture()
def client(model, db_path):
    return create_app({"TESTING": True, "FEEDBACK_DB": str(db_path)}, model=model).test_client()


def _assert_error(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert ERROR_KEYS <= set(body) and body["status"] == status and body["message"]
    return body


def _rows(db_path):
    with sqlite3.connect(db_path) as connection:
        return connection.execute("SELECT id, text, label, status FROM feedback ORDER BY id").fetchall()


def test_post_stores_the_correction_and_returns_201(client, db_path):
    response = client.post("/feedback", json=CORRECTION)
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["id"], int) and body["status"] == "pending" and body["reviewed_at"] is None
    assert {key: body[key] for key in CORRECTION} == CORRECTION
    assert datetime.datetime.fromisoformat(body["created_at"]) <= utc_now()
    assert _rows(db_path) == [(body["id"], SENTENCE, "neutral", "pending")]
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_only_text_and_label_are_required(client):
    body = client.post("/feedback", json={"text": SENTENCE, "label": "us_favourable"}).get_json()
    assert body["language"] == "und" and body["predicted"] is None and body["note"] is None


@pytest.mark.parametrize("payload, field", [
    ({**CORRECTION, "label": "pro_china"}, "label"),
    ({**CORRECTION, "predicted": "pro_us"}, "predicted"),
    ({**CORRECTION, "text": " \n\t "}, "text"),
    ({**CORRECTION, "text": ""}, "text"),
    ({**CORRECTION, "text": "ә" * 2001}, "text"),
    ({**CORRECTION, "note": "x" * 1001}, "note"),
    ({**CORRECTION, "language": "de"}, "language"),
    ({**CORRECTION, "article": "the whole article"}, "article"),
    ({"label": "neutral"}, "text"),
    ({"text": SENTENCE}, "label"),
])
def test_invalid_corrections_are_422_with_field_errors(client, db_path, payload, field):
    assert field in _assert_error(client.post("/feedback", json=payload), 422)["errors"]
    assert not db_path.exists() or _rows(db_path) == []


def test_limits_are_inclusive(client):
    assert client.post("/feedback", json={**CORRECTION, "text": "ә" * 2000, "note": "n" * 1000}).status_code == 201


def test_transport_errors_are_in_the_one_shape(client, model, tmp_path):
    _assert_error(client.post("/feedback", data=b'{"text": ', content_type="application/json"), 400)
    _assert_error(client.post("/feedback", json=["text", "label"]), 422)
    _assert_error(client.post("/feedback", data=SENTENCE.encode(), content_type="text/plain"), 415)
    _assert_error(client.delete("/feedback"), 405)
    small = create_app({"TESTING": True, "FEEDBACK_DB": str(tmp_path / "f.db"), "MAX_CONTENT_LENGTH": 500},
                       model=model).test_client()
    _assert_error(small.post("/feedback", json={**CORRECTION, "note": "x" * 600}), 413)


def test_an_unwritable_store_is_503(model, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    broken = create_app({"TESTING": True, "FEEDBACK_DB": str(tmp_path / "a-file" / "feedback.sqlite3")},
                        model=model).test_client()
    assert "feedback store" in _assert_error(broken.post("/feedback", json=CORRECTION), 503)["message"]
    _assert_error(broken.get("/feedback"), 503)


@pytest.mark.parametrize("query", ["status=done", "limit=0", "limit=501", "after=-1", "limit=ten", "page=2"])
def test_bad_list_queries_are_422(client, query):
    _assert_error(client.get(f"/feedback?{query}"), 422)


def test_paging_follows_the_cursor_to_the_end(client):
    posted = [client.post("/feedback", json={**CORRECTION, "text": f"Sentence {n}."}).get_json()["id"]
              for n in range(7)]
    seen, after, pages = [], 0, 0
    while after is not None:
        body = client.get(f"/feedback?limit=3&after={after}").get_json()
        assert body["total"] == 7 and len(body["items"]) == (3 if body["next_after"] else 1)
        seen += [item["id"] for item in body["items"]]
        after, pages = body["next_after"], pages + 1
    assert seen == posted and pages == 3
    assert client.get(f"/feedback?after={posted[-1]}").get_json() == {"items": [], "total": 7, "next_after": None}


def test_status_filter(client, db_path):
    ids = [client.post("/feedback", json={**CORRECTION, "text": f"Sentence {n}."}).get_json()["id"] for n in range(5)]
    assert training_main(["review", "--db", str(db_path), "accept", str(ids[0]), str(ids[3])]) == 0
    assert training_main(["review", "--db", str(db_path), "reject", str(ids[1])]) == 0
    for status, expected in [("accepted", [ids[0], ids[3]]), ("rejected", [ids[1]]), ("pending", [ids[2], ids[4]])]:
        body = client.get(f"/feedback?status={status}").get_json()
        assert [item["id"] for item in body["items"]] == expected and body["total"] == len(expected)
        assert {item["status"] for item in body["items"]} == {status}
        assert all(item["reviewed_at"] for item in body["items"]) == (status != "pending")
    assert client.get("/feedback").get_json()["total"] == 5


def test_retention_deletes_records_older_than_the_setting(model, db_path):
    old = SqliteFeedbackStore(db_path)  # another process's store, writing with its own clock
    stale = old.add({**CORRECTION, "text": "Written 40 days ago."}, now=utc_now() - datetime.timedelta(days=40))
    recent = old.add({**CORRECTION, "text": "Written 20 days ago."}, now=utc_now() - datetime.timedelta(days=20))
    old.close()
    client = create_app({"TESTING": True, "FEEDBACK_DB": str(db_path), "FEEDBACK_RETENTION_DAYS": 30},
                        model=model).test_client()
    assert client.get("/feedback").get_json()["total"] == 2  # reading never deletes
    new = client.post("/feedback", json=CORRECTION).get_json()
    assert [item["id"] for item in client.get("/feedback").get_json()["items"]] == [recent["id"], new["id"]]
    assert stale["id"] not in [row[0] for row in _rows(db_path)]


def test_retention_zero_keeps_everything(model, db_path):
    old = SqliteFeedbackStore(db_path)
    old.add(CORRECTION, now=utc_now() - datetime.timedelta(days=3650))
    client = create_app({"TESTING": True, "FEEDBACK_DB": str(db_path), "FEEDBACK_RETENTION_DAYS": 0},
                        model=model).test_client()
    client.post("/feedback", json=CORRECTION)
    assert len(_rows(db_path)) == 2


def test_the_environment_names_the_database(model, tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMING_FEEDBACK_DB", str(tmp_path / "from-env.sqlite3"))
    create_app({"TESTING": True}, model=model).test_client().post("/feedback", json=CORRECTION)
    assert len(_rows(tmp_path / "from-env.sqlite3")) == 1
    assert training_feedback.feedback_db_path() == tmp_path / "from-env.sqlite3"


def test_with_api_keys_the_feedback_endpoints_need_one(model, db_path):
    keyed = create_app({"TESTING": True, "FEEDBACK_DB": str(db_path), "API_KEYS": "k1,k2"}, model=model).test_client()
    _assert_error(keyed.get("/feedback"), 401)
    _assert_error(keyed.post("/feedback", json=CORRECTION), 401)
    assert keyed.post("/feedback", json=CORRECTION, headers={"X-API-Key": "k2"}).status_code == 201
    assert keyed.get("/feedback", headers={"Authorization": "Bearer k1"}).get_json()["total"] == 1


def test_opening_posts_to_the_page_keeps_the_listing_behind_the_key(model, db_path, monkeypatch):
    monkeypatch.setattr(security, "OPEN_PATHS", security.OPEN_PATHS | {"/feedback"})
    keyed = create_app({"TESTING": True, "FEEDBACK_DB": str(db_path), "API_KEYS": "k1"}, model=model).test_client()
    assert keyed.post("/feedback", json=CORRECTION).status_code == 201
    _assert_error(keyed.get("/feedback"), 401)
    assert keyed.get("/feedback", headers={"X-API-Key": "k1"}).status_code == 200


def test_review_lists_accepts_rejects_and_names_missing_ids(client, db_path, capsys):
    ids = [client.post("/feedback", json={**CORRECTION, "text": f"Sentence {n}."}).get_json()["id"] for n in range(3)]
    capsys.readouterr()  # the request log lines
    assert training_main(["review", "--db", str(db_path), "list"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == [str(i) for i in ids]
    assert training_main(["review", "--db", str(db_path), "accept", str(ids[0]), "999"]) == 1
    assert "999" in capsys.readouterr().err
    assert training_main(["review", "--db", str(db_path), "accept"]) == 2
    assert [row[3] for row in _rows(db_path)] == ["accepted", "pending", "pending"]
    assert training_main(["review", "--db", str(db_path), "export"]) == 0
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == [ids[0]]


def test_interactive_review_applies_each_answer(client, db_path, monkeypatch, capsys):
    for n in range(4):
        client.post("/feedback", json={**CORRECTION, "text": f"Sentence {n}."})
    monkeypatch.setattr("sys.stdin", io.StringIO("a\nwhat\nr\ns\nq\n"))
    capsys.readouterr()
    assert training_main(["review", "--db", str(db_path)]) == 0
    assert [row[3] for row in _rows(db_path)] == ["accepted", "rejected", "pending", "pending"]
    assert "2 correction(s) reviewed" in capsys.readouterr().out


def test_training_reads_accepted_corrections_as_examples(client, db_path):
    assert training_feedback.load_feedback(db_path) == []
    posts = [{**CORRECTION, "text": "Blinken met Tokayev.", "label": "us_favourable", "language": "en"},
             {**CORRECTION, "text": "Си Цзиньпин поддержал Токаева.", "label": "china_favourable", "language": None},
             {**CORRECTION, "text": "Rejected sentence."},
             {**CORRECTION, "text": "Blinken met Tokayev. ", "label": "neutral", "language": "en"}]
    ids = [client.post("/feedback", json=post).get_json()["id"] for post in posts]
    before = training_feedback.feedback_summary(training_feedback.load_feedback(db_path))
    SqliteFeedbackStore(db_path).set_status([ids[0], ids[1], ids[3]], "accepted")
    SqliteFeedbackStore(db_path).set_status([ids[2]], "rejected")
    examples = training_feedback.load_feedback(db_path)
    # The same sentence corrected twice: the later correction wins.
    assert [(e.context.text, e.label, e.language) for e in examples] == [
        ("Си Цзиньпин поддержал Токаева.", "china_favourable", "ru"), ("Blinken met Tokayev.", "neutral", "en")]
    assert all(e.context.previous == "" and e.source == "feedback" for e in examples)
    assert len({e.group for e in examples}) == 2
    summary = training_feedback.feedback_summary(examples)
    assert before == {"count": 0, "sha256": training_feedback.feedback_hash([])} and summary["count"] == 2
    assert summary != before and summary == training_feedback.feedback_summary(training_feedback.load_feedback(db_path))
    corpus = ["corpus example"]
    assert training_feedback.with_feedback(corpus, include=False, db_path=db_path) == (corpus, before)
    assert training_feedback.with_feedback(corpus, db_path=db_path) == (corpus + examples, summary)


def test_check_model_record_compares_the_record_with_the_database(client, db_path, tmp_path):
    record_path = tmp_path / "framing.json"
    record_path.write_text(json.dumps({"feedback": {"count": 0, "sha256": training_feedback.feedback_hash([])}}))
    assert training_feedback.check_model_record(db_path, record_path)["count"] == 0
    accepted = client.post("/feedback", json=CORRECTION).get_json()["id"]
    SqliteFeedbackStore(db_path).set_status([accepted], "accepted")
    with pytest.raises(AssertionError, match="count': 1"):
        training_feedback.check_model_record(db_path, record_path)


def _first_write(path, barrier, results):
    store = SqliteFeedbackStore(path)
    barrier.wait()
    try:
        store.add({"text": "Тоқаев Қытай елшісін қабылдады.", "label": "neutral"})
        results.put("ok")
    except StorageUnavailable as error:
        results.put(str(error))


def test_workers_racing_to_create_the_store_all_write(tmp_path):
    """Three processes' first writes to a new file at the same moment, 100 times: none is refused (SQLite
    reports the race to switch a new file to WAL as "database is locked" without waiting)."""
    context = multiprocessing.get_context("fork")  # as gunicorn's workers are made
    outcomes = []
    for attempt in range(100):
        barrier, results = context.Barrier(3), context.Queue()
        path = tmp_path / str(attempt) / "feedback.sqlite3"
        processes = [context.Process(target=_first_write, args=(path, barrier, results)) for _ in range(3)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=30)
        outcomes += [results.get(timeout=5) for _ in processes]
        with sqlite3.connect(path) as connection:
            assert connection.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 3
    assert outcomes == ["ok"] * 300
