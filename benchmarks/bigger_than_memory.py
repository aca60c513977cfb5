"""Score a Parquet dataset larger than the memory allowed: the CLI's ``--engine dask``
under a hard memory limit; write benchmarks/results_dask.md (raw numbers in the .json
beside it).

Usage (from the repository root)::

    python benchmarks/bigger_than_memory.py                          # 5,000,000 subjects, 4 GiB
    python benchmarks/bigger_than_memory.py --subjects 200000 --output /tmp/dask_small.md

Steps:

1. A synthetic NCT03917797 visit table (``synth.visit_table``, ~13 visits per subject) is
   written as a Parquet dataset, one file per chunk of ``--chunk`` subjects, generated
   one chunk at a time (the whole table is never in memory). Every chunk has its own seed
   and its subject IDs get the chunk's prefix (``P00042-S0000007``), so IDs are unique.
2. ``endpoints score DATASET --trial NCT03917797 --engine dask --output OUT`` runs in a
   subprocess whose address space is capped with ``RLIMIT_AS`` (``--memory-limit``): a
   hard limit (an allocation past it fails with MemoryError) on *virtual* memory, which
   is larger than resident memory, so it is stricter than a limit on RSS. Arrow is sent
   to the system allocator and glibc is held to 2 arenas, since mimalloc and per-thread
   arenas reserve address space they never touch. The limit is per process; the CLI
   runs as one process (dask's threaded scheduler). It needs neither privileges nor
   systemd, unlike a cgroup limit (``systemd-run --scope -p MemoryMax=4G``).
3. Meanwhile the resident memory of the subprocess and all its descendants is summed
   every 0.1 s (psutil, which comes with dask's ``distributed``): the peak of that sum
   is reported, beside the kernel's peak RSS of the largest single descendant
   (``getrusage(RUSAGE_CHILDREN).ru_maxrss``), and the peak size of the files dask's
   disk shuffle writes (polled every second).
4. The output is checked: its row count is subjects x the endpoint-timepoint pairs per
   subject (taken from scoring a small pandas table), and the rows of a sample of
   subjects, read back with a filter, equal the pandas ``ep.score`` of their visits.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq

import endpoints as ep
from endpoints.results import TEXT  # the result's text columns, categoricals or not

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402  (benchmarks/ is not a package)

TRIAL = "NCT03917797"
GIB, MIB = 2**30, 2**20
#: environment of the scoring subprocess: allocators that do not reserve address space
#: they do not use (see the module docstring)
LIMITED_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def parse_bytes(text: str) -> int:
    """``4GiB``, ``512MiB``, ``4G`` or a number of bytes.

    Examples
    --------
    >>> parse_bytes("4GiB"), parse_bytes("512M"), parse_bytes("1000")
    (4294967296, 536870912, 1000)
    """
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    power = " KMGT".index(match[2].upper() or " ")
    return int(float(match[1]) * 1024**power)


def subject_prefix(chunk: int) -> str:
    """The prefix of the subject IDs of chunk number `chunk`."""
    return f"P{chunk:05d}-"


def write_dataset(folder: Path, subjects: int, chunk: int) -> dict:
    """Write the synthetic visit table to `folder`, one Parquet file per chunk of
    `chunk` subjects; return rows, files, and the pandas size of the first chunk."""
    folder.mkdir(parents=True)
    rows = files = 0
    first_bytes = first_rows = None
    for number, start in enumerate(range(0, subjects, chunk)):
        frame = synth.visit_table(min(chunk, subjects - start), seed=number)
        frame["subject_id"] = subject_prefix(number) + frame["subject_id"]
        if first_bytes is None:
            first_bytes = int(frame.memory_usage(deep=True).sum())
            first_rows = len(frame)
        frame.to_parquet(folder / f"part.{number:05d}.parquet", index=False)
        rows += len(frame)
        files += 1
        print(f"  file {files}: {min(start + chunk, subjects):,} subjects", flush=True)
    return {"rows": rows, "files": files, "pandas_bytes_per_row": first_bytes / first_rows,
            "pandas_bytes_measured_rows": first_rows}


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under `folder` (a file deleted meanwhile is not counted)."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


def limit_address_space(limit: int):
    """A ``preexec_fn`` capping the child's address space at `limit` bytes."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return cap


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of `process` and all its descendants (0 once it has ended)."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run_limited(command: list[str], limit: int, work: Path) -> dict:
    """Run `command` under the address-space `limit`, its output to ``work/score.log``
    and dask's shuffle files to ``work/tmp``, polling the resident memory of its process
    tree and the size of the shuffle files; return exit code, wall and CPU time, peaks."""
    spill = work / "tmp"
    spill.mkdir()
    env = {**os.environ, **LIMITED_ENV, "DASK_TEMPORARY_DIRECTORY": str(spill)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(work / "score.log", "w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                 preexec_fn=limit_address_space(limit))
        process, peak, peak_spill, polls = psutil.Process(child.pid), 0, 0, 0
        while child.poll() is None:
            peak = max(peak, tree_rss(process))
            if polls % 10 == 0:  # once a second
                peak_spill = max(peak_spill, folder_bytes(spill))
            polls += 1
            time.sleep(0.1)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"returncode": child.returncode, "wall_s": wall, "cpu_s": cpu,
            "peak_tree_rss_bytes": peak, "peak_single_rss_bytes": after.ru_maxrss * 1024,
            "peak_shuffle_disk_bytes": peak_spill}


def rows_per_subject() -> int:
    """Endpoint-timepoint rows of the trial per subject, from a small pandas table."""
    n = 50
    results = ep.score(synth.visit_table(n, seed=12345), TRIAL)
    assert len(results) % n == 0 and results["subject_id"].nunique() == n
    return len(results) // n


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in subject, endpoint, timepoint order; text columns as plain strings, so
    categoricals and Parquet's string types compare equal."""
    frame = frame.astype({c: "string" for c in TEXT})
    return frame.sort_values(["subject_id", "endpoint", "timepoint"]).reset_index(drop=True)


def check_sample(dataset: Path, output: Path, sample: list[str]) -> int:
    """Compare the dask output of the `sample` subjects with the pandas score of their
    visits (both read back with a filter); return the number of rows compared."""
    visits = pd.read_parquet(dataset, filters=[("subject_id", "in", sample)])
    assert set(visits["subject_id"]) == set(sample), "sample subjects missing from the data"
    expected = canonical(ep.score(visits, TRIAL))
    got = canonical(pd.read_parquet(output, filters=[("subject_id", "in", sample)]))
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    return len(got)


def machine() -> dict:
    with open("/proc/meminfo") as fh:
        total_kib = int(fh.readline().split()[1])
    with open("/proc/cpuinfo") as fh:
        names = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
    return {"cores": os.cpu_count(), "ram_gib": round(total_kib / 2**20, 1),
            "cpu": names[0] if names else platform.machine(), "python": platform.python_version(),
            "platform": platform.platform()}


def versions() -> dict:
    import dask
    import pyarrow

    return {"endpoints": ep.__version__, "pandas": pd.__version__, "dask": dask.__version__,
            "pyarrow": pyarrow.__version__}


def dask_setup() -> dict:
    """How the CLI's dask run is set up: scheduler, threads, shuffle method (that of
    this environment, without a distributed client, as in the CLI)."""
    import dask
    from dask.utils import get_default_shuffle_method

    return {"scheduler": dask.config.get("scheduler", "threads"), "threads": os.cpu_count(),
            "shuffle": get_default_shuffle_method(), "endpoints_source": ep.__file__}


def run(args: argparse.Namespace) -> dict:
    import dask.dataframe as dd

    work = args.workdir
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    dataset, output = work / "visits", work / "scores.parquet"  # the CLI wants a suffix
    print(f"writing {args.subjects:,} subjects to {dataset}")
    started = time.perf_counter()
    data = write_dataset(dataset, args.subjects, args.chunk)
    data["generate_s"] = time.perf_counter() - started
    data["disk_bytes"] = folder_bytes(dataset)
    data["pandas_bytes_scaled"] = data["pandas_bytes_per_row"] * data["rows"]
    partitions_in = dd.read_parquet(dataset).npartitions  # as the CLI reads it

    command = [sys.executable, "-m", "endpoints.cli", "score", str(dataset), "--trial", TRIAL,
               "--engine", "dask", "--output", str(output)]
    print("scoring:", " ".join(command))
    scoring = run_limited(command, args.memory_limit, work)
    log = (work / "score.log").read_text()
    result = {"subjects": args.subjects, "chunk": args.chunk, "trial": TRIAL, "data": data,
              "partitions_in": partitions_in, "command": command,
              "limit": {"bytes": args.memory_limit, "mechanism": "RLIMIT_AS (setrlimit in "
                        "the child's preexec_fn)", "env": LIMITED_ENV},
              "scoring": scoring, "log_tail": log.splitlines()[-5:],
              "machine": machine(), "versions": versions(), "dask": dask_setup()}
    if scoring["returncode"] != 0:
        return result

    files = sorted(output.glob("*.parquet"))
    per_subject = rows_per_subject()
    out_rows = sum(pq.read_metadata(f).num_rows for f in files)
    step = max(1, data["files"] // args.sample)
    sample = [subject_prefix(n) + "S0000007" for n in range(0, data["files"], step)]
    result["check"] = {
        "partitions_out": len(files), "rows_out": out_rows, "rows_per_subject": per_subject,
        "rows_expected": args.subjects * per_subject,
        "rows_ok": out_rows == args.subjects * per_subject,
        "output_disk_bytes": folder_bytes(output), "sample_subjects": len(sample),
        "sample_rows_equal_pandas": check_sample(dataset, output, sample),
    }
    return result


def mib(n: float) -> str:
    return f"{n / MIB:,.0f} MiB"


def report(r: dict, reproduce: str) -> str:
    data, s, m = r["data"], r["scoring"], r["machine"]
    rows = data["rows"]
    lines = [
        "# Scoring a dataset larger than memory (dask)",
        "",
        f"Generated by `{reproduce}` (benchmarks/bigger_than_memory.py; see "
        "benchmarks/README.md). Machine: "
        f"{m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in r["versions"].items()) + ".",
        "",
        f"`endpoints score DATASET --trial {r['trial']} --engine dask --output OUT` in a "
        f"subprocess limited to **{r['limit']['bytes'] / GIB:g} GiB** of address space "
        f"({r['limit']['mechanism']}; environment "
        + ", ".join(f"`{k}={v}`" for k, v in r["limit"]["env"].items()) + ").",
        "",
        f"dask: {r['dask']['scheduler']} scheduler, {r['dask']['threads']} threads, "
        f"shuffle method `{r['dask']['shuffle']}`; `endpoints` imported from "
        f"`{r['dask']['endpoints_source']}`.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| subjects | {r['subjects']:,} |",
        f"| visit rows | {rows:,} |",
        f"| dataset on disk (Parquet, {data['files']} files of {r['chunk']:,} subjects) "
        f"| {mib(data['disk_bytes'])} |",
        f"| the same table in pandas (`memory_usage(deep=True)` of the first chunk, "
        f"{data['pandas_bytes_measured_rows']:,} rows, scaled to all rows) "
        f"| {data['pandas_bytes_scaled'] / GIB:,.1f} GiB |",
        f"| memory limit (RLIMIT_AS) | {r['limit']['bytes'] / GIB:g} GiB |",
        f"| exit code | {s['returncode']} |",
        f"| wall time | {s['wall_s']:,.1f} s |",
        f"| CPU time (user + system) | {s['cpu_s']:,.1f} s |",
        f"| wall time per million visit rows | {s['wall_s'] / (rows / 1e6):,.2f} s |",
        f"| peak RSS, whole process tree (sum, polled every 0.1 s) "
        f"| {mib(s['peak_tree_rss_bytes'])} |",
        f"| peak RSS, largest single process (kernel, `ru_maxrss`) "
        f"| {mib(s['peak_single_rss_bytes'])} |",
        f"| peak size of dask's shuffle files on disk (polled every 1 s) "
        f"| {mib(s['peak_shuffle_disk_bytes'])} |",
        f"| partitions in (`dd.read_parquet`) | {r['partitions_in']} |",
    ]
    check = r.get("check")
    if check:
        lines += [
            f"| partitions out (files written) | {check['partitions_out']} |",
            f"| result rows (expected: subjects x {check['rows_per_subject']} "
            f"endpoint-timepoints = {check['rows_expected']:,}) | {check['rows_out']:,} "
            f"({'equal' if check['rows_ok'] else 'NOT equal'}) |",
            f"| result on disk | {mib(check['output_disk_bytes'])} |",
            f"| sample: subjects, rows equal to pandas `ep.score` | {check['sample_subjects']}, "
            f"{check['sample_rows_equal_pandas']:,} |",
        ]
    else:
        lines += ["", "The scoring failed; the end of its output:", "", "```",
                  *r["log_tail"], "```"]
    lines += ["", f"Dataset generation (not timed above): {data['generate_s']:,.0f} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=5_000_000)
    parser.add_argument("--chunk", type=int, default=25_000,
                        help="subjects per generated Parquet file (default 25,000)")
    parser.add_argument("--memory-limit", type=parse_bytes, default=parse_bytes("4GiB"),
                        help="address-space limit of the scoring process (default 4GiB)")
    parser.add_argument("--sample", type=int, default=20,
                        help="subjects whose results are compared with pandas (default 20)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dask_bench"),
                        help="where the dataset and the result go (emptied first, deleted "
                             "after unless --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the dataset and result")
    parser.add_argument("--output", type=Path, default=HERE / "results_dask.md")
    args = parser.parse_args(argv)

    # synth's tables lack the biomarker panel: the endpoints needing it are not evaluable
    warnings.filterwarnings("ignore", "columns not provided", ep.EndpointsWarning)
    result = run(args)
    path = f"PYTHONPATH={os.environ['PYTHONPATH']} " if "PYTHONPATH" in os.environ else ""
    reproduce = f"{path}python benchmarks/bigger_than_memory.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    text = report(result, reproduce.strip())
    args.output.write_text(text)
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    print(text)
    if not args.keep:
        shutil.rmtree(args.workdir)
    check = result.get("check", {})
    return 0 if check.get("rows_ok") else 1


if __name__ == "__main__":
    sys.exit(main())
