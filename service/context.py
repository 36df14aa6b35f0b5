"""Each sentence's context inside its article: neighbours and the end of an open quotation."""
import re
from typing import NamedTuple

# A quotation left open at the end of a line closes within this many sentences, or is ignored.
MAX_QUOTE_SENTENCES = 12
# The only characters that move the quotation depth; the rest of a sentence need not be read.
_QUOTE_MARKS = re.compile('["«„“»”]')


class SentenceContext(NamedTuple):
    """The model's input unit: a sentence with the text around it (empty strings when absent)."""

    text: str
    previous: str = ""
    following: str = ""
    quote_end: str = ""


def _quote_depth_after(text: str, depth: int) -> int:
    """Track whether a quotation is open after `text`, given whether one was open before it."""
    for char in _QUOTE_MARKS.findall(text):
        if char == '"':
            depth = 0 if depth else 1
        elif char in "«„":
            depth += 1
        elif char == "“":
            depth = depth - 1 if depth else 1
        elif char in "»”":
            depth = max(depth - 1, 0)
    return depth


def quote_ends(texts: list[str]) -> list[str]:
    """For each sentence inside a quotation that spans sentences, the sentence that closes it
    (where the speaker is usually named); '' for every other sentence."""
    ends = [""] * len(texts)
    open_since = None
    depth = 0
    for index, text in enumerate(texts):
        depth = _quote_depth_after(text, depth)
        if depth and open_since is None:
            open_since = index
        elif not depth and open_since is not None:
            for inside in range(open_since, index):
                ends[inside] = text
            open_since = None
        if open_since is not None and index - open_since >= MAX_QUOTE_SENTENCES:
            open_since, depth = None, 0
    return ends


def article_contexts(texts: list[str]) -> list[SentenceContext]:
    """Contexts for the sentences of one article, in order."""
    ends = quote_ends(texts)
    last = len(texts) - 1
    return [
        SentenceContext(
            text,
            texts[index - 1] if index > 0 else "",
            texts[index + 1] if index < last else "",
            ends[index],
        )
        for index, text in enumerate(texts)
    ]
