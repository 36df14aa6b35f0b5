"""`python -m training review`: list pending corrections, accept or reject them by id or one at a time."""
import json
import sys

from service.storage import StorageUnavailable

from .feedback import feedback_db_path, open_feedback_store

ACTIONS = ("list", "accept", "reject", "export")
ANSWERS = {"a": "accepted", "r": "rejected"}


def add_arguments(parser) -> None:
    parser.add_argument("action", nargs="?", choices=ACTIONS,
                        help="list pending; accept or reject IDs; export accepted as JSON Lines; "
                             "none: review pending corrections one at a time")
    parser.add_argument("ids", nargs="*", type=int, metavar="ID")
    parser.add_argument("--db", help="the feedback database (default: $FRAMING_FEEDBACK_DB or var/feedback.sqlite3)")


def _records(store, status):
    after = 0
    while after is not None:
        page, after, _ = store.page(status, after, 200)
        yield from page


def _line(record: dict) -> str:
    text = record["text"] if len(record["text"]) <= 100 else record["text"][:99] + "…"
    return (f"{record['id']}\t{record['created_at'][:19]}\t{record['language']}\t"
            f"{record['predicted'] or '?'} -> {record['label']}\t{text}")


def _interactive(store) -> int:
    decided = 0
    for record in _records(store, "pending"):
        print(f"\n#{record['id']} [{record['language']}] {record['text']}")
        print(f"model said {record['predicted'] or '?'} (version {record['model_version'] or '?'}); "
              f"correction: {record['label']}" + (f"; note: {record['note']}" if record["note"] else ""))
        while True:
            try:
                answer = input("[a]ccept, [r]eject, [s]kip, [q]uit? ").strip().lower()[:1]
            except EOFError:
                answer = "q"
            if answer in ("a", "r", "s", "q"):
                break
        if answer == "q":
            break
        if answer in ANSWERS:
            store.set_status([record["id"]], ANSWERS[answer])
            decided += 1
    print(f"{decided} correction(s) reviewed")
    return 0


def review(args) -> int:
    path = feedback_db_path(args.db)
    if not path.exists():
        print(f"no feedback database at {path}: nothing to review", file=sys.stderr)
        return 1 if args.action in ("accept", "reject") else 0
    if args.action in ("accept", "reject") and not args.ids:
        print(f"{args.action}: give the id(s) of the correction(s)", file=sys.stderr)
        return 2
    store = open_feedback_store(args.db)
    try:
        if args.action == "list":
            pending = list(_records(store, "pending"))
            for record in pending:
                print(_line(record))
            print(f"{len(pending)} pending", file=sys.stderr)
            return 0
        if args.action == "export":
            for record in _records(store, "accepted"):
                print(json.dumps(record, ensure_ascii=False))
            return 0
        if args.action in ("accept", "reject"):
            changed = store.set_status(args.ids, args.action + "ed")
            missing = sorted(set(args.ids) - set(changed))
            print(f"{len(changed)} correction(s) {args.action}ed")
            if missing:
                print(f"no correction with id {', '.join(map(str, missing))}", file=sys.stderr)
            return 1 if missing else 0
        return _interactive(store)
    except StorageUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        store.close()
