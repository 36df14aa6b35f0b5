"""`make soak`: gunicorn on loopback at about 70% of its measured maximum for 5 minutes; prints errors (must be 0),
each worker's resident memory growth (must be under 10%) and a /metrics excerpt. A script, not a test."""
import argparse
import json
import os
import threading
import time
from pathlib import Path

import bench_corpus
import bench_load
from bench_server import Server, get

from service.config import ROOT

MAX_GROWTH = 0.10
METRICS_SHOWN = ("framing_http_requests_total", "framing_http_request_duration_seconds_count",
                 "framing_http_request_duration_seconds_sum", "framing_articles_classified_total",
                 "framing_sentences_classified_total", "framing_predicted_labels_total", "framing_abstentions_total",
                 "framing_model_info")


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=300, help="length of the soak")
    parser.add_argument("--fraction", type=float, default=0.7, help="share of the measured maximum to offer")
    parser.add_argument("--max-seconds", type=float, default=20, help="length of the maximum-throughput run")
    parser.add_argument("--sample-every", type=float, default=10, help="seconds between memory samples")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "soak.json")
    return parser.parse_args()


def _rss(server: Server) -> dict[int, float]:
    return {worker["pid"]: worker["rss_mb"] for worker in server.memory()["workers"]}


def _metrics_excerpt(port: int) -> list[str]:
    status, page = get(port, "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    return [line for line in page.decode().splitlines()
            if line.startswith(METRICS_SHOWN) and 'route="/readyz"' not in line]


def main() -> int:
    args = _arguments()
    texts = bench_corpus.workload(bench_corpus.build_mix(), "mix")
    var = args.out.parent
    with Server(args.workers, var / "soak-gunicorn.log") as server:
        print(f"ready in {server.start():.2f} s; {len(texts)} texts in the mix")
        bench_load.sequential(server.port, texts, len(texts))  # every worker has seen every text once
        maximum = bench_load.wrk(server.port, texts, args.max_seconds, 2 * args.workers, var / "soak-wrk")
        rate = args.fraction * maximum["requests_per_s"]
        print(f"maximum {maximum['requests_per_s']} requests/s ({maximum['errors']} errors); offering {rate:.1f}/s "
              f"for {args.seconds:.0f} s")

        before, samples, result = _rss(server), [], {}
        load = threading.Thread(target=lambda: result.update(
            bench_load.open_loop(server.port, texts, rate, args.seconds, warmup=0.0)))
        started = time.monotonic()
        load.start()
        while load.is_alive():
            load.join(args.sample_every)
            samples.append({"second": round(time.monotonic() - started), "rss_mb": _rss(server)})
            print(f"  {samples[-1]['second']:>4} s  rss MB {samples[-1]['rss_mb']}", flush=True)
        after = _rss(server)
        excerpt = _metrics_excerpt(server.port)

    growth = {pid: round((after[pid] - before[pid]) / before[pid], 4) for pid in before if pid in after}
    restarted = sorted(set(before) ^ set(after))
    report = {"maximum": maximum, "offered_per_s": round(rate, 2), "seconds": args.seconds, "load": result,
              "rss_before_mb": before, "rss_after_mb": after, "rss_growth": growth, "workers_restarted": restarted,
              "samples": samples, "metrics": excerpt}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")

    print(f"\nrequests {result['measured']}, errors {result['errors']}, p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms")
    for pid in before:
        print(f"worker {pid}: rss {before[pid]} -> {after.get(pid)} MB, growth {growth.get(pid, float('nan')):+.1%}")
    print("workers restarted during the soak:", restarted or "none")
    print("\n/metrics after the soak (excerpt):\n" + "\n".join(excerpt))
    print(f"\nwritten to {args.out}")
    passed = result["errors"] == 0 and not restarted and all(value < MAX_GROWTH for value in growth.values())
    print("PASS" if passed else "FAIL: errors, a restarted worker or memory growth of 10% or more")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
