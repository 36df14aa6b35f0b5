"""The command line as a subprocess: table, JSON Lines, stdin, --url, the progress bar and every exit code."""
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import serving

from service.app import create_app
from service.config import RECORD_PATH, ROOT, SEEDS_DIR

RUSSIAN = SEEDS_DIR / "003_41fb8f027a77d834.txt"
KAZAKH = SEEDS_DIR / "000_278911d7b08bd1a4.txt"
ROW = re.compile(r"^ +(\d+)  (\w+) +(\d\.\d\d)([ ?]) (.+)$")


def _run(*args, stdin: bytes = b"", env: dict | None = None, command=(sys.executable, "-m", "service")):
    done = subprocess.run([*command, *map(str, args)], input=stdin, capture_output=True, cwd=ROOT, timeout=120,
                          env={**os.environ, **(env or {})})
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def _api(client, path: Path, explain: bool = False) -> dict:
    response = client.post("/classify", json={"text": path.read_text(encoding="utf-8"), "explain": explain})
    assert response.status_code == 200
    return response.get_json()


def test_table_has_a_line_per_sentence_then_the_summary_and_a_forced_progress_bar(client):
    code, out, err = _run("classify", "--progress", RUSSIAN, KAZAKH)
    assert code == 0
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2
    for block, path in zip(blocks, (RUSSIAN, KAZAKH)):
        expected = _api(client, path)
        lines = block.splitlines()
        assert lines[0].startswith(f"{path}  ({expected['language']}, {len(expected['sentences'])} sentences")
        rows = [ROW.match(line) for line in lines if ROW.match(line)]
        assert [(int(r[1]), r[2], float(r[3]), r[4] == "?") for r in rows] == [
            (s["index"], s["label"], round(s["confidence"], 2), s["abstain"]) for s in expected["sentences"]]
        for row, sentence in zip(rows, expected["sentences"]):
            assert " ".join(sentence["text"].split()).startswith(row[5].rstrip("…"))
        assert f"summary: dominant framing {expected['summary']['label']};" in block
    assert "2/2" in err  # the bar, on stderr only


def test_json_lines_are_the_api_response_and_stdin_works(client):
    code, out, err = _run("classify", "--json", KAZAKH, "-", stdin=RUSSIAN.read_bytes())
    assert code == 0
    assert err == ""  # several files, but stderr is not a terminal and no --progress: no bar
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == {"file": str(KAZAKH), **_api(client, KAZAKH)}
    assert second == {"file": "-", **_api(client, RUSSIAN)}


def test_bad_files_are_reported_skipped_and_exit_3(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Président Tokaïev".encode("latin-1"))
    (tmp_path / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "long.txt").write_text("Да. " * 25_001, encoding="utf-8")
    (tmp_path / "folder.txt").mkdir()
    bad = {"missing.txt": "cannot read it", "latin1.txt": "not UTF-8", "blank.txt": "empty text",
           "long.txt": "too long: 100004 characters", "folder.txt": "cannot read it"}
    code, out, err = _run("classify", "--json", *(tmp_path / name for name in bad), KAZAKH)
    assert code == 3
    assert [json.loads(line)["file"] for line in out.splitlines()] == [str(KAZAKH)]  # the good file still done
    for name, reason in bad.items():
        assert f"framing: {tmp_path / name}: {reason}" in err


@pytest.mark.parametrize("broken", ["missing", "tampered"])
def test_no_usable_model_exits_4(tmp_path, broken):
    env = {"FRAMING_MODEL_PATH": str(tmp_path / "absent.joblib")}
    if broken == "tampered":
        record = json.loads(RECORD_PATH.read_text(encoding="utf-8"))
        (tmp_path / "record.json").write_text(json.dumps({**record, "sha256": "0" * 64}), encoding="utf-8")
        env = {"FRAMING_RECORD_PATH": str(tmp_path / "record.json")}
    code, out, err = _run("classify", KAZAKH, env=env)
    assert (code, out) == (4, "")
    assert err.startswith("framing: no model:")


def test_url_mode_gives_the_service_answer_and_rejections_exit_3(app, client, tmp_path):
    too_long = tmp_path / "long.txt"
    too_long.write_text("Да. " * 25_001, encoding="utf-8")
    with serving(app) as url:
        code, out, err = _run("classify", "--json", "--explain", "--url", url + "/", RUSSIAN, too_long)
    assert code == 3
    assert [json.loads(line) for line in out.splitlines()] == [{"file": str(RUSSIAN), **_api(client, RUSSIAN, True)}]
    assert f"framing: {too_long}: {url}/classify answered 422:" in err


def test_url_without_a_model_exits_5(tmp_path):
    broken = create_app({"TESTING": True, "MODEL_PATH": str(tmp_path / "absent.joblib")})
    with serving(broken) as url:
        code, out, err = _run("classify", "--url", url, KAZAKH)
    assert (code, out) == (5, "")
    assert "answered 503: The model is not loaded" in err


def test_unreachable_url_exits_5():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = _run("classify", "--url", f"http://127.0.0.1:{port}", KAZAKH, RUSSIAN)
    assert (code, out) == (5, "")
    assert err.count("cannot reach") == 1  # the run stops at the first file


@pytest.mark.parametrize("args", [(), ("classify",), ("classify", "--url", "localhost:8000", "x"),
                                  ("classify", "--language", "de", "x"), ("translate", "x")])
def test_usage_errors_exit_2(args):
    code, out, err = _run(*args)
    assert (code, out) == (2, "")
    assert "usage: framing" in err


def test_console_script_help_documents_the_exit_codes():
    script = Path(sys.executable).with_name("framing")
    code, out, _ = _run("classify", "--help", command=(str(script),))
    assert code == 0
    for exit_code in (0, 2, 3, 4, 5):
        assert re.search(rf"^  {exit_code}  \w", out, re.MULTILINE)
