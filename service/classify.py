"""The classify function: text -> sentences -> languages -> contexts -> model -> response dict."""
from collections import Counter

import numpy as np

from .config import LABELS, UNDETERMINED
from .context import article_contexts
from .language import detect_many
from .text import split_sentences


class ArticleTooLong(ValueError):
    """The article is longer, in characters or sentences, than this deployment accepts."""


def _dominant_language(languages, lengths) -> str:
    characters = Counter()
    for language, length in zip(languages, lengths):
        if language != UNDETERMINED:
            characters[language] += length
    return characters.most_common(1)[0][0] if characters else UNDETERMINED


def classify_article(model, text: str, language: str | None = None, explain: bool = False,
                     max_sentences: int | None = None, max_terms: int = 8, max_chars: int | None = None) -> dict:
    """Classify every sentence of `text`; offsets are code points into `text`."""
    if max_chars is not None and len(text) > max_chars:
        raise ArticleTooLong(f"The text has {len(text)} characters; the limit is {max_chars}.")
    spans = split_sentences(text)
    if max_sentences is not None and len(spans) > max_sentences:
        raise ArticleTooLong(f"The text has {len(spans)} sentences; the limit is {max_sentences}.")
    texts = [text[span.start:span.end] for span in spans]
    languages = [language] * len(texts) if language else detect_many(texts)
    prediction = model.predict(article_contexts(texts), explain=explain, max_terms=max_terms)
    scores = prediction.scores
    lengths = np.array([span.end - span.start for span in spans], dtype=float)
    top = scores.argmax(axis=1) if len(spans) else np.zeros(0, dtype=int)
    threshold = model.abstain_threshold
    sentences = []
    # Plain Python floats and ints, converted in one call each rather than element by element.
    rows, tops = scores.tolist(), top.tolist()
    for index, (span, sentence, sentence_language, row, best) in enumerate(
            zip(spans, texts, languages, rows, tops)):
        item = {
            "index": index, "start": span.start, "end": span.end, "text": sentence,
            "language": sentence_language, "label": LABELS[best],
            "scores": dict(zip(LABELS, row)), "confidence": row[best], "abstain": row[best] < threshold,
        }
        if explain:
            item["evidence"] = prediction.evidence[index]
        sentences.append(item)
    if len(spans):
        mean = (scores * lengths[:, None]).sum(axis=0) / lengths.sum()
    else:
        mean = np.full(len(LABELS), 1.0 / len(LABELS))
    counts = Counter(LABELS[i] for i in tops)
    return {
        "language": language or _dominant_language(languages, lengths),
        "summary": {"label": LABELS[int(mean.argmax())], "scores": dict(zip(LABELS, mean.tolist())),
                    "counts": {label: counts[label] for label in LABELS}},
        "sentences": sentences,
    }
