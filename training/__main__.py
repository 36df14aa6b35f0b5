"""Command line: python -m training {validate,train,evaluate,review}."""
import argparse
import sys
from pathlib import Path

from service.config import MODELS_DIR


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check the corpus and print the language x label table")
    train = commands.add_parser("train", help="validate, select, fit, evaluate and write the model")
    train.add_argument("--no-search", action="store_true", help="skip the hyper-parameter search")
    train.add_argument("--output", type=Path, default=MODELS_DIR, help="where to write the model (default models/)")
    train.add_argument("--no-feedback", action="store_true", help="leave out the accepted corrections")
    commands.add_parser("evaluate", help="score the shipped model on the real-text sets")
    from .review import add_arguments as add_review_arguments

    add_review_arguments(commands.add_parser("review", help="list pending corrections, accept or reject them"))
    args = parser.parse_args(argv)

    if args.command == "validate":
        from .validate import summary_table, validate

        problems, rows = validate()
        for problem in problems:
            print(problem, file=sys.stderr)
        print(summary_table(rows))
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    if args.command == "train":
        from .train import train

        return train(search=not args.no_search, feedback=not args.no_feedback, output=args.output)
    if args.command == "review":
        from .review import review

        return review(args)
    from .evaluate import evaluate_shipped

    return evaluate_shipped()


if __name__ == "__main__":
    sys.exit(main())
