"""The in-process bound: the full classify function with the real model, one process per core, no HTTP."""
import multiprocessing
import queue
import statistics
import time

from service.classify import classify_article
from service.config import DEFAULTS, MODEL_PATH, RECORD_PATH
from service.language import warm_up
from service.model import load_model


def _classify(model, text: str) -> int:
    """What /classify does between parsing and serialising, with the service's limits; returns sentences."""
    result = classify_article(model, text, max_sentences=DEFAULTS["MAX_SENTENCES"],
                              max_terms=DEFAULTS["MAX_EVIDENCE_TERMS"])
    return len(result["sentences"])


def _run(workloads: dict[str, list[str]], seconds: float, barrier, results) -> None:
    """One process: load the model, warm every text once, then for each workload, started together with
    the other processes, classify its texts in turn for `seconds`."""
    model = load_model(MODEL_PATH, RECORD_PATH)
    warm_up()
    for texts in workloads.values():
        for text in texts:
            _classify(model, text)
    for kind, texts in workloads.items():
        barrier.wait()
        durations, sentences = [], 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            before = time.perf_counter()
            sentences += _classify(model, texts[len(durations) % len(texts)])
            durations.append(time.perf_counter() - before)
        results.put((kind, len(durations), sentences, time.perf_counter() - started, durations))


def measure(workloads: dict[str, list[str]], processes: int, seconds: float) -> dict[str, dict]:
    """{kind: articles/s, sentences/s and per-article milliseconds} summed over `processes` processes."""
    context = multiprocessing.get_context("spawn")  # a clean interpreter each, as a gunicorn worker has
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [context.Process(target=_run, args=(workloads, seconds, barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    collected = []
    while len(collected) < processes * len(workloads):
        try:
            collected.append(results.get(timeout=1.0))
        except queue.Empty:
            failed = [worker.exitcode for worker in workers if worker.exitcode]
            if failed:
                barrier.abort()
                raise RuntimeError(f"an in-process benchmark worker failed (exit code {failed[0]})") from None
    for worker in workers:
        worker.join()
    figures = {}
    for kind in workloads:
        runs = [run for run in collected if run[0] == kind]
        durations = sorted(d for run in runs for d in run[4])
        figures[kind] = {
            "processes": processes,
            "articles_per_s": round(sum(run[1] / run[3] for run in runs), 2),
            "sentences_per_s": round(sum(run[2] / run[3] for run in runs), 1),
            "p50_ms": round(1000 * statistics.median(durations), 2),
            "articles": sum(run[1] for run in runs),
        }
    return figures
