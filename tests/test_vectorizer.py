"""The fast n-gram vectoriser gives scikit-learn's TF-IDF matrix, before and after a pickle round trip."""
import pickle

import numpy as np
import pytest

from service.text import normalise, transliterate
from service.vectorizer import NgramTfidf
from training.corpus import load_corpus


@pytest.fixture(scope="module")
def sentences():
    texts = [normalise(example.context.text) for example in load_corpus()]
    # Edge cases: empty, whitespace only, one-letter words shorter than the n-gram, a long unbroken word.
    return texts + ["", "   ", "a b c", "x" * 300, "ок, қазақстан — 0"]


@pytest.mark.parametrize("settings", [
    {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "max_features": 20_000},
    {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "max_features": 20_000,
     "preprocessor": transliterate},
    {"analyzer": "char_wb", "ngram_range": (3, 3), "min_df": 1},
])
def test_transform_reproduces_scikit_learn(sentences, settings):
    fitted_on, held_out = sentences[::2], sentences[1::2]
    vectorizer = NgramTfidf(**settings).fit(fitted_on)
    reference = vectorizer.reference().fit(fitted_on)
    assert vectorizer.vocabulary_ == reference.vocabulary_
    expected = reference.transform(held_out).toarray()
    for _ in range(2):  # cold and then warm n-gram cache
        assert np.abs(vectorizer.transform(held_out).toarray() - expected).max() < 1e-6
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert restored.vocabulary_ == reference.vocabulary_
    assert np.abs(restored.transform(held_out).toarray() - expected).max() < 1e-6
    assert list(restored.get_feature_names_out()) == list(reference.get_feature_names_out())
