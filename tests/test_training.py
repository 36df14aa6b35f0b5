"""Training is deterministic, and bad data stops it before anything is written."""
import json

import numpy as np

from training.corpus import load_corpus, with_bare_copies
from training.train import build_pipeline, train


def test_same_data_gives_the_same_predictions():
    examples = with_bare_copies(load_corpus())[::12]
    contexts = [example.context for example in examples]
    labels = np.array([example.label for example in examples])
    groups = np.array([example.group for example in examples])
    first = build_pipeline(C=2.0, context=True).fit(contexts, labels, classifier__groups=groups)
    second = build_pipeline(C=2.0, context=True).fit(contexts, labels, classifier__groups=groups)
    assert np.array_equal(first.predict_proba(contexts), second.predict_proba(contexts))


def test_bad_data_stops_training_with_the_validator_message(tmp_path, capsys):
    corpus, output = tmp_path / "corpus", tmp_path / "models"
    corpus.mkdir()
    row = {"id": "x-1", "text": "Мемлекет басшысы Қытай елшісін қабылдады.", "language": "kk",
           "label": "pro_beijing", "topic": "procedure", "group": "x-1"}
    (corpus / "bad.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert train(search=False, feedback=False, output=output, corpus_dir=corpus) == 1
    printed = capsys.readouterr().out
    assert f"{corpus / 'bad.jsonl'}:1: unknown label 'pro_beijing'" in printed
    assert "training stopped" in printed
    assert not output.exists()


def test_the_service_scores_equal_the_pipelines_own(model, seed_articles):
    """FramingModel.predict scores sentences without building the feature matrix; the numbers must be the
    pipeline's predict_proba on corpus rows, seed articles in context, and the context-free pipeline."""
    from service.config import LABELS
    from service.context import article_contexts
    from service.model import FramingModel
    from service.text import split_sentences

    order = [list(model.pipeline.classes_).index(label) for label in LABELS]
    corpus = [example.context for example in load_corpus()[::5]]
    article = next(iter(seed_articles.values()))
    in_context = article_contexts([article[span.start:span.end] for span in split_sentences(article)])
    for contexts in (corpus, in_context, corpus[:1], []):
        expected = model.pipeline.predict_proba(contexts)[:, order] if contexts else np.zeros((0, len(LABELS)))
        assert np.abs(model.predict(contexts).scores - expected).max(initial=0) < 1e-5
    examples = with_bare_copies(load_corpus())[::20]
    plain = build_pipeline(C=2.0, context=False).fit([example.context for example in examples],
                                                     np.array([example.label for example in examples]))
    served = FramingModel(plain, model.record)
    expected = plain.predict_proba(corpus[:200])[:, [list(plain.classes_).index(label) for label in LABELS]]
    assert np.abs(served.predict(corpus[:200]).scores - expected).max() < 1e-5


def test_bootstrap_intervals_match_scikit_learn_on_the_same_resamples():
    from sklearn.metrics import f1_score

    from training.metrics import bootstrap_intervals

    generator = np.random.default_rng(7)
    truth = generator.choice(4, size=60, p=[0.1, 0.05, 0.25, 0.6])
    predicted = np.where(generator.random(60) < 0.7, truth, generator.integers(0, 4, size=60))
    rows = np.random.default_rng(0).integers(0, 60, size=(200, 60))
    expected = [f1_score(truth[row], predicted[row], labels=[0, 1, 2, 3], average="macro", zero_division=0)
                for row in rows]
    intervals = bootstrap_intervals(truth, predicted, rounds=200)
    assert np.allclose(intervals["macro_f1"], np.percentile(expected, [2.5, 97.5]))
    accuracy = (truth[rows] == predicted[rows]).mean(axis=1)
    assert np.allclose(intervals["accuracy"], np.percentile(accuracy, [2.5, 97.5]))
    assert intervals["accuracy"][0] < (truth == predicted).mean() < intervals["accuracy"][1]


def test_a_line_inside_a_quotation_reads_its_speaker_only_when_context_is_on():
    from service.context import SentenceContext
    from service.features import ContextFeatures

    texts = [example.context.text for example in load_corpus()[::10]]
    line = "Бұл біздің ортақ жетістігіміз"
    closing = "Бұл жұмыс алдағы жылдары да екі елдің ортақ игілігі үшін жалғаса береді», — деді "
    by_tokayev = SentenceContext(line, quote_end=closing + "Тоқаев.")
    by_wang = SentenceContext(line, quote_end=closing + "Ван И.")
    for features, differ in ((ContextFeatures(neighbour_weight=0.0), True),
                             (ContextFeatures(neighbour_weight=0.0, quote_weight=0.0), False)):
        features.fit([SentenceContext(text) for text in texts])
        speaker = features.blocks([by_tokayev, by_wang])[3]
        assert (speaker[0] != speaker[1]).nnz > 0 if differ else speaker.nnz == 0


def test_targets_say_which_figures_meet_their_bound_and_by_how_much_the_others_miss():
    from training.targets import Target, check_targets, describe

    targets = (Target("macro-F1", ("cv", "macro_f1"), 0.85), Target("ECE", ("cv", "ece"), 0.05, at_most=True),
               Target("TV accuracy", ("eval_real", "tv.jsonl", "accuracy"), 0.85))
    results = check_targets({"cv": {"macro_f1": 0.863, "ece": 0.08}}, targets)
    assert [(result["met"], result["gap"]) for result in results] == [(True, 0.0), (False, 0.03), (None, None)]
    assert describe(results[1]) == "ECE 0.080 (<= 0.05): missed by 0.030"
    assert describe(results[2]) == "TV accuracy (>= 0.85): not measured"
    missed = check_targets({"cv": {"macro_f1": 0.814}}, targets[:1])[0]
    assert (missed["met"], missed["gap"]) == (False, 0.036)


def test_the_record_checks_the_shipped_model_against_its_targets(model):
    from training.targets import TARGETS

    metrics = model.record["metrics"]
    results = {result["name"]: result for result in metrics["targets"]}
    assert list(results) == [target.name for target in TARGETS]
    seed_gold = results["seed gold macro-F1 (model trained without the seeds)"]
    assert seed_gold["value"] == metrics["seed_gold"]["macro_f1"]
    assert results["grouped-CV macro-F1, kk"]["value"] == metrics["cv"]["per_language_macro_f1"]["kk"]
    # The record keeps the training time to a tenth of a second.
    assert abs(results["training seconds, in process"]["value"] - model.record["train_seconds"]) <= 0.05
