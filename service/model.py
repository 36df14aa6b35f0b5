"""Loading and verifying the model artifact, and the one interface the service uses to query it."""
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np

from .config import LABELS
from .text import normalise


class ModelUnavailable(Exception):
    """The artifact is missing, unreadable, tampered with or does not match its record."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Prediction:
    """Scores in LABELS order for each sentence, plus evidence when asked for."""

    scores: np.ndarray
    evidence: list | None = None


class FramingModel:
    """The fitted pipeline and its record; the service calls `predict` and nothing else inside it."""

    def __init__(self, pipeline, record: dict):
        self.pipeline = pipeline
        self.record = record
        self.features = pipeline.named_steps["features"]
        self.classifier = pipeline.named_steps["classifier"]
        self._order = [list(self.classifier.classes_).index(label) for label in LABELS]
        self._names = None
        coef, self._intercept = self.classifier.linear()
        self._block_coefficients = self.features.block_coefficients(coef)

    @property
    def version(self) -> str:
        return self.record["version"]

    @property
    def sha256(self) -> str:
        return self.record["sha256"]

    @property
    def abstain_threshold(self) -> float:
        return float(self.record["abstain_threshold"])

    def predict(self, contexts, explain: bool = False, max_terms: int = 8) -> Prediction:
        """Scores for each SentenceContext; evidence lists the terms behind each top label."""
        if not contexts:
            return Prediction(np.zeros((0, len(LABELS))), [] if explain else None)
        if not explain:  # the pipeline's own scores, without building its feature matrix
            linear = self.features.linear_scores(contexts, self._block_coefficients, self._intercept)
            return Prediction(self.classifier.proba_from_scores(linear)[:, self._order])
        matrix = self.features.transform(contexts)  # evidence needs each sentence's feature row
        scores = self.classifier.predict_proba(matrix)[:, self._order]
        top = np.argmax(scores, axis=1)
        evidence = [self._evidence(matrix[row], self._order[top[row]], contexts[row].text, max_terms)
                    for row in range(matrix.shape[0])]
        return Prediction(scores, evidence)

    def _evidence(self, row, class_index: int, text: str, max_terms: int) -> list[dict]:
        if self._names is None:
            self._names = self.features.feature_names()
        coef = self.classifier.logistic_.coef_
        columns = row.indices
        # A term's pull towards the label, relative to its average pull over all labels.
        weights = row.data * (coef[class_index, columns] - coef[:, columns].mean(axis=0))
        surface = {normalise(word): word for word in re.findall(r"\w+", text)}
        terms = []
        for position in np.argsort(-weights):
            if weights[position] <= 0 or len(terms) >= max_terms:
                break
            name = self._names[columns[position]]
            block, _, term = name.rpartition("w:")
            if not name.startswith(("w:", "near w:")) or not term.strip("0 "):
                continue  # character n-grams and masked numbers are not readable evidence
            readable = " ".join(surface.get(part, part) for part in term.split())
            terms.append({"term": f"{block}{readable}".strip(), "weight": round(float(weights[position]), 4)})
        return terms


def load_model(model_path: Path, record_path: Path) -> FramingModel:
    """Verify the artifact's sha256 against its record before unpickling it."""
    model_path, record_path = Path(model_path), Path(record_path)
    if not model_path.exists() or not record_path.exists():
        raise ModelUnavailable(f"no model at {model_path}: run `make train`")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"model record {record_path} is unreadable: {error}") from error
    actual = file_sha256(model_path)
    if actual != record.get("sha256"):
        raise ModelUnavailable(f"model {model_path} does not match its record (sha256 {actual[:12]}...)")
    if tuple(record.get("labels", ())) != LABELS:
        raise ModelUnavailable(f"model record labels {record.get('labels')} are not {list(LABELS)}")
    try:
        pipeline = joblib.load(model_path)
    except Exception as error:  # an unpickling failure of any kind means the artifact is unusable
        raise ModelUnavailable(f"model {model_path} could not be loaded: {error}") from error
    return FramingModel(pipeline, record)
