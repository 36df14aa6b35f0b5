"""Corpus validator: schema, labels, language, near-duplicates and translation consistency."""
from collections import Counter, defaultdict

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from service.config import LABELS, LANGUAGES, SEED_GOLD_PATH, SEEDS_DIR
from service.language import detect_with_confidence
from service.text import split_sentences

from .corpus import REQUIRED, corpus_files, read_rows

TOPICS = frozenset(
    "belt_and_road khorgos energy_loans land_protests anti_china_rallies xinjiang_camps us_sanctions c5plus1 "
    "january_2022 tokayev_reforms china_mfa trade elections procedure russia boilerplate other".split()
)
HARD_KINDS = frozenset(
    "saying_last two_actors negation euphemism neutral_named boilerplate quoted_undercut mixed".split()
)
REGISTERS = frozenset("wire state_media chinese_state_media independent analysis page".split())
OPTIONAL = ("article", "position", "hard", "register")
NEAR_DUPLICATE_JACCARD = 0.8
# The detector must be this sure, on a sentence with this many letters, to overrule a row's language.
CONTRADICTION_CONFIDENCE = 0.95
CONTRADICTION_MIN_LETTERS = 30
ARTICLE_SENTENCES = (10, 40)


def _schema_problems(row):
    if not isinstance(row, dict):
        return ["not a JSON object"]
    problems = [f"missing key {key!r}" for key in REQUIRED if key not in row]
    problems += [f"unknown key {key!r}" for key in row if key not in REQUIRED + OPTIONAL]
    for key in ("id", "text", "group", "topic"):
        if key in row and (not isinstance(row[key], str) or not row[key].strip()):
            problems.append(f"{key} must be a non-blank string")
    if isinstance(row.get("text"), str) and row["text"] != row["text"].strip():
        problems.append("text has surrounding whitespace")
    if "label" in row and row["label"] not in LABELS:
        problems.append(f"unknown label {row['label']!r}")
    if "language" in row and row["language"] not in LANGUAGES:
        problems.append(f"unknown language {row['language']!r}")
    if "topic" in row and row["topic"] not in TOPICS:
        problems.append(f"unknown topic {row['topic']!r}")
    if "hard" in row and row["hard"] not in HARD_KINDS:
        problems.append(f"unknown hard-case kind {row['hard']!r}")
    if "register" in row and row["register"] not in REGISTERS:
        problems.append(f"unknown register {row['register']!r}")
    if ("article" in row) != ("position" in row):
        problems.append("article and position go together")
    if "position" in row and (not isinstance(row["position"], int) or row["position"] < 0):
        problems.append("position must be a non-negative integer")
    return problems


def _near_duplicates(entries):
    """Pairs (a, b) of entries whose character 5-gram Jaccard similarity is at least the limit."""
    texts = [entry[2]["text"].casefold() for entry in entries]
    shingles = CountVectorizer(analyzer="char", ngram_range=(5, 5), binary=True, lowercase=False)
    try:
        matrix = shingles.fit_transform(texts).astype(np.float32)
    except ValueError:  # every text shorter than five characters
        return []
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    overlap = sp.triu(matrix @ matrix.T, k=1).tocoo()  # each pair once, no text with itself
    # Whole arrays at once: most pairs share some 5-gram, and a Python loop over them took seconds.
    jaccard = overlap.data / (sizes[overlap.row] + sizes[overlap.col] - overlap.data)
    close = jaccard >= NEAR_DUPLICATE_JACCARD
    pairs = [(entries[a], entries[b]) for a, b in zip(overlap.row[close], overlap.col[close])]
    # Texts too short to have a 5-gram can only be compared whole.
    first_short = {}
    for entry, text, size in zip(entries, texts, sizes):
        if size == 0:
            if text in first_short:
                pairs.append((first_short[text], entry))
            first_short.setdefault(text, entry)
    return pairs


def _seed_gold_problems():
    """Gold rows must use the service splitter's boundaries and quote the seed text exactly."""
    problems, by_source = [], defaultdict(list)
    for path, number, row in read_rows([SEED_GOLD_PATH]):
        if not isinstance(row, dict) or row.get("label") not in LABELS:
            problems.append(f"{path}:{number}: bad gold row")
            continue
        by_source[row["source"]].append((number, row))
    for source, rows in by_source.items():
        article = (SEEDS_DIR / source).read_text(encoding="utf-8")
        expected = [(span.start, span.end) for span in split_sentences(article)]
        found = [(row["start"], row["end"]) for _, row in rows]
        if found != expected:
            problems.append(f"{SEED_GOLD_PATH}:{rows[0][0]}: {source} boundaries differ from the splitter's")
        for number, row in rows:
            if article[row["start"]:row["end"]] != row["text"]:
                problems.append(f"{SEED_GOLD_PATH}:{number}: text is not article[start:end]")
    return problems


def validate(files=None):
    """Return (problems, valid rows) for the corpus files; problems are 'file:line: reason'."""
    files = corpus_files() if files is None else files
    problems, valid, seen_ids, checked = [], [], {}, []
    for path, number, row in read_rows(files):
        where = f"{path}:{number}"
        if isinstance(row, Exception):
            problems.append(f"{where}: invalid JSON ({row.msg})")
            continue
        row_problems = _schema_problems(row)
        if not row_problems and row["id"] in seen_ids:
            row_problems.append(f"duplicate id {row['id']!r} (first at {seen_ids[row['id']]})")
        if not row_problems:
            checked.append((where, row))
        problems += [f"{where}: {reason}" for reason in row_problems]
        if not row_problems:
            seen_ids[row["id"]] = where
            valid.append((path, number, row))
    problems += _language_problems(checked)
    problems += _structure_problems(valid)
    problems += _seed_gold_problems()
    return problems, [row for _, _, row in valid]


def _script_letters(text: str, language: str) -> int:
    """How many letters of `text` are in the script that `language` is written in."""
    if language == "en":
        return sum(char.isalpha() and char.isascii() for char in text)
    return sum("\u0400" <= char <= "\u04ff" for char in text)


def _language_problems(checked):
    """Rows whose language the detector contradicts with high confidence. Between Cyrillic languages
    that needs a sentence long enough to tell; across scripts, no letter at all in the row's own script
    (so a Kazakh "Бөлісу: Facebook | Telegram" line is not an English one)."""
    problems = []
    detected = detect_with_confidence([row["text"] for _, row in checked])
    for (where, row), (language, confidence) in zip(checked, detected):
        if language in (row["language"], "und") or confidence < CONTRADICTION_CONFIDENCE:
            continue
        same_script = "en" not in (language, row["language"])
        letters = sum(char.isalpha() for char in row["text"])
        if (same_script and letters >= CONTRADICTION_MIN_LETTERS) or (
                not same_script and _script_letters(row["text"], row["language"]) == 0):
            problems.append(f"{where}: language {row['language']!r} but the detector says {language!r} "
                            f"({confidence:.2f})")
    return problems


def _structure_problems(entries):
    problems = []
    by_language, articles, translations = defaultdict(list), defaultdict(list), defaultdict(list)
    for entry in entries:
        row = entry[2]
        by_language[row["language"]].append(entry)
        if "article" in row:
            articles[row["article"]].append(entry)
        translations[(row["group"], row.get("position"))].append(entry)
    for language_entries in by_language.values():
        for (path_a, line_a, _), (path_b, line_b, _) in _near_duplicates(language_entries):
            problems.append(f"{path_b}:{line_b}: near-duplicate of {path_a}:{line_a}")
    for article_id, article_entries in articles.items():
        path, line, _ = article_entries[0]
        positions = sorted(row["position"] for _, _, row in article_entries)
        if positions != list(range(len(positions))):
            problems.append(f"{path}:{line}: article {article_id} positions are not 0..{len(positions) - 1}")
        low, high = ARTICLE_SENTENCES
        if not low <= len(positions) <= high:
            problems.append(f"{path}:{line}: article {article_id} has {len(positions)} sentences, not {low}-{high}")
    for (group, _), members in translations.items():
        if len({row["language"] for _, _, row in members}) > 1 and len({row["label"] for _, _, row in members}) > 1:
            path, line, _ = members[-1]
            problems.append(f"{path}:{line}: translations in group {group!r} carry different labels")
    return problems


def summary_table(rows) -> str:
    """The language x label table, with article and hard-case counts."""
    counts = Counter((row["language"], row["label"]) for row in rows)
    header = f"{'':4}" + "".join(f"{label:>19}" for label in LABELS) + f"{'total':>8}{'articles':>10}{'hard':>6}"
    lines = [header]
    for language in LANGUAGES:
        language_rows = [row for row in rows if row["language"] == language]
        cells = "".join(f"{counts[(language, label)]:>19}" for label in LABELS)
        articles = len({row["article"] for row in language_rows if "article" in row})
        hard = sum("hard" in row for row in language_rows)
        lines.append(f"{language:4}{cells}{len(language_rows):>8}{articles:>10}{hard:>6}")
    in_articles = sum("article" in row for row in rows)
    lines.append(f"total rows {len(rows)}, in articles {in_articles}, hard cases {sum('hard' in r for r in rows)}")
    return "\n".join(lines)
