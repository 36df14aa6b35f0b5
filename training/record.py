"""The model record written next to every artifact, and the atomic move of both into place."""
import datetime
import json
import os
import platform
import subprocess
from importlib.metadata import version as package_version

from service.config import LABELS, MODEL_PATH, RECORD_PATH, ROOT
from service.model import file_sha256

from .corpus import data_hash
from .feedback import feedback_summary

LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "lingua-language-detector")


def _git_commit() -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "service", "training"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return result.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build(artifact, files, params, grid, priors, threshold, metrics, train_seconds, feedback=None) -> dict:
    corpus_hash = data_hash(files)
    feedback = feedback or feedback_summary([])
    # Models trained with different accepted corrections must not share a version.
    corrections = f"-fb{feedback['sha256'][:6]}" if feedback["count"] else ""
    return {
        "version": f"{datetime.date.today():%Y%m%d}-{corpus_hash[:8]}{corrections}",
        "sha256": file_sha256(artifact),
        "labels": list(LABELS),
        "data_hash": corpus_hash,
        "feedback": feedback,
        "data_files": [os.path.relpath(path, ROOT) for path in files],
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "libraries": {name: package_version(name) for name in LIBRARIES},
        "hyper_parameters": params,
        "grid": grid,
        "class_priors": priors,
        "abstain_threshold": threshold,
        "train_seconds": round(train_seconds, 1),
        "metrics": metrics,
    }


def commit(artifact, record: dict, directory) -> None:
    """Rename the artifact, then its record, into place: a reader sees old, new or a mismatch it refuses."""
    model_path, record_path = directory / MODEL_PATH.name, directory / RECORD_PATH.name
    temporary_record = record_path.with_suffix(".json.tmp")
    temporary_record.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(artifact, model_path)
    os.replace(temporary_record, record_path)
