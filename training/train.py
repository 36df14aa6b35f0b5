"""`make train`: validate, select hyper-parameters by grouped CV, fit, evaluate and write the model."""
import itertools
import os
import time
from collections import Counter
from pathlib import Path

import joblib
import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from service.config import CORPUS_DIR, LABELS, MODEL_PATH, MODELS_DIR
from service.features import CalibratedFramingClassifier, ContextFeatures, apply_platt, fit_platt, shift_priors

from . import record as model_record
from .corpus import corpus_files, load_corpus, with_bare_copies
from .evaluate import real_text_figures, write_report
from .feedback import with_feedback
from .metrics import classification_figures
from .targets import check_targets, describe
from .validate import summary_table, validate

RANDOM_STATE = 0
CV_FOLDS = 4
# Small on purpose: `make train` must finish within a minute on two cores. With the solver run to convergence,
# C from 2 to 32 scored within 0.002 of each other in grouped CV (2026-11-29), and a second C would take
# `make train` past the minute; the context switch stays in, since it answers whether context helps.
GRID = {"C": [8.0], "context": [True, False]}
PRIOR_TEMPERATURES = (0.0, 0.25, 0.5, 0.75, 1.0)
N_JOBS = int(os.environ.get("FRAMING_TRAIN_JOBS", "2"))


def build_pipeline(C: float, context: bool, priors=None) -> Pipeline:
    """The one artifact: raw sentence contexts in, calibrated framing probabilities out."""
    features = ContextFeatures() if context else ContextFeatures(neighbour_weight=0.0, quote_weight=0.0)
    classifier = CalibratedFramingClassifier(C=C, priors=priors, random_state=RANDOM_STATE)
    return Pipeline([("features", features), ("classifier", classifier)])


def _fold_decisions(grid, contexts, labels, train, held_out):
    """Fit the vectorisers once per fold, then one logistic regression per setting."""
    features = ContextFeatures().fit([contexts[i] for i in train])
    train_blocks = features.blocks([contexts[i] for i in train])
    held_blocks = features.blocks([contexts[i] for i in held_out])
    decisions = []
    for params in grid:
        pipeline = build_pipeline(**params)
        weighted = pipeline.named_steps["features"]  # same vectorisers, this setting's block weights
        weighted.words_, weighted.chars_ = features.words_, features.chars_
        logistic = pipeline.named_steps["classifier"].logistic()
        logistic.fit(weighted.combine(*train_blocks), labels[train])
        decisions.append(logistic.decision_function(weighted.combine(*held_blocks)))
    return held_out, decisions


def cross_validate(grid, contexts, labels, groups):
    """Grouped, stratified CV (no article or translation group split across folds): out-of-fold
    decision values per setting, in sorted label order, and the fold of every row."""
    folds = list(StratifiedGroupKFold(CV_FOLDS, shuffle=True, random_state=RANDOM_STATE)
                 .split(contexts, labels, groups))
    results = Parallel(n_jobs=N_JOBS, return_as="generator")(
        delayed(_fold_decisions)(grid, contexts, labels, train, held_out) for train, held_out in folds)
    decisions = [np.zeros((len(labels), len(LABELS))) for _ in grid]
    fold_of = np.zeros(len(labels), dtype=int)
    for fold, (held_out, fold_decisions) in enumerate(results):
        print(f"      fold {fold + 1}/{CV_FOLDS}: {len(held_out)} held-out rows scored", flush=True)
        fold_of[held_out] = fold
        for setting, values in enumerate(fold_decisions):
            decisions[setting][held_out] = values
    return decisions, fold_of


def cross_fitted_proba(decisions, labels, fold_of, calibrate_on) -> np.ndarray:
    """Calibrated out-of-fold probabilities in LABELS order, each fold calibrated on the others' rows
    in the `calibrate_on` mask."""
    classes = np.unique(labels)
    proba = np.zeros_like(decisions)
    for fold in np.unique(fold_of):
        inside = fold_of == fold
        platt = fit_platt(decisions[~inside & calibrate_on], labels[~inside & calibrate_on], classes)
        proba[inside] = apply_platt(platt, decisions[inside])
    return proba[:, [list(classes).index(label) for label in LABELS]]


def article_priors(examples) -> np.ndarray:
    """Class frequencies inside whole articles (the real mix), in LABELS order."""
    counts = Counter(example.label for example in examples if example.source == "article")
    return np.array([counts[label] for label in LABELS]) / sum(counts.values())


def choose_priors(proba, labels, examples, calibrate_on):
    """Priors between the corpus balance (temperature 0, the mix of the rows the calibration was fitted
    on) and the article mix (1), the temperature chosen by the out-of-fold log-loss on article rows, the
    proper score for "how likely is each label in a real article". Returns the temperature, the priors and
    the record of the choice."""
    corpus = np.array([(labels[calibrate_on] == label).mean() for label in LABELS])
    articles = article_priors(examples)
    in_article = np.array([example.source == "article" for example in examples])
    truth = np.array([LABELS.index(label) for label in labels[in_article]])
    best, losses = None, {}
    for temperature in PRIOR_TEMPERATURES:
        target = corpus ** (1 - temperature) * articles ** temperature
        target /= target.sum()
        shifted = shift_priors(proba, corpus, target)
        loss = float(-np.log(shifted[in_article][np.arange(len(truth)), truth] + 1e-12).mean())
        losses[str(temperature)] = round(loss, 4)
        print(f"      prior temperature {temperature}: article-row log-loss {loss:.4f}", flush=True)
        if best is None or loss < best[0]:
            best = (loss, temperature, target, shifted)
    _, temperature, target, shifted = best
    choice = {"temperature": temperature, "article_log_loss_by_temperature": losses,
              "article_mix": dict(zip(LABELS, articles.round(4).tolist())),
              "corpus_mix": dict(zip(LABELS, corpus.round(4).tolist()))}
    return dict(zip(LABELS, target.round(4).tolist())), choice, shifted


def abstain_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The highest confidence below which out-of-fold predictions are wrong more often than right."""
    confidence, correct = scores.max(axis=1), scores.argmax(axis=1) == truth
    threshold = 0.0
    for candidate in np.arange(0.30, 0.80, 0.01):
        below = confidence < candidate
        if below.sum() >= 10 and correct[below].mean() <= 0.5:
            threshold = float(candidate)
    return round(threshold, 2)


def progress(started: float, message: str) -> None:
    """A stage line with the seconds since training started."""
    print(f"{time.perf_counter() - started:6.1f}s {message}", flush=True)


def train(search: bool = True, feedback: bool = True, output: Path = MODELS_DIR,
          corpus_dir: Path = CORPUS_DIR) -> int:
    """Validate, select, fit, evaluate and write the model into `output`; 0 on success, 1 on bad data."""
    started = time.perf_counter()
    progress(started, "[1/5] validating the corpus")
    problems, rows = validate(corpus_files(corpus_dir))
    if problems:
        print("\n".join(problems))
        print(f"training stopped: {len(problems)} problem(s) in the corpus")
        return 1
    print(summary_table(rows), flush=True)
    examples, corrections = with_feedback(load_corpus(corpus_dir), include=feedback)
    print(f"      + {corrections['count']} accepted correction(s) from the feedback database", flush=True)
    examples = with_bare_copies(examples)
    contexts = [example.context for example in examples]
    labels = np.array([example.label for example in examples])
    groups = np.array([example.group for example in examples])  # a copy stays in its article's fold
    languages = np.array([example.language for example in examples])
    # Figures are taken on the rows as written (article sentences with their context), not on the copies;
    # the calibration is fitted on the same rows, since the copies would count every article's label twice
    # and lean the calibrated probabilities towards neutral.
    scored = np.array([example.source != "article-bare" for example in examples])
    truth = np.array([LABELS.index(label) for label in labels])

    grid = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    if not search:
        grid = grid[:1]
    progress(started, f"[2/5] grouped {CV_FOLDS}-fold CV over {len(grid)} setting(s)")
    decisions, fold_of = cross_validate(grid, contexts, labels, groups)
    searched = []
    for params, setting_decisions in zip(grid, decisions):
        proba = cross_fitted_proba(setting_decisions, labels, fold_of, scored)
        f1 = classification_figures(labels[scored], proba[scored])["macro_f1"]
        searched.append({"params": params, "cv_macro_f1": round(f1, 4)})
        print(f"      {params}: macro-F1 {f1:.3f}", flush=True)
    best_index = max(range(len(grid)), key=lambda i: searched[i]["cv_macro_f1"])
    best = grid[best_index]
    proba = cross_fitted_proba(decisions[best_index], labels, fold_of, scored)
    cv_figures = classification_figures(labels[scored], proba[scored], languages[scored])
    priors, prior_choice, shifted = choose_priors(proba, labels, examples, scored)
    temperature = prior_choice["temperature"]
    threshold = abstain_threshold(shifted[scored], truth[scored])

    # The same C with context switched the other way answers "does context help on real articles?".
    compared = [i for i, params in enumerate(grid) if params["C"] == best["C"] and i != best_index]
    progress(started, f"[3/5] fitting the final model with {best}, prior temperature {temperature}"
                      f"{' (and its context counterpart, in parallel)' if compared else ''}")
    fitted = Parallel(n_jobs=N_JOBS)(
        delayed(build_pipeline(**grid[i], priors=priors).fit)(
            contexts, labels, classifier__out_of_fold_scores=decisions[i], classifier__calibrate_on=scored)
        for i in [best_index, *compared])
    pipeline = fitted[0]

    progress(started, "[4/5] scoring real text (seed gold, ../shared/eval-real)")
    real = real_text_figures(pipeline)
    seed_by_setting = {str(best): real["seed_gold"]["macro_f1"]}
    for index, model in zip(compared, fitted[1:]):
        seed_by_setting[str(grid[index])] = real_text_figures(model, seeds_only=True)["seed_gold"]["macro_f1"]

    progress(started, "[5/5] writing the artifact, record and report")
    output.mkdir(parents=True, exist_ok=True)
    temporary = (output / MODEL_PATH.name).with_suffix(".joblib.tmp")
    joblib.dump(pipeline, temporary)
    metrics = {"cv": cv_figures, **real, "seed_gold_macro_f1_by_setting": seed_by_setting, "search": searched,
               "priors": prior_choice}
    seconds = time.perf_counter() - started
    metrics["targets"] = check_targets({**metrics, "train_seconds": seconds})
    # The searched settings, and the feature block weights and n-gram settings that were fixed, not searched.
    params = {**best, "features": pipeline.named_steps["features"].get_params()}
    record = model_record.build(temporary, corpus_files(corpus_dir), params, GRID, priors, threshold, metrics,
                                train_seconds=seconds, feedback=corrections)
    write_report(record, metrics, output)
    model_record.commit(temporary, record, output)
    print(f"done in {time.perf_counter() - started:.1f}s: model {record['version']}, CV macro-F1 "
          f"{cv_figures['macro_f1']:.3f}, seed gold macro-F1 {real['seed_gold']['macro_f1']:.3f}")
    for result in metrics["targets"]:
        print(f"      target: {describe(result)}")
    return 0
