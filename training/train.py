"""`make train`: validate, select hyper-parameters by grouped CV, fit, evaluate and write the model."""
import itertools
import os
import time
from collections import Counter

import joblib
import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from service.config import LABELS, MODEL_PATH, MODELS_DIR
from service.features import CalibratedFramingClassifier, ContextFeatures

from . import record as model_record
from .corpus import corpus_files, load_corpus
from .evaluate import real_text_figures, write_report
from .metrics import classification_figures
from .validate import summary_table, validate

RANDOM_STATE = 0
CV_FOLDS = 5
# Small on purpose: `make train` must finish within a minute on two cores.
GRID = {"C": [2.0, 8.0], "context": [True, False]}
N_JOBS = int(os.environ.get("FRAMING_TRAIN_JOBS", "2"))


def build_pipeline(C: float, context: bool, priors=None) -> Pipeline:
    """The one artifact: raw sentence contexts in, calibrated framing probabilities out."""
    features = ContextFeatures() if context else ContextFeatures(neighbour_weight=0.0, quote_weight=0.0)
    classifier = CalibratedFramingClassifier(C=C, priors=priors, random_state=RANDOM_STATE)
    return Pipeline([("features", features), ("classifier", classifier)])


def _fold_scores(params, contexts, labels, groups, train, held_out):
    pipeline = build_pipeline(**params)
    pipeline.fit([contexts[i] for i in train], labels[train], classifier__groups=groups[train])
    matrix = pipeline.named_steps["features"].transform([contexts[i] for i in held_out])
    classifier = pipeline.named_steps["classifier"]
    order = [list(classifier.classes_).index(label) for label in LABELS]
    return held_out, classifier.calibrated_proba(matrix)[:, order]


def out_of_fold_scores(params, contexts, labels, groups) -> np.ndarray:
    """Grouped, stratified CV: no article or translation group is split across folds."""
    folds = StratifiedGroupKFold(CV_FOLDS, shuffle=True, random_state=RANDOM_STATE).split(contexts, labels, groups)
    results = Parallel(n_jobs=N_JOBS)(
        delayed(_fold_scores)(params, contexts, labels, groups, train, held_out) for train, held_out in folds)
    scores = np.zeros((len(labels), len(LABELS)))
    for held_out, fold_scores in results:
        scores[held_out] = fold_scores
    return scores


def real_priors(examples) -> dict:
    """Class priors from the label mix inside whole articles, not from the corpus's balance."""
    counts = Counter(example.label for example in examples if example.source == "article")
    total = sum(counts.values())
    return {label: counts[label] / total for label in LABELS}


def shift_priors(scores: np.ndarray, train_priors: np.ndarray, priors: dict) -> np.ndarray:
    shifted = scores * (np.array([priors[label] for label in LABELS]) / train_priors)
    return shifted / shifted.sum(axis=1, keepdims=True)


def abstain_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The highest confidence below which out-of-fold predictions are wrong more often than right."""
    confidence, correct = scores.max(axis=1), scores.argmax(axis=1) == truth
    threshold = 0.0
    for candidate in np.arange(0.30, 0.80, 0.01):
        below = confidence < candidate
        if below.sum() >= 10 and correct[below].mean() <= 0.5:
            threshold = float(candidate)
    return round(threshold, 2)


def train(search: bool = True) -> int:
    started = time.perf_counter()
    print("[1/5] validating the corpus", flush=True)
    problems, rows = validate()
    if problems:
        print("\n".join(problems))
        print(f"training stopped: {len(problems)} problem(s) in the corpus")
        return 1
    print(summary_table(rows), flush=True)
    examples = load_corpus()
    contexts = [example.context for example in examples]
    labels = np.array([example.label for example in examples])
    groups = np.array([example.group for example in examples])
    languages = [example.language for example in examples]
    truth = np.array([LABELS.index(label) for label in labels])

    grid = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    if not search:
        grid = grid[:1]
    print(f"[2/5] grouped {CV_FOLDS}-fold CV over {len(grid)} setting(s)", flush=True)
    searched = []
    for params in grid:
        scores = out_of_fold_scores(params, contexts, labels, groups)
        figures = classification_figures(labels, scores, languages)
        searched.append((figures["macro_f1"], params, scores, figures))
        print(f"      {params}: macro-F1 {figures['macro_f1']:.3f}", flush=True)
    _, best, best_scores, cv_figures = max(searched, key=lambda item: item[0])

    print(f"[3/5] fitting the final model with {best}", flush=True)
    priors = real_priors(examples)
    pipeline = build_pipeline(**best, priors=priors)
    pipeline.fit(contexts, labels, classifier__groups=groups)
    train_priors = np.array([(labels == label).mean() for label in LABELS])
    threshold = abstain_threshold(shift_priors(best_scores, train_priors, priors), truth)

    print("[4/5] scoring real text (seed gold, ../shared/eval-real)", flush=True)
    real = real_text_figures(pipeline)
    seed_by_setting = {}
    for _, params, _, _ in searched:  # does context help on real articles? one figure per setting
        model = build_pipeline(**params, priors=priors).fit(contexts, labels, classifier__groups=groups)
        seed_by_setting[str(params)] = real_text_figures(model, seeds_only=True)["seed_gold"]["macro_f1"]

    print("[5/5] writing the artifact, record and report", flush=True)
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    temporary = MODEL_PATH.with_suffix(".joblib.tmp")
    joblib.dump(pipeline, temporary)
    metrics = {"cv": cv_figures, **real, "seed_gold_macro_f1_by_setting": seed_by_setting,
               "grid": [{"params": params, "cv_macro_f1": f1} for f1, params, _, _ in searched]}
    record = model_record.build(temporary, corpus_files(), best, GRID, priors, threshold, metrics,
                                train_seconds=time.perf_counter() - started)
    write_report(record, metrics, best_scores, truth)
    model_record.commit(temporary, record)
    print(f"done in {time.perf_counter() - started:.1f}s: model {record['version']}, CV macro-F1 "
          f"{cv_figures['macro_f1']:.3f}, seed gold macro-F1 {real['seed_gold']['macro_f1']:.3f}")
    return 0
