"""`make bench`: the in-process bound, served throughput and latency, start-up time and memory, as a table
and var/bench.json. Method and targets: issue 7; run with --help for the knobs."""
import argparse
import json
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import bench_corpus
import bench_inprocess
import bench_load
import bench_machine
import bench_profile
import bench_report
from bench_server import Server

from service.config import RECORD_PATH, ROOT
from service.text import split_sentences

KINDS = bench_report.KINDS
NOISE = bench_report.NOISE


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6, help="length of each throughput run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (in-process bound, then served) per workload; medians are reported")
    parser.add_argument("--latency-seconds", type=float, default=20, help="length of each open-loop latency run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes and gunicorn workers")
    parser.add_argument("--starts", type=int, default=3, help="cold starts timed to /readyz")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench.json")
    parser.add_argument("--gunicorn-args", default="", help='extra gunicorn options to try, e.g. "--preload"')
    parser.add_argument("--profile", choices=KINDS, help="sample one worker with py-spy during this workload's run")
    return parser.parse_args()


def _watched(foreign: dict, name: str, live_pids, measure, attempts: int = 3):
    """Run `measure` on a quiet machine, again (up to `attempts` times) while other processes took more
    than NOISE of the CPU meanwhile; keep the quietest run and note how much they took."""
    runs = []
    for _attempt in range(attempts):
        bench_machine.wait_for_quiet()
        with bench_machine.CpuWatch(live_pids) as watch:
            result = measure()
        runs.append((watch.foreign_share, result))
        if watch.foreign_share <= NOISE:
            break
        print(f"  {name}: other processes took {watch.foreign_share:.0%} of the CPU; measuring again", file=sys.stderr)
    foreign[name], result = min(runs, key=lambda run: run[0])
    return result


def _served(server: Server, workloads: dict, args, var: Path, foreign: dict, profile: str | None) -> dict:
    """Saturated throughput per workload (wrk, two connections per worker), optionally profiled."""
    served = {}
    for kind, texts in workloads.items():
        bench_load.sequential(server.port, texts, 2 * len(texts))  # warm up: first requests pay lazy set-up
        sampler = None
        if kind == profile:
            sampler = bench_profile.start(server.worker_pids()[0], args.seconds, var / "bench-profile.txt")
        served[kind] = _watched(foreign, f"served {kind}", server.pids, lambda texts=texts: bench_load.wrk(
            server.port, texts, args.seconds, 2 * args.workers, var / "wrk"))
        if sampler:
            sampler.wait()
            served[kind]["profile"] = bench_profile.summarise(var / "bench-profile.txt")
    return served


def _rounds(server: Server, workloads: dict, args, var: Path, foreign: dict) -> tuple[dict, dict]:
    """The bound and the served throughput, measured in turn `rounds` times, so that both see the same machine
    (its speed drifts by several percent over minutes); each workload's figures are those of its median-ratio
    round, and every round's ratio is kept."""
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"round {number}/{args.rounds}: in-process bound, then served ...", file=sys.stderr)
        bound = _watched(foreign, f"in-process {number}", list, lambda: bench_inprocess.measure(
            workloads, args.workers, args.seconds))
        served = _served(server, workloads, args, var, foreign, args.profile if number == 1 else None)
        rounds.append((bound, served))
    bound, served = {}, {}
    for kind in workloads:
        ratios = [round(s[kind]["requests_per_s"] / b[kind]["articles_per_s"], 3) for b, s in rounds]
        middle = sorted(range(len(rounds)), key=ratios.__getitem__)[len(rounds) // 2]
        bound[kind] = rounds[middle][0][kind]
        served[kind] = {**rounds[middle][1][kind], "ratio": ratios[middle], "ratio_rounds": ratios}
        if "profile" in rounds[0][1][kind]:  # only the first round is profiled
            served[kind]["profile"] = rounds[0][1][kind]["profile"]
    return bound, served


def run(args) -> dict:
    var = args.out.parent
    mix = bench_corpus.build_mix()
    workloads = {kind: bench_corpus.workload(mix, kind) for kind in KINDS}
    sentences = {kind: statistics.mean(len(split_sentences(t)) for t in texts) for kind, texts in workloads.items()}
    foreign = {}
    ready = []
    (var / "bench-gunicorn.log").unlink(missing_ok=True)
    for attempt in range(max(args.starts, 1)):
        server = Server(args.workers, var / "bench-gunicorn.log", shlex.split(args.gunicorn_args))
        ready.append(round(_watched(foreign, f"start {attempt + 1}", server.pids, server.start, attempts=1), 3))
        if attempt < args.starts - 1:
            server.stop()
    with server:
        server.wait_for_workers()
        fresh = server.memory()
        bound, served = _rounds(server, workloads, args, var, foreign)
        for kind in KINDS:
            served[kind]["sentences_per_s"] = round(served[kind]["requests_per_s"] * sentences[kind], 1)
        print("open-loop latency, then one request at a time ...", file=sys.stderr)
        maximum = served["typical"]["requests_per_s"]
        latency = {f"{share:.0%}": _watched(foreign, f"latency {share:.0%}", server.pids, lambda share=share: (
            bench_load.open_loop(server.port, workloads["typical"], share * maximum, args.latency_seconds)))
            for share in (0.5, 0.9)}
        idle = {kind: _watched(foreign, f"idle {kind}", server.pids, lambda kind=kind: bench_load.sequential(
            server.port, workloads[kind], 40 if kind == "long" else 100)) for kind in ("short", "typical", "long")}
        memory = server.memory()
    record = json.loads(RECORD_PATH.read_text(encoding="utf-8"))
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": bench_machine.cores(), "workers": args.workers,
        "model": record.get("version"), "mix": bench_corpus.describe(mix),
        "mean_sentences": {kind: round(value, 1) for kind, value in sentences.items()},
        "in_process": bound, "served": served, "typical_latency": latency, "idle_latency": idle,
        "ready_seconds": {"runs": ready, "median": statistics.median(ready), "max": max(ready)},
        "memory": memory, "memory_fresh": fresh, "train_seconds": record.get("train_seconds"),
        "settings": {"seconds": args.seconds, "rounds": args.rounds, "latency_seconds": args.latency_seconds,
                     "profile": args.profile, "gunicorn_args": args.gunicorn_args},
        "foreign_cpu_share": foreign,
    }


def main() -> None:
    args = _arguments()
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(bench_report.table(report))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
