"""Classification and calibration metrics over score matrices in LABELS order."""
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from service.config import LABELS

CALIBRATION_BINS = 10
BOOTSTRAP_ROUNDS = 2000


def expected_calibration_error(scores: np.ndarray, truth: np.ndarray, bins: int = CALIBRATION_BINS):
    """Top-label ECE and the reliability table (bin confidence, accuracy, count)."""
    confidence = scores.max(axis=1)
    correct = scores.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    table, ece = [], 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            gap = abs(confidence[inside].mean() - correct[inside].mean())
            ece += inside.mean() * gap
            table.append({"low": round(low, 2), "high": round(high, 2), "confidence": float(confidence[inside].mean()),
                          "accuracy": float(correct[inside].mean()), "count": int(inside.sum())})
    return float(ece), table


def bootstrap_intervals(truth: np.ndarray, predicted: np.ndarray, rounds: int = BOOTSTRAP_ROUNDS) -> dict:
    """95% percentile intervals of accuracy and macro-F1 over sentences resampled with replacement (fixed
    seed). The real-text sets are small, and a label with three rows moves macro-F1 by a tenth."""
    rows = np.random.default_rng(0).integers(0, len(truth), size=(rounds, len(truth)))
    true, guess = truth[rows], predicted[rows]
    correct = true == guess
    hits = np.stack([(correct & (true == label)).sum(axis=1) for label in range(len(LABELS))], axis=1)
    both = np.stack([(true == label).sum(axis=1) + (guess == label).sum(axis=1) for label in range(len(LABELS))],
                    axis=1)
    # F1 = 2TP / (true + predicted); 0 for a label absent from both, as f1_score(zero_division=0) counts it.
    macro_f1 = (2 * hits / np.maximum(both, 1)).mean(axis=1)
    return {name: [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]
            for name, values in (("accuracy", correct.mean(axis=1)), ("macro_f1", macro_f1))}


def classification_figures(labels_true, scores: np.ndarray, languages=None, intervals: bool = False) -> dict:
    """Accuracy, macro-F1, per-label P/R/F1, confusion matrix, ECE and per-language macro-F1; with
    `intervals`, bootstrap intervals of accuracy and macro-F1."""
    truth = np.array([LABELS.index(label) for label in labels_true])
    predicted = scores.argmax(axis=1)
    everything = list(range(len(LABELS)))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=everything, zero_division=0)
    ece, reliability = expected_calibration_error(scores, truth)
    figures = {
        "n": int(len(truth)),
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, labels=everything, average="macro", zero_division=0)),
        "per_label": {label: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                              "support": int(support[i])} for i, label in enumerate(LABELS)},
        "confusion_matrix": confusion_matrix(truth, predicted, labels=everything).tolist(),
        "ece": ece,
        "reliability": reliability,
    }
    if intervals:
        figures["ci95"] = bootstrap_intervals(truth, predicted)
    if languages is not None:
        languages = np.asarray(languages)
        figures["per_language_macro_f1"] = {
            language: float(f1_score(truth[languages == language], predicted[languages == language],
                                     labels=[i for i in everything if (truth[languages == language] == i).any()],
                                     average="macro", zero_division=0))
            for language in sorted(set(languages))
        }
    return figures
