"""The benchmark's report: the table `make bench` prints, with each of issue 7's targets met or missed."""

KINDS = ("short", "typical", "long", "mix")
NOISE = 0.05  # a run during which other processes took more of the machine than this is flagged
TARGETS = {"served_ratio": 0.8, "typical_p99_50_ms": 50.0, "long_p50_ms": 100.0, "ready_s": 2.0, "worker_rss_mb": 200}


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def table(report: dict) -> str:
    bound, served = report["in_process"], report["served"]
    lines = [f"framing benchmark: {report['cores']} cores, {report['workers']} workers, model {report['model']}",
             "mix: " + ", ".join(f"{kind} {v['texts']} texts ~{v['mean_chars']} chars"
                                 for kind, v in report["mix"]["kinds"].items()),
             "", f"{'workload':<9}{'sent/art':>9}{'bound art/s':>13}{'sent/s':>9}{'served art/s':>14}"
             f"{'sent/s':>9}{'ratio':>7}{'wrk p50 ms':>12}{'wrk CPU':>9}"]
    for kind in KINDS:
        lines.append(f"{kind:<9}{report['mean_sentences'][kind]:>9}{bound[kind]['articles_per_s']:>13}"
                     f"{bound[kind]['sentences_per_s']:>9}{served[kind]['requests_per_s']:>14}"
                     f"{served[kind]['sentences_per_s']:>9}{served[kind]['ratio']:>7}{served[kind]['p50_ms']:>12}"
                     f"{served[kind]['wrk_cpu_share']:>9.1%}")
    lines.append("served/bound in each round (the table shows each workload's median round): " + "; ".join(
        f"{kind} {served[kind]['ratio_rounds']}" for kind in KINDS if "ratio_rounds" in served[kind]))
    lines += ["", "typical article, open loop (Poisson arrivals), latency from scheduled arrival:"]
    for load, figures in report["typical_latency"].items():
        lines.append(f"  {load:>4} of max = {figures['offered_per_s']:>6}/s  p50 {figures['p50_ms']} ms  "
                     f"p95 {figures['p95_ms']} ms  p99 {figures['p99_ms']} ms  errors {figures['errors']}  "
                     f"(client took {figures['client_cpu_share']:.0%} of the CPU)")
    lines.append("one request at a time: " + ", ".join(
        f"{kind} p50 {v['p50_ms']} ms / p99 {v['p99_ms']} ms" for kind, v in report["idle_latency"].items()))
    ready, memory = report["ready_seconds"], report["memory"]
    lines.append(f"start to /readyz 200: median {ready['median']} s, max {ready['max']} s ({ready['runs']})")
    for when, figures in (("fresh", report["memory_fresh"]), ("after the runs", memory)):
        lines.append(f"memory per worker, {when}: " + ", ".join(
            f"RSS {w['rss_mb']} MB (PSS {w['pss_mb']}, private {w['private_mb']})" for w in figures["workers"])
            + f"; master RSS {figures['master']['rss_mb']} MB")
    lines.append(f"make train: {report['train_seconds']} s (models/framing.json train_seconds)")
    typical_p99, long_p50 = report["typical_latency"]["50%"]["p99_ms"], report["idle_latency"]["long"]["p50_ms"]
    checks = [("served/bound (mix) >= 0.8", served["mix"]["ratio"] >= TARGETS["served_ratio"]),
              ("typical p99 at 50% <= 50 ms", typical_p99 is not None and typical_p99 <= TARGETS["typical_p99_50_ms"]),
              ("long p50 (one at a time) <= 100 ms", long_p50 <= TARGETS["long_p50_ms"]),
              ("ready <= 2 s", ready["max"] <= TARGETS["ready_s"]),
              ("RSS per worker <= 200 MB", memory["max_worker_rss_mb"] <= TARGETS["worker_rss_mb"])]
    lines += ["", "targets: " + "; ".join(f"{name}: {_verdict(ok)}" for name, ok in checks)]
    noisy = {name: share for name, share in report["foreign_cpu_share"].items() if share > NOISE}
    if noisy:
        lines.append(f"WARNING: other processes took this share of the CPU during these runs: {noisy}")
    profiled = report["settings"]["profile"]
    for part, rows in served.get(profiled, {}).get("profile", {}).items():
        lines.append(f"profile of one worker, {profiled} workload, {part}:")
        lines += [f"  {row['share']:6.1%}  {row['frame']}" for row in rows]
    return "\n".join(lines)
