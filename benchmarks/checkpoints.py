"""Do the chapters' checkpoints hold on every student's CPU and every training seed?

A checkpoint is a claim about the method, not about our CPU. This audit runs each chapter
(the instructor edition, top to bottom, at its quick scale) in a fresh kernel, once for every
CPU kernel path this machine can emulate and once for each of several training seeds, and
reads back what every checkpoint claimed (``course_lib.claims`` logs each claim's margin and
noise to ``$COURSE_CLAIMS_LOG``).

Kernel paths, each set in the process before torch starts (see ``shared/testing-notes.md``):

* ``ATEN_CPU_CAPABILITY`` ∈ {default, avx2, avx512}: torch's own vectorised kernels;
* ``MKL_CBWR`` ∈ {COMPATIBLE, AVX2, native}: MKL's code path (``native``: left unset).

The seed is the chapter's ``SEED`` (its ``parameters`` cell), replaced papermill-style by a
cell injected after it. The table has one row per claim: passes per kernel path at the
chapter's own seed, passes over the seeds on the native path, and the worst margin in units
of the claim's own noise (``margin / noise``; ``exact`` for claims without noise).

    .venv/bin/python benchmarks/checkpoints.py                      # every chapter, 9 paths, seeds 0-9
    .venv/bin/python benchmarks/checkpoints.py --chapters 08 --seeds 0 1 2 --paths native
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ATEN_PATHS = ("default", "avx2", "avx512")
MKL_PATHS = ("COMPATIBLE", "AVX2", "native")
#: The line a chapter run prints its errors on (the kernel's own log lines go to stdout too).
ERRORS_MARK = "checkpoint-audit-errors: "
#: The process environment's own path: nothing pinned.
NATIVE = ("native", "native")


@dataclass(frozen=True)
class Job:
    chapter: Path
    seed: int
    path: tuple[str, str]  # (ATEN_CPU_CAPABILITY, MKL_CBWR); "native" leaves a variable unset

    @property
    def label(self) -> str:
        return f"aten={self.path[0]} mkl={self.path[1]}"


def all_paths() -> list[tuple[str, str]]:
    """Every ATEN × MKL path, and the machine's own (nothing pinned)."""
    return list(itertools.product(ATEN_PATHS, MKL_PATHS)) + [NATIVE]


def chapter_files(prefixes: list[str] | None) -> list[Path]:
    files = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        unknown = [p for p in prefixes if not any(f.name.startswith(p) for f in files)]
        if unknown:
            raise SystemExit(
                f"--chapters: no chapter starts with {unknown}; have {[f.name[:2] for f in files]}"
            )
        files = [f for f in files if any(f.name.startswith(p) for p in prefixes)]
    return files


def run_notebook(notebook: Path, seed: int, log: Path, timeout: int) -> str:
    """Execute ``notebook`` with ``SEED = seed`` in this process's environment; return the errors."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    at = next(
        (i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    if at is None:
        raise SystemExit(f"{notebook.name} has no cell tagged 'parameters'")
    nb.cells.insert(
        at + 1, nbformat.v4.new_code_cell(f"SEED = {seed}  # injected by benchmarks/checkpoints.py")
    )
    client = NotebookClient(
        nb,
        timeout=timeout,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    client.execute()
    errors = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(
                    f"{out['ename']}: {out['evalue'].splitlines()[0] if out['evalue'] else ''}"
                )
    return "; ".join(errors)


def run_job(job: Job, timeout: int) -> dict:
    """One chapter, one seed, one kernel path, in a fresh process (the path is read at start-up)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg", PYTHONHASHSEED="0")
    aten, mkl = job.path
    if aten != "native":
        env["ATEN_CPU_CAPABILITY"] = aten
    if mkl != "native":
        env["MKL_CBWR"] = mkl
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "claims.jsonl"
        env["COURSE_CLAIMS_LOG"] = str(log)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(job.chapter), str(job.seed), str(timeout)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout + 120,
        )
        seconds = time.perf_counter() - t0
        claims = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    marked = [
        line[len(ERRORS_MARK) :]
        for line in proc.stdout.splitlines()
        if line.startswith(ERRORS_MARK)
    ]
    errors = marked[-1] if marked else (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {
        "chapter": job.chapter.name,
        "seed": job.seed,
        "path": job.path,
        "claims": claims,
        "errors": errors if proc.returncode == 0 else f"runner failed: {errors}",
        "seconds": seconds,
    }


def summarise(results: list[dict], own_seed: int) -> list[dict]:
    """One row per (chapter, claim): passes per kernel path, passes over seeds, worst margin."""
    rows: dict[tuple[str, str], dict] = {}
    for r in results:
        for c in r["claims"]:
            row = rows.setdefault(
                (r["chapter"], c["statement"]),
                {
                    "chapter": r["chapter"][:2],
                    "claim": c["statement"],
                    "paths": [0, 0],
                    "seeds": [0, 0],
                    "worst": None,
                    "worst_raw": None,
                    "where": "",
                },
            )
            on_path = r["seed"] == own_seed
            on_native = tuple(r["path"]) == NATIVE
            if on_path:
                row["paths"][0] += c["holds"]
                row["paths"][1] += 1
            if on_native:
                row["seeds"][0] += c["holds"]
                row["seeds"][1] += 1
            score = c["margin_in_noise"] if c["margin_in_noise"] is not None else None
            key = score if score is not None else c["margin"]
            if row["worst_raw"] is None or key < row["worst_raw"]:
                row["worst_raw"] = key
                row["worst"] = (
                    f"{score:+.2f}" if score is not None else f"exact ({c['margin']:+.2g})"
                )
                row["where"] = f"seed {r['seed']}, {r['path'][0]}/{r['path'][1]}"
    return list(rows.values())


def print_table(rows: list[dict], failures: list[dict]) -> None:
    print(
        "| ch | claim | kernel paths (own seed) | seeds (native path) | worst margin / noise | at |"
    )
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['chapter']} | {row['claim']} | {row['paths'][0]}/{row['paths'][1]} | "
            f"{row['seeds'][0]}/{row['seeds'][1]} | {row['worst']} | {row['where']} |"
        )
    for f in failures:
        print(f"! {f['chapter']} seed {f['seed']} {f['path']}: {f['errors']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--chapters", nargs="*", help="chapter number prefixes, e.g. 03 08 (default: all)"
    )
    parser.add_argument("--seeds", nargs="*", type=int, default=list(range(10)))
    parser.add_argument(
        "--paths",
        nargs="*",
        default=None,
        help="'native' only, or 'all' (default): every ATEN × MKL path",
    )
    parser.add_argument("--own-seed", type=int, default=0, help="the chapters' own SEED")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per chapter run")
    parser.add_argument("--json", type=Path, help="also write every run's claims here")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        notebook, seed, timeout = args.one
        log = Path(os.environ["COURSE_CLAIMS_LOG"])
        print(ERRORS_MARK + run_notebook(Path(notebook), int(seed), log, int(timeout)), flush=True)
        return 0
    if any(s < 0 for s in args.seeds) or args.workers < 1:
        raise SystemExit("--seeds must be >= 0 and --workers >= 1")
    paths = [NATIVE] if args.paths == ["native"] else all_paths()
    jobs = []
    for chapter in chapter_files(args.chapters):
        jobs += [Job(chapter, args.own_seed, p) for p in paths]
        jobs += [Job(chapter, s, NATIVE) for s in args.seeds if s != args.own_seed]
    # Longest chapters first, so the two workers finish together.
    jobs.sort(key=lambda j: -j.chapter.stat().st_size)
    t0 = time.perf_counter()
    print(f"{len(jobs)} chapter runs on {args.workers} workers ...", flush=True)
    with ThreadPoolExecutor(args.workers) as pool:
        results = []
        for r in pool.map(lambda j: run_job(j, args.timeout), jobs):
            results.append(r)
            status = "ok" if not r["errors"] else r["errors"][:120]
            print(
                f"  {r['chapter'][:2]} seed {r['seed']} {r['path'][0]}/{r['path'][1]}: "
                f"{len(r['claims'])} claims, {r['seconds']:.0f} s, {status}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    rows = summarise(results, args.own_seed)
    failures = [r for r in results if r["errors"]]
    print(
        f"\nAudit: {len(jobs)} runs, {time.perf_counter() - t0:.0f} s wall on {args.workers} workers\n"
    )
    print_table(rows, failures)
    broken = [r for r in results if any(not c["holds"] for c in r["claims"])]
    return 1 if failures or broken else 0  # a failed claim or run fails `make robust`


if __name__ == "__main__":
    sys.exit(main())
