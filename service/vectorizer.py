"""A TF-IDF n-gram vectoriser fitted by scikit-learn's, transforming with cached n-grams and a compact pickle."""
import re
from array import array

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

# Bounds the per-process cache of a word's character n-gram columns (about 0.3 KB a word).
CACHED_WORDS = 20_000
# Terms never contain a newline: word tokens are \w runs, and char_wb n-grams come from str.split() words.
TERM_SEPARATOR = "\n"


class NgramTfidf(TransformerMixin, BaseEstimator):
    """Sublinear, l2-normalised TF-IDF of word or char_wb n-grams. `fit` is scikit-learn's TfidfVectorizer
    (same vocabulary and idf); `transform` gives the same matrix several times faster, because a word's
    character n-grams are looked up once and reused, and the pickled form is one string of terms rather
    than a dict of 80,000 objects, so it loads fast and without fragmenting a worker's memory."""

    def __init__(self, analyzer="word", ngram_range=(1, 1), preprocessor=None, token_pattern=r"(?u)\b\w\w+\b",
                 min_df=1, max_features=None):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.preprocessor = preprocessor
        self.token_pattern = token_pattern
        self.min_df = min_df
        self.max_features = max_features

    def reference(self) -> TfidfVectorizer:
        """The scikit-learn vectoriser whose fit this class reuses and whose transform it reproduces."""
        return TfidfVectorizer(analyzer=self.analyzer, ngram_range=self.ngram_range, preprocessor=self.preprocessor,
                               token_pattern=self.token_pattern, min_df=self.min_df,
                               max_features=self.max_features, sublinear_tf=True, dtype=np.float32)

    def fit(self, texts, y=None):
        fitted = self.reference().fit(texts)
        self.vocabulary_ = fitted.vocabulary_
        self.idf_ = fitted.idf_.astype(np.float32)
        self._reset()
        return self

    def _reset(self):
        self._token = re.compile(self.token_pattern)
        self._word_columns = {}

    def get_feature_names_out(self, input_features=None):
        names = np.empty(len(self.vocabulary_), dtype=object)
        for term, column in self.vocabulary_.items():
            names[column] = term
        return names

    def _char_columns(self, word: str) -> array:
        """Columns of the char_wb n-grams of one word, exactly as scikit-learn pads and cuts them."""
        columns = self._word_columns.get(word)
        if columns is None:
            padded, (low, high) = f" {word} ", self.ngram_range
            grams = []
            for n in range(low, high + 1):
                grams.extend(padded[start:start + n] for start in range(max(1, len(padded) - n + 1)))
                if n >= len(padded):  # a word shorter than n is counted once, whole
                    break
            lookup = self.vocabulary_.get
            columns = array("i", [column for column in map(lookup, grams) if column is not None])
            if len(self._word_columns) >= CACHED_WORDS:
                self._word_columns.clear()
            self._word_columns[word] = columns
        return columns

    def _extend_columns(self, columns: array, text: str) -> None:
        """Append the columns of every n-gram of `text` that is in the vocabulary, repeats included."""
        if self.preprocessor is not None:
            text = self.preprocessor(text)
        if self.analyzer == "char_wb":
            for word in text.split():
                columns.extend(self._char_columns(word))
            return
        tokens = self._token.findall(text)
        low, high = self.ngram_range
        grams = tokens if low == 1 else []
        for n in range(max(low, 2), high + 1):
            grams = grams + [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        lookup = self.vocabulary_.get
        columns.extend([column for column in map(lookup, grams) if column is not None])

    def transform(self, texts):
        indptr, indices = array("i", [0]), array("i")
        for text in texts:
            self._extend_columns(indices, text)
            indptr.append(len(indices))
        counts = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), np.frombuffer(indices, dtype=np.int32),
                                np.frombuffer(indptr, dtype=np.int32)), shape=(len(indptr) - 1, len(self.idf_)))
        counts.sum_duplicates()  # sorts each row's columns and adds up repeated n-grams
        data = counts.data
        np.log(data, out=data)
        data += 1.0
        data *= self.idf_[counts.indices]
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0])).astype(np.float32)
        data /= norms[rows]
        return counts

    def __getstate__(self):
        state = dict(super().__getstate__())  # object.__getstate__ hands back the live __dict__
        state.pop("_token", None)
        state.pop("_word_columns", None)
        if state.pop("vocabulary_", None) is not None:
            state["terms_"] = TERM_SEPARATOR.join(self.get_feature_names_out())
        return state

    def __setstate__(self, state):
        terms = state.pop("terms_", None)
        super().__setstate__(state)
        if terms is not None:
            self.vocabulary_ = {term: column for column, term in enumerate(terms.split(TERM_SEPARATOR))}
        self._reset()
