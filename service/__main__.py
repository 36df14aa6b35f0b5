"""The command line: `python -m service classify FILE... | -`, also installed as the `framing` script."""
import argparse
import os
import sys
from urllib.parse import urlsplit

from .cli import CommandError, LocalClassifier, ServiceClassifier, classify_files
from .config import LANGUAGES

EXIT_CODES = """exit codes:
  0  every file was classified
  2  usage error: unknown option, missing FILE, malformed --url
  3  a file is missing, unreadable, not UTF-8, empty or too long, or the service rejected it
     (the other files are still classified)
  4  no usable local model (missing, or not matching its record): run `make train`
  5  the --url service is unreachable, timed out or answered with a server error
"""


def service_url(value: str) -> str:
    """--url must be an http(s) base URL such as http://127.0.0.1:8000."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s) URL such as http://127.0.0.1:8000")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framing", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Per-sentence framing scores (China, US, Kazakh government, neutral) for news articles.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    classify = commands.add_parser(
        "classify", help="classify articles in files or on standard input", epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Classify every sentence of each article, with the local model or a running service. "
                    "Prints one line per sentence (index, label, confidence, text) and a summary per file.")
    classify.add_argument("files", nargs="+", metavar="FILE", help="a UTF-8 text file; - reads standard input")
    classify.add_argument("--url", type=service_url,
                          help="use the service at this base URL (e.g. http://127.0.0.1:8000) instead of the "
                               "local model")
    classify.add_argument("--json", action="store_true",
                          help='JSON Lines: one object per file, {"file": FILE, ...the POST /classify response}')
    classify.add_argument("--explain", action="store_true", help="add each sentence's evidence terms")
    classify.add_argument("--language", choices=LANGUAGES, help="skip detection: every sentence is this language")
    classify.add_argument("--progress", action="store_true",
                          help="always show the progress bar on stderr (by default: several files and stderr "
                               "is a terminal)")
    classify.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for --url (default 30)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, classify, and return the exit code."""
    args = build_parser().parse_args(argv)  # exits with EXIT_USAGE on a usage error
    progress = args.progress or (len(args.files) > 1 and sys.stderr.isatty())
    try:
        classifier = ServiceClassifier(args.url, args.timeout) if args.url else LocalClassifier()
        return classify_files(args.files, classifier, args.language, args.explain, args.json, progress)
    except CommandError as error:
        print(f"framing: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        # The reader (e.g. `head`) has gone; silence the flush at exit instead of printing a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
