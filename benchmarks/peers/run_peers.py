"""``ep.score`` against its peers (NCT03917797 in polars and in DuckDB SQL) and the sort
floor, in one interleaved run; writes benchmarks/results_peers.md (and .json).

Usage (from the repository root, with the `bench` extra installed)::

    python benchmarks/peers/run_peers.py                          # 100k, 200k, 1M subjects
    python benchmarks/peers/run_peers.py --sizes 100000 200000    # chosen sizes
    python benchmarks/peers/run_peers.py --sizes 1000000 --merge  # add a size to earlier results

Every measurement is one call in a fresh subprocess that loads the size's synthetic
table (benchmarks/synth.py, written once per size to a temporary Parquet file) in its
own form: a pandas frame for ``score`` and the sort floor, a polars DataFrame for the
polars peer, a DuckDB in-memory table for the DuckDB peer. A small slice is scored
first (imports, registry, thread pools, query planning), untimed. Rounds are
interleaved (sort, score, polars, DuckDB; then again, in rotated order), so that a
change of load on the machine hits every measurement alike. Wall time: best and median
over the rounds; CPU time (all threads) of the best round's process is shown beside it.
Extra peak memory: the process's peak RSS during the call (VmHWM, reset just before it)
minus its RSS just before, the largest over the rounds.

Each result table is checked against score's: row count, and a digest of every column
in the order returned (score's order, subject / endpoint / timepoint day, which the
peers produce; tests/test_peers.py checks them row for row). Values are digested at 6
decimals, text columns as text (categorical or not).

Also measured: the latency of a 40-subject trial (median of many calls in one warm
process) for ``score`` and both peers, and ``import endpoints`` in a fresh interpreter
(best and median of N; polars and duckdb imports beside it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = HERE.parent
sys.path.insert(0, str(BENCHMARKS))

from run import _reset_peak, _status, _trim, generate  # noqa: E402  (benchmarks/run.py)
from run import _subprocess as run_script  # noqa: E402

TRIAL = "NCT03917797"
DEFAULT_SIZES = (100_000, 200_000, 1_000_000)
KINDS = ("sort", "score", "polars", "duckdb")
LABELS = {"sort": "sort floor (pandas stable sort)", "score": f"ep.score {TRIAL}",
          "polars": "polars peer", "duckdb": "DuckDB peer"}
REPEAT = 3
MIB = 2**20


# --------------------------------------------------------------------------------------
# worker side
# --------------------------------------------------------------------------------------
def digest(frame) -> str:
    """A digest of a result table, column by column in row order: text as text
    (categoricals decoded, missing as a marker), days and results as integers, values
    rounded to 6 decimals."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    h = hashlib.blake2b(digest_size=16)
    for name in frame.columns:
        column = frame[name]
        h.update(name.encode())
        if name == "day":
            h.update(column.to_numpy(dtype="int64", na_value=np.iinfo(np.int64).min).tobytes())
        elif name == "result":
            h.update(column.astype("Int8").to_numpy(dtype="int8", na_value=-1).tobytes())
        elif name == "value":
            values = np.round(column.to_numpy(dtype="float64", na_value=np.nan), 6) + 0.0
            h.update(np.where(np.isnan(values), np.inf, values).tobytes())
        else:
            if isinstance(column.dtype, pd.CategoricalDtype):
                text = pa.array(column.array).cast(pa.large_string())
            else:
                text = pa.chunked_array(pa.array(column.array)).combine_chunks().cast(
                    pa.large_string())
            text = pc.fill_null(text, "\x00<NA>")
            offsets = np.frombuffer(text.buffers()[1], dtype=np.int64,
                                    count=len(text) + 1, offset=8 * text.offset)
            h.update((offsets - offsets[0]).tobytes())
            h.update(memoryview(text.buffers()[2])[offsets[0]:offsets[-1]])
    return h.hexdigest()


def score_text() -> str:
    """How score holds its low-cardinality text columns now ("categorical" or "string"):
    the peers return the same dtypes, so that building them costs alike."""
    import synth

    import endpoints as ep
    from peers import common

    return common.text_of(ep.score(synth.visit_table(5, seed=5), TRIAL))


def _load(kind: str, path: str):
    """(input in the method's own form, its size in bytes, the call, a warm-up call)."""
    if kind in ("sort", "score"):
        import pandas as pd

        import endpoints as ep

        df = pd.read_parquet(path)
        size = int(df.memory_usage(deep=True).sum())
        if kind == "sort":
            def sort():
                return df.sort_values(["subject_id", "day"], kind="stable")

            return size, sort, sort

        def call(data=df):
            return ep.score(data, TRIAL)

        return size, call, lambda: call(df.iloc[:2000])
    if kind == "polars":
        import polars as pl

        from peers import polars_peer

        data = pl.read_parquet(path)
        timings: dict = {}
        text = score_text()

        def call(frame=data):
            return polars_peer.score(frame, timings=timings, text=text)

        call.timings = timings
        return int(data.estimated_size()), call, lambda: polars_peer.score(data.head(2000))
    if kind == "duckdb":
        import duckdb

        from peers import duckdb_peer

        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TABLE visits AS SELECT * FROM read_parquet('{path}')")
        size = con.sql("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0]
        timings = {}
        text = score_text()

        def call():
            return duckdb_peer.score(con.table("visits"), timings=timings, text=text)

        call.timings = timings
        return int(size), call, lambda: duckdb_peer.score(
            con.sql("SELECT * FROM visits LIMIT 2000"))
    raise ValueError(kind)


def worker(job: dict) -> dict:
    warnings.simplefilter("ignore")
    kind = job["kind"]
    input_bytes, call, warm_up = _load(kind, job["data"])
    warm_up()
    _trim()
    before = _status("VmRSS")
    _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    out = call()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    extra = _status("VmHWM") - before
    from peers import common

    record = {"seconds": seconds, "cpu_seconds": cpu, "extra_peak_bytes": extra,
              "input_bytes": input_bytes, "out_rows": len(out),
              "parts": dict(getattr(call, "timings", {}))}
    if kind != "sort":
        record["text"] = common.text_of(out)
    if kind != "sort":
        record["digest"] = digest(out)
    return record


def latency(job: dict) -> dict:
    """Median wall time of `calls` calls scoring a `subjects`-subject table."""
    import pandas as pd

    warnings.simplefilter("ignore")
    import synth

    table = synth.visit_table(job["subjects"], seed=job["subjects"])
    kind = job["kind"]
    if kind == "score":
        import endpoints as ep

        def call():
            return ep.score(table, TRIAL)
    elif kind == "polars":
        import polars as pl

        from peers import polars_peer

        frame = pl.from_pandas(table)
        text = score_text()

        def call():
            return polars_peer.score(frame, text=text)
    else:
        import duckdb

        from peers import duckdb_peer

        con = duckdb.connect()
        con.register("frame", table)
        con.execute("CREATE TABLE visits AS SELECT * FROM frame")
        text = score_text()

        def call():
            return duckdb_peer.score(con.table("visits"), text=text)
    for _ in range(5):
        call()
    times = []
    for _ in range(job["calls"]):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    times.sort()
    return {"median": statistics.median(times), "p10": times[len(times) // 10],
            "p90": times[len(times) * 9 // 10], "calls": len(times),
            "rows": len(pd.DataFrame(call()))}


# --------------------------------------------------------------------------------------
# driver side
# --------------------------------------------------------------------------------------
def _subprocess(args: list[str]) -> dict:
    return run_script(args, script=__file__)


def import_times(runs: int) -> dict:
    out = {}
    for module in ("endpoints", "polars", "duckdb"):
        code = (f"import time; t = time.perf_counter(); import {module}; "
                "print(time.perf_counter() - t)")
        times = []
        for _ in range(runs):
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  cwd=BENCHMARKS.parent, check=True)
            times.append(float(proc.stdout.strip().splitlines()[-1]))
        out[module] = {"best": min(times), "median": statistics.median(times), "runs": runs}
    return out


def run(sizes: list[int], repeat: int, log=print) -> list[dict]:
    records = []
    with tempfile.TemporaryDirectory(prefix="endpoints-peers-") as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"visits_{n}.parquet")
            made = _subprocess(["--generate", str(n), path])
            log(f"[{n:,} subjects] generated {made['rows']:,} rows in {made['seconds']:.1f}s")
            for round_ in range(repeat):
                kinds = KINDS[round_ % len(KINDS):] + KINDS[:round_ % len(KINDS)]
                for kind in kinds:
                    rec = {"subjects": n, "rows": made["rows"], "kind": kind, "round": round_}
                    try:
                        rec.update(_subprocess(["--worker", json.dumps(
                            {"kind": kind, "data": path})]))
                    except RuntimeError as error:
                        rec["error"] = str(error)
                        log(f"[{n:,} subjects] round {round_ + 1} {LABELS[kind]:<32} FAILED "
                            f"{str(error)[:300]}")
                        records.append(rec)
                        continue
                    records.append(rec)
                    log(f"[{n:,} subjects] round {round_ + 1} {LABELS[kind]:<32} "
                        f"{rec['seconds']:8.2f}s (cpu {rec['cpu_seconds']:6.1f}s) extra peak "
                        f"{rec['extra_peak_bytes'] / MIB:7.0f} MiB")
            os.remove(path)
    return records


def summarize(records: list[dict]) -> list[dict]:
    """One row per size and method: best / median over the rounds, largest extra peak."""
    rows = []
    for n in sorted({r["subjects"] for r in records}):
        for kind in KINDS:
            runs = [r for r in records if r["subjects"] == n and r["kind"] == kind]
            done = [r for r in runs if "error" not in r]
            if not runs:
                continue
            row = {"subjects": n, "kind": kind, "rows": runs[0]["rows"], "rounds": len(done),
                   "failed": len(runs) - len(done)}
            if done:
                best = min(done, key=lambda r: r["seconds"])
                row.update(best=best["seconds"], cpu=best["cpu_seconds"],
                           median=statistics.median(r["seconds"] for r in done),
                           first=min(done, key=lambda r: r["round"])["seconds"],
                           peak=max(r["extra_peak_bytes"] for r in done),
                           input=best["input_bytes"], out_rows=best["out_rows"],
                           digests=sorted({r.get("digest") for r in done} - {None}),
                           parts=best.get("parts") or {})
            else:
                row["error"] = runs[0]["error"]
            rows.append(row)
    return rows


def machine(loads: tuple) -> str:
    import duckdb
    import numpy
    import pandas
    import polars
    import pyarrow

    cpu = "unknown CPU"
    memory = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith(
                "model name"))
        with open("/proc/meminfo") as fh:
            kib = int(next(line.split()[1] for line in fh if line.startswith("MemTotal")))
            memory = f", {kib / 2**20:.0f} GiB memory"
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs{memory}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, pandas "
            f"{pandas.__version__}, numpy {numpy.__version__}, pyarrow {pyarrow.__version__}, "
            f"polars {polars.__version__} ({polars.thread_pool_size()} threads), duckdb "
            f"{duckdb.__version__}. Load average before the run {loads[0]}, after it "
            f"{loads[1]} (a shared machine: other jobs ran at the same time).")


def texts(records: list[dict]) -> str:
    found = sorted({r["text"] for r in records if "text" in r})
    return " / ".join({"categorical": "pandas categoricals", "string": "`string`"}[t]
                      for t in found) or "(not recorded)"


def report(records: list[dict], extra: dict, loads: tuple) -> str:
    rows = summarize(records)
    head = ("| subjects | rows | measurement | best s | median s | CPU s (best run) "
            "| query s / to pandas s | extra peak MiB | input MiB (own form) "
            "| time / score (best) | time / score (median) | rows out | same as score |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for row in rows:
        if "best" not in row:
            lines.append(f"| {row['subjects']:,} | {row['rows']:,} | {LABELS[row['kind']]} "
                         f"| failed: {row['error'].splitlines()[0][:80]} |" + " |" * 9)
            continue
        score = next((r for r in rows if r["subjects"] == row["subjects"]
                      and r["kind"] == "score" and "best" in r), None)
        ratio = ratio_median = same = ""
        if score and row["kind"] != "score":
            ratio = f"{row['best'] / score['best']:.2f}x"
            ratio_median = f"{row['median'] / score['median']:.2f}x"
        if score and row["kind"] in ("polars", "duckdb"):
            same = ("yes" if row["digests"] == score["digests"] and len(row["digests"]) == 1
                    and row["out_rows"] == score["out_rows"] else "**NO**")
        elif row["kind"] == "score":
            same = "(reference)" if len(row["digests"]) == 1 else "**differs between rounds**"
        parts = row["parts"]
        split = (f"{parts['query']:.2f} / {parts['to_pandas']:.2f}" if parts else "")
        lines.append(
            f"| {row['subjects']:,} | {row['rows']:,} | {LABELS[row['kind']]} "
            f"| {row['best']:.2f} | {row['median']:.2f} | {row['cpu']:.1f} | {split} "
            f"| {row['peak'] / MIB:,.0f} | {row['input'] / MIB:,.0f} | {ratio} | {ratio_median} "
            f"| {row['out_rows']:,} | {same} |")
    text = [
        "# ep.score against its peers (NCT03917797)", "",
        "Generated by `python benchmarks/peers/run_peers.py` (see benchmarks/README.md). "
        "Synthetic visit tables of benchmarks/synth.py (~12.7 visits per subject, shuffled "
        "rows, 3% missing values, missed visits, days off schedule). Each measurement is one "
        "call in a fresh process, rounds interleaved; *best* / *median* over the rounds; "
        "*CPU s* all threads of the best round's process; *extra peak* the peak RSS during "
        "the call minus the RSS before it (largest over the rounds); *input* the table in "
        "the method's own form (pandas `memory_usage(deep=True)`, polars "
        "`estimated_size()`, DuckDB `duckdb_memory()`). The peers' time includes the "
        "conversion of their result to pandas (split in *query / to pandas*). *Same as "
        "score*: row count and digest of every column (text, days, results, values at 6 "
        "decimals) in the order returned. The low-cardinality text columns (trial_id, "
        "endpoint, timepoint, category, reason) come back as "
        f"{texts(records)} from every method: the peers return the representation score "
        "returns.", "",
        "\n".join(lines), "",
        "## Small trial and import", "",
        "| measurement | median ms | p10 ms | p90 ms | calls |", "|---|---|---|---|---|",
    ]
    for kind, lat in extra.get("latency", {}).items():
        text.append(f"| {LABELS[kind]}, {extra['latency_subjects']} subjects "
                    f"| {lat['median'] * 1e3:.1f} | {lat['p10'] * 1e3:.1f} "
                    f"| {lat['p90'] * 1e3:.1f} | {lat['calls']} |")
    text += ["", "| import in a fresh interpreter | best ms | median ms | runs |",
             "|---|---|---|---|"]
    for module, imp in extra.get("imports", {}).items():
        text.append(f"| `import {module}` | {imp['best'] * 1e3:.0f} | {imp['median'] * 1e3:.0f} "
                    f"| {imp['runs']} |")
    text += ["", "## Machine", "", machine(loads), ""]
    return "\n".join(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeat", type=int, default=REPEAT,
                        help=f"interleaved rounds per size (default {REPEAT})")
    parser.add_argument("--latency-subjects", type=int, default=40)
    parser.add_argument("--latency-calls", type=int, default=200)
    parser.add_argument("--import-runs", type=int, default=10)
    parser.add_argument("--merge", action="store_true",
                        help="keep earlier results (results_peers.json) for sizes not run now")
    parser.add_argument("--output", type=Path, default=BENCHMARKS / "results_peers.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--latency", help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    if args.latency:
        print(json.dumps(latency(json.loads(args.latency))))
        return
    if args.generate:
        print(json.dumps(generate(int(args.generate[0]), args.generate[1])))
        return
    loads = [os.getloadavg()]
    store = args.output.with_suffix(".json")
    earlier = json.loads(store.read_text()) if args.merge and store.exists() else {}
    extra = {"latency_subjects": args.latency_subjects, "latency": {}}
    for kind in ("score", "polars", "duckdb"):
        extra["latency"][kind] = _subprocess(["--latency", json.dumps(
            {"kind": kind, "subjects": args.latency_subjects,
             "calls": args.latency_calls})])
        print(f"latency {LABELS[kind]}: {extra['latency'][kind]['median'] * 1e3:.1f} ms")
    extra["imports"] = import_times(args.import_runs)
    print("imports:", {m: round(v["best"], 3) for m, v in extra["imports"].items()})
    records = run(args.sizes, args.repeat)
    records = [r for r in earlier.get("records", []) if r["subjects"] not in set(args.sizes)
               ] + records
    loads.append(os.getloadavg())
    loads = tuple(", ".join(f"{x:.2f}" for x in load) for load in loads)
    store.write_text(json.dumps({"records": records, "extra": extra, "loads": loads}, indent=1))
    text = report(records, extra, loads)
    args.output.write_text(text)
    print()
    print(text)


if __name__ == "__main__":
    main()
