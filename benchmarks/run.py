"""Benchmark ``ep.score`` against the floor (one stable sort) and a naive per-subject
pandas implementation; write benchmarks/results.md.

Usage (from the repository root)::

    python benchmarks/run.py                                  # 10k, 100k and 1M subjects
    python benchmarks/run.py --sizes 10000 100000 200000      # any sizes
    python benchmarks/run.py --sizes 1000000 --merge          # add a size to earlier results
    python benchmarks/run.py --profile 200000                 # cProfile of score, 200k subjects

Every measurement runs in a fresh subprocess that loads the same synthetic table (written
once per size to a temporary Parquet file), so timings and peak memory are not polluted
by earlier measurements. Wall time is the best of ``--repeat`` runs; extra peak memory
is the process's peak resident set size during the first run (the kernel's high-water
mark, reset just before the call via /proc/self/clear_refs) minus its resident size just
before the call, i.e. the memory the call needs on top of its input.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import gc
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
NAIVE_SIZE = 10_000
REPEAT = 3
TARGET_TRIAL = "NCT03917797"
MIB = 2**20


# --------------------------------------------------------------------------------------
# worker side: one measurement per process
# --------------------------------------------------------------------------------------
def _status(field: str) -> int:
    """A VmRSS/VmHWM line of /proc/self/status, in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)


def _trim() -> None:
    """Return freed memory to the OS (Python, Arrow's pool, glibc), for a clean baseline."""
    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except ImportError:
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc
        pass


def _operation(kind: str, trial: str | None):
    import endpoints as ep

    if kind == "sort":
        return lambda df: df.sort_values(["subject_id", "day"], kind="stable")
    if kind == "score":
        return lambda df: ep.score(df, trial)
    if kind == "naive":
        import naive

        return naive.score_naive
    raise ValueError(kind)


def worker(job: dict) -> dict:
    import pandas as pd

    import endpoints as ep

    warnings.simplefilter("ignore", ep.EndpointsWarning)
    df = pd.read_parquet(job["data"])
    op = _operation(job["kind"], job.get("trial"))
    if job["kind"] == "score":  # imports, registry and TOML parsing are not scoring
        op(df.iloc[:2000])
    input_bytes = int(df.memory_usage(deep=True).sum())
    times, extra = [], None
    for i in range(job["repeat"]):
        if i == 0:  # a clean baseline for the peak memory, which the first run measures
            _trim()
            before = _status("VmRSS")
            _reset_peak()
        start = time.perf_counter()
        out = op(df)
        times.append(time.perf_counter() - start)
        if i == 0:
            extra = _status("VmHWM") - before
            n_out = len(out)
        del out
    return {"rows": len(df), "input_bytes": input_bytes, "seconds": min(times),
            "all_seconds": times, "extra_peak_bytes": extra, "out_rows": n_out}


def generate(n_subjects: int, path: str) -> dict:
    import synth

    start = time.perf_counter()
    df = synth.visit_table(n_subjects, seed=n_subjects)
    df.to_parquet(path, index=False)
    return {"rows": len(df), "seconds": time.perf_counter() - start}


# --------------------------------------------------------------------------------------
# driver side
# --------------------------------------------------------------------------------------
#: allocator settings that keep freed memory in the process (glibc heap, Arrow through
#: glibc), for ``--keep-memory``: a diagnostic of first-touch memory costs
KEEP_MEMORY = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(2**40),
               "ARROW_DEFAULT_MEMORY_POOL": "system"}


def _subprocess(args: list[str], env: dict | None = None, script: str = __file__) -> dict:
    """Run `script` (this one by default) in a fresh interpreter; its last output line,
    read as JSON."""
    proc = subprocess.run([sys.executable, str(Path(script).resolve()), *args],
                          capture_output=True, text=True, cwd=HERE,
                          env={**os.environ, **(env or {})})
    if proc.returncode:
        killed = " (killed: out of memory?)" if proc.returncode == -9 else ""
        raise RuntimeError(f"exit code {proc.returncode}{killed}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(job: dict, env: dict | None = None) -> dict:
    return _subprocess(["--worker", json.dumps(job)], env)


def _label(rec: dict) -> str:
    return {"sort": "sort floor", "naive": f"naive groupby.apply {TARGET_TRIAL}"}.get(
        rec["kind"], f"score {rec.get('trial')}")


def run(sizes: list[int], trials: list[str], naive_size: int, repeat: int | None,
        log=print, env: dict | None = None) -> list[dict]:
    records = []
    with tempfile.TemporaryDirectory(prefix="endpoints-bench-") as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"visits_{n}.parquet")
            made = _subprocess(["--generate", str(n), path])
            log(f"[{n:,} subjects] generated {made['rows']:,} rows in {made['seconds']:.1f}s")
            reps = repeat or REPEAT  # the same at every size: ratios compare like with like
            jobs = [{"kind": "sort"}] + [{"kind": "score", "trial": t} for t in trials]
            if n == naive_size:
                jobs.append({"kind": "naive", "trial": TARGET_TRIAL})
            for job in jobs:
                job = {**job, "data": path, "repeat": 1 if job["kind"] == "naive" else reps}
                rec = {"subjects": n, "kind": job["kind"], "trial": job.get("trial")}
                try:
                    rec.update(measure(job, env))
                except RuntimeError as error:  # e.g. out of memory: report, go on
                    records.append({**rec, "rows": made["rows"], "error": str(error)})
                    log(f"[{n:,} subjects] {_label(rec):<40} FAILED {error}")
                    continue
                records.append(rec)
                log(f"[{n:,} subjects] {_label(rec):<40} {rec['seconds']:9.3f}s  "
                    f"extra peak {rec['extra_peak_bytes'] / MIB:8.0f} MiB")
            os.remove(path)
    return records


def _find(records: list[dict], n: int, kind: str, trial: str | None = None) -> dict | None:
    for rec in records:
        if (rec["subjects"] == n and rec["kind"] == kind and trial in (None, rec["trial"])
                and "error" not in rec):
            return rec
    return None


def table(records: list[dict]) -> str:
    head = ("| subjects | rows | input MiB | measurement | wall s | first run s | rows/s "
            "| extra peak MiB "
            "| extra peak / input | score / sort | naive / score |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for rec in sorted(records, key=lambda r: (r["subjects"], ["sort", "score", "naive"].index(
            r["kind"]), r["trial"] or "")):
        if "error" in rec:
            lines.append(f"| {rec['subjects']:,} | {rec['rows']:,} | | {_label(rec)} "
                         f"| failed: {rec['error'].splitlines()[0][:60]} | | | | | | |")
            continue
        sort = _find(records, rec["subjects"], "sort")
        vs_sort = vs_score = ""
        if rec["kind"] == "score" and sort:
            vs_sort = f"{rec['seconds'] / sort['seconds']:.1f}x"
        if rec["kind"] == "naive":
            ref = _find(records, rec["subjects"], "score", rec["trial"])
            vs_score = f"{rec['seconds'] / ref['seconds']:.0f}x" if ref else ""
        lines.append(
            f"| {rec['subjects']:,} | {rec['rows']:,} | {rec['input_bytes'] / MIB:,.0f} "
            f"| {_label(rec)} | {rec['seconds']:.3f} | {rec['all_seconds'][0]:.3f} "
            f"| {rec['rows'] / rec['seconds']:,.0f} "
            f"| {rec['extra_peak_bytes'] / MIB:,.0f} "
            f"| {rec['extra_peak_bytes'] / rec['input_bytes']:.2f} | {vs_sort} | {vs_score} |")
    return "\n".join(lines)


def targets(records: list[dict]) -> str:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    out = ["| target | measured | verdict |", "|---|---|---|"]
    score = _find(records, 200_000, "score", TARGET_TRIAL)
    sort = _find(records, 200_000, "sort")
    if score and sort:
        r = score["seconds"] / sort["seconds"]
        out.append(f"| 200k subjects: score({TARGET_TRIAL}) <= 10x the sort floor "
                   f"| {r:.1f}x | {verdict(r <= 10)} |")
    else:
        out.append(f"| 200k subjects: score({TARGET_TRIAL}) <= 10x the sort floor "
                   "| not measured (add --sizes 200000) | |")
    naive_rec = _find(records, NAIVE_SIZE, "naive")
    score = _find(records, NAIVE_SIZE, "score", TARGET_TRIAL)
    if naive_rec and score:
        r = naive_rec["seconds"] / score["seconds"]
        out.append(f"| 10k subjects: score >= 100x faster than naive | {r:.0f}x "
                   f"| {verdict(r >= 100)} |")
    scores = [r for r in records if r["kind"] == "score" and "error" not in r]
    if scores:
        worst = max(scores, key=lambda r: r["extra_peak_bytes"] / r["input_bytes"])
        r = worst["extra_peak_bytes"] / worst["input_bytes"]
        out.append(f"| extra peak memory <= 4x the input frame (worst score run: "
                   f"{worst['trial']}, {worst['subjects']:,} subjects) | {r:.2f}x "
                   f"| {verdict(r <= 4)} |")
    for trial in sorted({r["trial"] for r in scores}, key=lambda t: t != TARGET_TRIAL):
        big = _find(records, 1_000_000, "score", trial)
        small = _find(records, 100_000, "score", trial)
        if big and small:
            r = big["seconds"] / small["seconds"]
            if trial == TARGET_TRIAL:
                out.append(f"| score({trial}): time at 1M <= 12x time at 100k | {r:.1f}x "
                           f"| {verdict(r <= 12)} |")
                first = big["all_seconds"][0] / small["all_seconds"][0]
                out.append(f"| score({trial}): first run at 1M / first run at 100k (shown "
                           f"alongside) | {first:.1f}x | |")
            else:  # the target is set for TARGET_TRIAL; the others are shown alongside
                out.append(f"| score({trial}): time at 1M / time at 100k (no target) "
                           f"| {r:.1f}x | |")
    if not (_find(records, 1_000_000, "score") and _find(records, 100_000, "score")):
        out.append("| time at 1M <= 12x time at 100k | not measured (sizes 100000 and 1000000) "
                   "| |")
    return "\n".join(out)


def environment() -> str:
    import numpy
    import pandas

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"Python {platform.python_version()}, pandas {pandas.__version__}, numpy "
            f"{numpy.__version__}, {os.cpu_count()} CPUs, load average at the end "
            f"{load} (a shared machine: wall times are noisy).")


def report(records: list[dict], keep_memory: bool = False) -> str:
    allocators = (
        " Measured with `--keep-memory`: allocators that keep freed memory in the process "
        f"({', '.join(f'{k}={v}' for k, v in KEEP_MEMORY.items())}), a diagnostic of "
        "first-touch memory costs." if keep_memory else "")
    return "\n".join([
        "# endpoints benchmark results",
        "",
        "Generated by `python benchmarks/run.py` (see benchmarks/README.md). Synthetic visit "
        "tables: ~13 visits per subject, shuffled rows, 3% missing values, every column the "
        "built-in trials read. Wall time is the best of the repeats (*first run*: the first "
        "of them); *extra peak* is the peak RSS during the first run minus the RSS before "
        "it, in a fresh process per measurement; *input* is the frame's "
        "`memory_usage(deep=True)`." + allocators,
        "",
        table(records),
        "",
        "## Targets",
        "",
        targets(records),
        "",
        environment(),
        "",
    ])


def profile(n_subjects: int, trial: str, out: Path, top: int = 30) -> str:
    import synth

    import endpoints as ep

    warnings.simplefilter("ignore", ep.EndpointsWarning)
    df = synth.visit_table(n_subjects, seed=n_subjects)
    ep.score(df.iloc[:2000], trial)
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    ep.score(df, trial)
    prof.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(prof)
    # time spent in each of the library's functions, including what they call (cumulative)
    rows = []
    for (file, line, func), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
        rows.append((ct, tt, f"{_short(file)}:{line}({func})"))
    lib = sorted((r for r in rows if "endpoints" in r[2]), reverse=True)[:top]
    own = sorted(rows, key=lambda r: r[1], reverse=True)[:top]
    text = [f"cProfile of ep.score(visits, {trial!r}): {n_subjects:,} subjects, {len(df):,} rows,",
            f"{wall:.2f}s wall under the profiler.", "",
            "## Library functions by cumulative time (including callees)", "",
            "| cumulative s | share | function |", "|---|---|---|"]
    total = max(ct for ct, _, name in rows if name.endswith("(score)") and "engine" in name)
    text += [f"| {ct:.2f} | {ct / total:.0%} | `{name}` |" for ct, _tt, name in lib]
    text += ["", "## All functions by own time (excluding callees)", "",
             "| own s | share | function |", "|---|---|---|"]
    text += [f"| {tt:.2f} | {tt / total:.0%} | `{name}` |" for _ct, tt, name in own]
    text += ["", "## Who calls the top non-library functions (own time per direct caller)", ""]
    for key in sorted(stats.stats, key=lambda k: stats.stats[k][2], reverse=True)[:12]:
        if "endpoints" in key[0]:
            continue
        callers = sorted(stats.stats[key][4].items(), key=lambda kv: kv[1][2], reverse=True)
        via = ", ".join(f"`{_short(c[0])}:{c[1]}({c[2]})` {v[2]:.2f}s" for c, v in callers[:3])
        text.append(f"- `{_short(key[0])}:{key[1]}({key[2]})`: {via}")
    out.write_text("\n".join(text) + "\n")
    return "\n".join(text)


def _short(file: str) -> str:
    for marker in ("site-packages/", "src/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="numbers of subjects (default: 10000 100000 1000000)")
    parser.add_argument("--trials", nargs="+", default=None,
                        help="trial IDs to score (default: ep.list_trials())")
    parser.add_argument("--naive-size", type=int, default=NAIVE_SIZE,
                        help="size at which the naive implementation is measured")
    parser.add_argument("--repeat", type=int, default=None,
                        help=f"timing repeats at every size (default: {REPEAT})")
    parser.add_argument("--keep-memory", action="store_true",
                        help="measure with allocators that keep freed memory in the process "
                             "(a diagnostic of first-touch memory costs, not the default)")
    parser.add_argument("--merge", action="store_true",
                        help="keep earlier results (results.json) for sizes not run now")
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--profile", type=int, metavar="SUBJECTS",
                        help="profile score at this size instead of benchmarking")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    if args.generate:
        print(json.dumps(generate(int(args.generate[0]), args.generate[1])))
        return
    if args.profile:
        print(profile(args.profile, TARGET_TRIAL, HERE / f"profile_{args.profile}.md"))
        return
    import endpoints as ep

    trials = args.trials or ep.list_trials()
    records = run(args.sizes, trials, args.naive_size, args.repeat,
                  env=KEEP_MEMORY if args.keep_memory else None)
    store = args.output.with_suffix(".json")
    if args.merge and store.exists():
        earlier = json.loads(store.read_text())
        records = [r for r in earlier if r["subjects"] not in set(args.sizes)] + records
    store.write_text(json.dumps(records, indent=1))
    text = report(records, args.keep_memory)
    args.output.write_text(text)
    print()
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
