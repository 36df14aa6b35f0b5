"""The pipeline's own classes: context-aware TF-IDF features and a calibrated, prior-shifted classifier."""
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from .text import attribution, normalise, transliterate
from .vectorizer import NgramTfidf

WORD_PATTERN = r"(?u)\b\w\w+\b"


class ContextFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF of a sentence (words on normalised text, char_wb n-grams on its romanised form), plus its words
    outside quotation marks and the line that closes its quotation, next to the same features of its
    neighbours."""

    def __init__(self, word_ngrams=(1, 2), char_ngrams=(2, 5), neighbour_weight=0.6, quote_weight=1.0,
                 speaker_weight=1.0, min_df=2, max_features=80_000):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.neighbour_weight = neighbour_weight
        self.quote_weight = quote_weight
        self.speaker_weight = speaker_weight
        self.min_df = min_df
        self.max_features = max_features

    def __setstate__(self, state):
        # Artifacts pickled before the speaker block existed were trained without it; they load unchanged.
        state.setdefault("speaker_weight", 0.0)
        super().__setstate__(state)

    def _vectorizers(self):
        # Both read normalised text (normalised once per distinct sentence); the characters' channel romanised.
        words = NgramTfidf(token_pattern=WORD_PATTERN, ngram_range=self.word_ngrams,
                           min_df=self.min_df, max_features=self.max_features)
        chars = NgramTfidf(preprocessor=transliterate, analyzer="char_wb", ngram_range=self.char_ngrams,
                           min_df=self.min_df, max_features=self.max_features)
        return words, chars

    def fit(self, X, y=None):
        sentences = [normalise(context[0]) for context in X]
        self.words_, self.chars_ = self._vectorizers()
        self.words_.fit(sentences)
        self.chars_.fit(sentences)
        return self

    def _distinct(self, columns):
        """Each distinct text of all the columns vectorised once (neighbours and quotation ends are sentences
        of the same article), and for each column the row of its texts in that matrix."""
        unique = {}
        rows = [np.array([unique.setdefault(text, len(unique)) for text in column], dtype=np.intp)
                for column in columns]
        distinct = [normalise(text) for text in unique]
        return sp.hstack([self.words_.transform(distinct), self.chars_.transform(distinct)], format="csr"), rows

    def _encode(self, *columns):
        """One matrix per column, row i encoding column[i]."""
        matrix, rows = self._distinct(columns)
        return [matrix[index] for index in rows]

    def _columns(self, X):
        """The texts each block reads: sentence, previous, following, quotation end, and the speaker: the
        sentence's attribution, or for a line inside a quotation that names no one the attribution of the
        line that closes it (read only when the quotation's end is, so the context-free setting stays so)."""
        columns = [list(column) for column in zip(*X)] if len(X) else [[], [], [], []]
        if not self.speaker_weight:  # an artifact without the block: no attribution work per request
            return columns + [[""] * len(columns[0])]
        speakers = [attribution(text) or (attribution(end) if self.quote_weight else "")
                    for text, end in zip(columns[0], columns[3])]
        return columns + [speakers]

    def blocks(self, X):
        """The unweighted feature blocks: the sentence, its neighbours, the end of its quotation, and the
        speaker (the words outside a quotation)."""
        own, previous, following, quote_end, speaker = self._encode(*self._columns(X))
        return own, previous + following, quote_end, speaker

    def combine(self, own, neighbours, quote_end, speaker):
        """Weight and join the blocks. The line that closes a quotation is added into the sentence's own
        block, so a line inside the quotation reads like the line that names its speaker (and shares
        what the model learnt from every such line); neighbours get a block of their own. The speaker's
        words ("», — деді Тоқаев") are added again on their own, because the voice decides the label
        (ANNOTATION.md) and a long quotation would otherwise drown the speaker's name."""
        if self.quote_weight:
            own = own + self.quote_weight * quote_end
        if self.speaker_weight:
            own = own + self.speaker_weight * speaker
        if not self.neighbour_weight:
            return own.tocsr()
        return sp.hstack([own, self.neighbour_weight * neighbours], format="csr")

    def transform(self, X):
        if not (self.neighbour_weight or self.quote_weight or self.speaker_weight):
            return self._encode([context[0] for context in X])[0]
        return self.combine(*self.blocks(X))

    def block_coefficients(self, coef):
        """A linear model's weights over transform()'s columns as (own block, neighbours' block), each
        features x classes and contiguous, for linear_scores."""
        width = len(self.words_.idf_) + len(self.chars_.idf_)
        weights = coef.T  # contiguous when coef is column-major, as CalibratedFramingClassifier stores it
        own = np.ascontiguousarray(weights[:width])
        return own, np.ascontiguousarray(weights[width:]) if self.neighbour_weight else None

    def linear_scores(self, X, block_coefficients, intercept):
        """transform(X) @ coef.T + intercept without building transform(X): every block is a weighted sum of
        distinct texts' vectors, so each distinct text is scored once per block and a sentence's scores are
        the weighted sum of its texts' scores. Equal to the product (tested), in a fraction of the memory."""
        own_coef, near_coef = block_coefficients
        distinct, (own_rows, previous_rows, following_rows, quote_rows, speaker_rows) = self._distinct(
            self._columns(X))
        own = distinct @ own_coef
        scores = own[own_rows] + intercept
        if self.quote_weight:
            scores += self.quote_weight * own[quote_rows]
        if self.speaker_weight:
            scores += self.speaker_weight * own[speaker_rows]
        if self.neighbour_weight:
            near = distinct @ near_coef
            scores += self.neighbour_weight * (near[previous_rows] + near[following_rows])
        return scores

    def feature_names(self):
        """Readable names of the output columns: 'w:' word, 'c:' character, with a block prefix."""
        base = [f"w:{name}" for name in self.words_.get_feature_names_out()]
        base += [f"c:{name}" for name in self.chars_.get_feature_names_out()]
        names = list(base)
        if self.neighbour_weight:
            names += [f"near {name}" for name in base]
        return np.array(names, dtype=object)


class CalibratedFramingClassifier(ClassifierMixin, BaseEstimator):
    """Class-weighted logistic regression with multiclass sigmoid (Platt) calibration fitted on grouped
    out-of-fold decision values, and probabilities moved from the corpus's class balance to `priors`."""

    def __init__(self, C=4.0, calibration_folds=4, priors=None, random_state=0):
        self.C = C
        self.calibration_folds = calibration_folds
        self.priors = priors
        self.random_state = random_state

    def logistic(self):
        """The unfitted logistic regression this classifier calibrates."""
        # tol 2e-4: at 1e-3 lbfgs stopped after about 39 of the 60 iterations it needs (CV macro-F1 0.006
        # lower); 1e-4 scored the same as 2e-4 (0.861 and 0.860 on 10,609 rows) and took `make train` ten
        # seconds nearer its one-minute limit
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=1000, tol=2e-4,
                                  random_state=self.random_state)

    def fit(self, X, y, groups=None, out_of_fold_scores=None, calibrate_on=None):
        """Fit on all rows; calibrate on `out_of_fold_scores` (decision values from grouped CV, in
        sorted label order) when the caller already has them, else run the grouped CV here. Only the
        rows in the `calibrate_on` mask (default all) fit the calibration and set the training mix."""
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        scores = out_of_fold_scores
        if scores is None:
            groups = np.arange(len(y)) if groups is None else np.asarray(groups)
            folds = StratifiedGroupKFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
            scores = np.zeros((len(y), len(self.classes_)))
            for train, held_out in folds.split(X, y, groups):
                scores[held_out] = self.logistic().fit(X[train], y[train]).decision_function(X[held_out])
        calibrate_on = np.ones(len(y), dtype=bool) if calibrate_on is None else np.asarray(calibrate_on)
        self.platt_ = fit_platt(scores[calibrate_on], y[calibrate_on], self.classes_)
        self.logistic_ = self.logistic().fit(X, y)
        # Column-major, so coef_.T is contiguous and each feature block's weights are a view of it
        # (ContextFeatures.block_coefficients) rather than a second copy in every worker.
        self.logistic_.coef_ = np.asfortranarray(self.logistic_.coef_)
        self.train_priors_ = np.array([(y[calibrate_on] == label).mean() for label in self.classes_])
        return self

    def linear(self):
        """The logistic regression's (coef, intercept): its decision values are X @ coef.T + intercept."""
        return self.logistic_.coef_, self.logistic_.intercept_

    def proba_from_scores(self, scores):
        """Calibrated probabilities moved to `priors`, from the logistic regression's decision values."""
        return shift_priors(apply_platt(self.platt_, scores), self.train_priors_,
                            None if not self.priors else np.array([self.priors[c] for c in self.classes_]))

    def predict_proba(self, X):
        return self.proba_from_scores(self.logistic_.decision_function(X))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def fit_platt(scores, y, classes):
    """Multiclass Platt scaling: a multinomial sigmoid (softmax) fitted on the decision values.
    Per-class sigmoids renormalised afterwards measured an ECE of 0.065 against 0.009 for this."""
    calibrator = LogisticRegression(C=1e4, max_iter=1000).fit(scores, y)
    assert list(calibrator.classes_) == list(classes)
    return calibrator


def apply_platt(calibrator, scores):
    return calibrator.predict_proba(scores)


def shift_priors(proba, train_priors, target_priors):
    """Bayes' rule for a change of class priors: p'(y|x) is proportional to p(y|x) * target(y) / train(y)."""
    if target_priors is None:
        return proba
    shifted = proba * (target_priors / train_priors)
    return shifted / shifted.sum(axis=1, keepdims=True)
