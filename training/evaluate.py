"""Real-text evaluation and the evaluation report (JSON, a markdown page and two plots)."""
import json
import os
from pathlib import Path

import numpy as np

from service.config import EVAL_REAL_DIR, LABELS, MODEL_PATH, RECORD_PATH, REPORT_JSON, REPORT_PAGE
from service.context import SentenceContext
from service.model import ModelUnavailable, load_model

from .corpus import load_seed_gold, read_rows
from .metrics import classification_figures
from .targets import bound, check_targets, describe, figure, verdict


def eval_real_dir() -> Path:
    return Path(os.environ.get("FRAMING_EVAL_REAL_DIR", EVAL_REAL_DIR))


def _scores(pipeline, contexts) -> np.ndarray:
    order = [list(pipeline.classes_).index(label) for label in LABELS]
    return pipeline.predict_proba(contexts)[:, order]


def real_text_figures(pipeline, seeds_only: bool = False) -> dict:
    """The seed gold (whole articles, real contexts) and every eval-real set (isolated sentences)."""
    seeds = load_seed_gold()
    figures = {"seed_gold": classification_figures(
        [example.label for example in seeds], _scores(pipeline, [example.context for example in seeds]),
        [example.language for example in seeds], intervals=True)}
    if seeds_only:
        return figures
    figures["eval_real"] = {}
    for path in sorted(eval_real_dir().glob("*.jsonl")):
        rows = [row for _, _, row in read_rows([path])]
        scores = _scores(pipeline, [SentenceContext(row["text"]) for row in rows])
        figures["eval_real"][path.name] = classification_figures([row["label"] for row in rows], scores,
                                                                 intervals=True)
    return figures


def _plots(metrics: dict, directory: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.array(metrics["cv"]["confusion_matrix"])
    figure, axis = plt.subplots(figsize=(6, 5))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(LABELS)), LABELS, rotation=30, ha="right")
    axis.set_yticks(range(len(LABELS)), LABELS)
    axis.set_xlabel("predicted")
    axis.set_ylabel("gold")
    for (row, column), value in np.ndenumerate(matrix):
        axis.text(column, row, str(value), ha="center", va="center",
                  color="white" if value > matrix.max() / 2 else "black")
    axis.set_title("Grouped CV confusion matrix")
    figure.tight_layout()
    figure.savefig(directory / "confusion_matrix.png", dpi=90)
    plt.close(figure)

    bins = metrics["cv"]["reliability"]
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    axis.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", label="model (CV)")
    axis.set_xlabel("confidence of the top label")
    axis.set_ylabel("accuracy")
    axis.set_title(f"Reliability, ECE {metrics['cv']['ece']:.3f}")
    axis.legend()
    figure.tight_layout()
    figure.savefig(directory / "reliability.png", dpi=90)
    plt.close(figure)


def _table(figures: dict) -> list[str]:
    lines = ["| label | precision | recall | F1 | support |", "| --- | --- | --- | --- | --- |"]
    for label, values in figures["per_label"].items():
        lines.append(f"| {label} | {values['precision']:.3f} | {values['recall']:.3f} | {values['f1']:.3f} "
                     f"| {values['support']} |")
    return lines


def _interval(figures: dict, name: str) -> str:
    low, high = figures["ci95"][name]
    return f"(95% bootstrap interval {low:.3f}-{high:.3f})"


def _targets_table(results: list[dict]) -> list[str]:
    lines = ["| figure | value | target | verdict |", "| --- | --- | --- | --- |"]
    for result in results:
        value = "not measured" if result["value"] is None else figure(result["value"])
        outcome = "-" if result["met"] is None else "met" if result["met"] else f"**{verdict(result)}**"
        lines.append(f"| {result['name']} | {value} | {bound(result)} | {outcome} |")
    return lines


def write_report(record: dict, metrics: dict, directory: Path) -> None:
    """evaluation.json for machines, evaluation.md with plots for people."""
    (directory / REPORT_JSON.name).write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    _plots(metrics, directory)
    cv, seed = metrics["cv"], metrics["seed_gold"]
    searched = {name: value for name, value in record["hyper_parameters"].items() if name in record["grid"]}
    page = [f"# Evaluation of model {record['version']}", "",
            f"Hyper-parameters {searched} chosen from grid {record['grid']} by grouped CV; fixed feature "
            f"settings {record['hyper_parameters'].get('features', {})}.", "",
            "## Targets", "", *_targets_table(metrics.get("targets", [])), "",
            "## Grouped cross-validation on the corpus", "",
            f"macro-F1 **{cv['macro_f1']:.3f}**, accuracy {cv['accuracy']:.3f}, ECE {cv['ece']:.3f}, n={cv['n']}", "",
            "Per language macro-F1: " + ", ".join(f"{k} {v:.3f}" for k, v in cv["per_language_macro_f1"].items()),
            "", *_table(cv), "", "![confusion matrix](confusion_matrix.png) ![reliability](reliability.png)", "",
            "## Real text", "",
            f"Seed gold (4 real articles, never trained on): macro-F1 **{seed['macro_f1']:.3f}** "
            f"{_interval(seed, 'macro_f1')}, accuracy {seed['accuracy']:.3f} {_interval(seed, 'accuracy')}, "
            f"n={seed['n']}", "", *_table(seed), "",
            "Seed gold macro-F1 by setting (does context help?): "
            + ", ".join(f"{k}: {v:.3f}" for k, v in metrics["seed_gold_macro_f1_by_setting"].items()), ""]
    for name, figures in metrics.get("eval_real", {}).items():
        page += [f"### {name}", "", f"accuracy **{figures['accuracy']:.3f}** {_interval(figures, 'accuracy')}, "
                 f"macro-F1 **{figures['macro_f1']:.3f}** {_interval(figures, 'macro_f1')}, n={figures['n']}", "",
                 *_table(figures), ""]
    choice = metrics["priors"]
    page += ["## Priors and abstention", "", f"Label mix inside the corpus's whole articles: {choice['article_mix']}; "
             f"in the training rows: {choice['corpus_mix']}. Out-of-fold log-loss on article rows by prior "
             f"temperature (0 = training mix, 1 = article mix): {choice['article_log_loss_by_temperature']}; "
             f"chosen {choice['temperature']}.", "", f"Class priors assumed when serving: {record['class_priors']}", "",
             f"Abstain below top-label confidence {record['abstain_threshold']}", ""]
    (directory / REPORT_PAGE.name).write_text("\n".join(page), encoding="utf-8")


def evaluate_shipped() -> int:
    """`make evaluate`: the shipped model on the seed gold and every eval-real set."""
    try:
        model = load_model(MODEL_PATH, RECORD_PATH)
    except ModelUnavailable as error:
        print(error)
        return 1
    figures = real_text_figures(model.pipeline)
    for name, values in [("seed_gold", figures["seed_gold"]), *figures["eval_real"].items()]:
        recall = ", ".join(f"{label} {v['recall']:.2f}" for label, v in values["per_label"].items())
        print(f"{name}: n={values['n']} accuracy {values['accuracy']:.3f} {_interval(values, 'accuracy')} "
              f"macro-F1 {values['macro_f1']:.3f} {_interval(values, 'macro_f1')} ECE {values['ece']:.3f}; "
              f"recall {recall}")
    # The corpus figures and training time come from the record; the real-text ones were just measured.
    recorded = model.record.get("metrics", {})
    for result in check_targets({**recorded, **figures, "train_seconds": model.record.get("train_seconds")}):
        print(f"target: {describe(result)}")
    return 0
