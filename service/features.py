"""The pipeline's own classes: context-aware TF-IDF features and a calibrated, prior-shifted classifier."""
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from .text import normalise, transliterate

WORD_PATTERN = r"(?u)\b\w\w+\b"


def _translit_normalised(text: str) -> str:
    return transliterate(normalise(text))


class ContextFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF of a sentence (words on normalised text, char_wb n-grams on its romanised form),
    next to the same features of its neighbours and of the line that closes its quotation."""

    def __init__(self, word_ngrams=(1, 2), char_ngrams=(2, 5), neighbour_weight=0.4, quote_weight=0.6,
                 min_df=2, max_features=150_000):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.neighbour_weight = neighbour_weight
        self.quote_weight = quote_weight
        self.min_df = min_df
        self.max_features = max_features

    def _vectorizers(self):
        words = TfidfVectorizer(preprocessor=normalise, token_pattern=WORD_PATTERN, ngram_range=self.word_ngrams,
                                min_df=self.min_df, sublinear_tf=True, max_features=self.max_features,
                                dtype=np.float32)
        chars = TfidfVectorizer(preprocessor=_translit_normalised, analyzer="char_wb", ngram_range=self.char_ngrams,
                                min_df=self.min_df, sublinear_tf=True, max_features=self.max_features,
                                dtype=np.float32)
        return words, chars

    def fit(self, X, y=None):
        sentences = [context[0] for context in X]
        self.words_, self.chars_ = self._vectorizers()
        self.words_.fit(sentences)
        self.chars_.fit(sentences)
        return self

    def _encode(self, texts):
        """Vectorise each distinct text once; row i of the result encodes texts[i]."""
        unique = {}
        index = [unique.setdefault(text, len(unique)) for text in texts]
        distinct = list(unique)
        matrix = sp.hstack([self.words_.transform(distinct), self.chars_.transform(distinct)], format="csr")
        return matrix[index]

    def transform(self, X):
        columns = list(zip(*X)) if len(X) else [(), (), (), ()]
        own, previous, following, quote_end = (list(column) for column in columns)
        blocks = [self._encode(own)]
        if self.neighbour_weight:
            blocks.append(self.neighbour_weight * (self._encode(previous) + self._encode(following)))
        if self.quote_weight:
            blocks.append(self.quote_weight * self._encode(quote_end))
        return sp.hstack(blocks, format="csr")

    def feature_names(self):
        """Readable names of the output columns: 'w:' word, 'c:' character, with a block prefix."""
        base = [f"w:{name}" for name in self.words_.get_feature_names_out()]
        base += [f"c:{name}" for name in self.chars_.get_feature_names_out()]
        names = list(base)
        if self.neighbour_weight:
            names += [f"near {name}" for name in base]
        if self.quote_weight:
            names += [f"quote {name}" for name in base]
        return np.array(names, dtype=object)


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


class CalibratedFramingClassifier(ClassifierMixin, BaseEstimator):
    """Class-weighted logistic regression with sigmoid (Platt) calibration fitted on grouped
    out-of-fold scores, and probabilities moved from the corpus's class balance to `priors`."""

    def __init__(self, C=4.0, calibration_folds=4, priors=None, random_state=0):
        self.C = C
        self.calibration_folds = calibration_folds
        self.priors = priors
        self.random_state = random_state

    def _logistic(self):
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state)

    def fit(self, X, y, groups=None):
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        folds = StratifiedGroupKFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
        scores = np.zeros((len(y), len(self.classes_)))
        for train, held_out in folds.split(X, y, groups):
            scores[held_out] = clone(self._logistic()).fit(X[train], y[train]).decision_function(X[held_out])
        self.platt_ = np.zeros((len(self.classes_), 2))
        for column, label in enumerate(self.classes_):
            platt = LogisticRegression(C=1e4).fit(scores[:, [column]], (y == label).astype(int))
            self.platt_[column] = platt.coef_[0, 0], platt.intercept_[0]
        self.logistic_ = self._logistic().fit(X, y)
        self.train_priors_ = np.array([(y == label).mean() for label in self.classes_])
        return self

    def calibrated_proba(self, X):
        """Calibrated probabilities under the corpus's own class balance."""
        raw = _sigmoid(self.logistic_.decision_function(X) * self.platt_[:, 0] + self.platt_[:, 1])
        return raw / raw.sum(axis=1, keepdims=True)

    def predict_proba(self, X):
        proba = self.calibrated_proba(X)
        if self.priors:
            target = np.array([self.priors[label] for label in self.classes_])
            proba = proba * (target / self.train_priors_)
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
