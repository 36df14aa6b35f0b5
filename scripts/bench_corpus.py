"""The benchmark's fixed mix of articles, built from the corpus: short, typical and long texts per language."""
import hashlib
import json
from collections import Counter, defaultdict

from service.config import CORPUS_DIR, LANGUAGES

# Target sizes in characters (code points, the unit the API limits and reports offsets in).
SIZES = {"short": 300, "typical": 4_500, "long": 50_000}
# Texts of each kind per language, each starting at a different article.
PER_LANGUAGE = {"short": 3, "typical": 2, "long": 1}
# One round of the mixed workload: six typical articles, three briefs and one long feature, interleaved.
MIX_ROUND = ("typical", "short", "typical", "short", "typical", "long", "typical", "short", "typical", "typical")


def _articles_by_language() -> dict[str, list[list[str]]]:
    """Each language's articles in id order, each as its rows' texts in position order."""
    rows = defaultdict(list)
    for path in sorted((CORPUS_DIR / "articles").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[(row["language"], row["article"])].append((row["position"], row["text"]))
    articles = defaultdict(list)
    for (language, _article), lines in sorted(rows.items()):
        articles[language].append([text for _position, text in sorted(lines)])
    return articles


def _text_from(articles: list[list[str]], first: int, size: int) -> str:
    """Whole rows of consecutive articles, from article `first`, joined with newlines (as an article is
    posted), stopping at the row boundary nearest to `size` characters."""
    lines = []
    length = -1
    for offset in range(len(articles)):
        for line in articles[(first + offset) % len(articles)]:
            longer = length + len(line) + 1
            if lines and abs(longer - size) > abs(length - size):
                return "\n".join(lines)
            lines.append(line)
            length = longer
    raise ValueError(f"the corpus holds fewer than {size} characters")


def build_mix() -> dict[str, list[dict]]:
    """{kind: [{"language", "text"}]} for short, typical and long, deterministic for a given corpus."""
    articles = _articles_by_language()
    mix = {kind: [] for kind in SIZES}
    for language in LANGUAGES:
        pool = articles.get(language, [])
        if not pool:
            continue
        for kind, size in SIZES.items():
            count = PER_LANGUAGE[kind]
            for number in range(count):
                first = number * len(pool) // count
                mix[kind].append({"language": language, "text": _text_from(pool, first, size)})
    return mix


def workload(mix: dict[str, list[dict]], kind: str) -> list[str]:
    """The texts one load run cycles through: one kind's texts, or for "mix" four rounds of MIX_ROUND."""
    if kind != "mix":
        return [item["text"] for item in mix[kind]]
    taken = Counter()
    texts = []
    for _round in range(4):
        for kind_now in MIX_ROUND:
            items = mix[kind_now]
            texts.append(items[taken[kind_now] % len(items)]["text"])
            taken[kind_now] += 1
    return texts


def describe(mix: dict[str, list[dict]]) -> dict:
    """Counts, mean sizes and a fingerprint of the mix, for the report."""
    digest = hashlib.sha256()
    summary = {}
    for kind, items in mix.items():
        for item in items:
            digest.update(item["text"].encode("utf-8"))
        summary[kind] = {
            "texts": len(items),
            "mean_chars": round(sum(len(item["text"]) for item in items) / max(len(items), 1)),
            "mean_utf8_bytes": round(sum(len(item["text"].encode()) for item in items) / max(len(items), 1)),
        }
    return {"kinds": summary, "mix_round": dict(Counter(MIX_ROUND)), "sha256": digest.hexdigest()}
