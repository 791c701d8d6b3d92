"""Execute notebooks in one profile and record how long they took and what they measured.

    python scripts/bench.py --profile ci                 # every notebook
    python scripts/bench.py --profile full notebooks/01_mlp_capacity.ipynb

Each notebook runs in its own process on the kernel its metadata declares. For
each run the table gets: notebook, profile, device, wall seconds, peak memory of
the kernel process, and the headline figures the notebook wrote with
``runtime.save_headline``. Rows are merged into results/benchmark.json (keyed by
notebook, profile and device), and results/benchmark.md is rendered from it.
Executed copies of the notebooks are kept in build/executed/<profile>/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat), or None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_model() -> str:
    """The processor's model name (Linux /proc/cpuinfo), or "" elsewhere: 2-core VMs of one kind differ by up to
    1.7x in TensorFlow's speed from one processor model to another, so the table says which one ran."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def own_cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_one(notebook: Path, profile: str, results_dir: Path, timeout: int) -> dict:
    """Execute one notebook in this process (called in a child process by main)."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["COURSE_PROFILE"] = profile
    os.environ["COURSE_RESULTS_DIR"] = str(results_dir)
    nb = nbformat.read(notebook, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": str(notebook.parent)}})
    busy0, self0 = busy_cpu_seconds(), own_cpu_seconds(resource.RUSAGE_SELF)
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except Exception as exc:  # CellExecutionError and timeouts: record, don't hide
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()     # drop the traceback's terminal colours
        error = f"{type(exc).__name__}: {text.splitlines()[-1] if text else ''}"
    wall = time.perf_counter() - start
    busy1 = busy_cpu_seconds()
    # Cores kept busy by *other* processes during the run: a timing taken on a busy machine says so in the table.
    ours = own_cpu_seconds(resource.RUSAGE_SELF) - self0 + own_cpu_seconds(resource.RUSAGE_CHILDREN)
    other_load = None if busy0 is None or busy1 is None else round(max(0.0, busy1 - busy0 - ours) / wall, 2)
    out_dir = ROOT / "build" / "executed" / profile
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / notebook.name)
    # The kernel was our child and has been reaped: its peak RSS is in RUSAGE_CHILDREN.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = peak / 1024 if platform.system() == "Linux" else peak / 2**20
    return {"kernel": kernel, "wall_s": round(wall, 1), "peak_mb": round(peak_mb), "error": error,
            "other_load": other_load}


def declared_kernel(notebook: Path) -> str:
    """The kernel name a notebook's metadata declares."""
    return json.loads(notebook.read_text()).get("metadata", {}).get("kernelspec", {}).get("name", "")


def render_markdown(rows: list[dict]) -> str:
    lines = [
        "# Benchmark: notebook run times and headline results",
        "",
        "Written by `make bench` (scripts/bench.py); do not edit by hand. Wall time is the whole notebook,",
        "kernel start included; peak memory is the kernel process's maximum resident set size. \"other load\"",
        "(shown when ≥ 0.2) is the mean number of cores that other processes kept busy during the run: such a",
        "timing was taken on a busy machine and overstates the notebook's time. \"measured on\" names the",
        "processor where it was recorded: 2-core VMs of one kind differ by up to 1.7x in TensorFlow's speed.",
        "",
        "| notebook | profile | device | wall s | peak MB | headline figures | measured on | date |",
        "|---|---|---|---:|---:|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["notebook"], r["profile"], r["device"])):
        figures = ", ".join(f"{k}={_fmt(v)}" for k, v in r.get("figures", {}).items())
        if r.get("error"):
            figures = f"**FAILED**: {r['error']}"
        lines.append(
            f"| {r['notebook']} | {r['profile']} | {r['device']} | {r['wall_s']} | {r['peak_mb']} | "
            f"{figures} | {_machine(r)} | {r.get('date', '')} |"
        )
    lines += ["", *totals(rows)]
    return "\n".join(lines) + "\n"


def totals(rows: list[dict]) -> list[str]:
    """One line per device: the summed wall time of the `full` rows, for 00-10 (the course's main sequence) and all."""
    out = []
    for device in sorted({r["device"] for r in rows if r["profile"] == "full"}):
        full = [r for r in rows if r["profile"] == "full" and r["device"] == device]
        main = sum(r["wall_s"] for r in full if r["notebook"][:2] <= "10")
        every = sum(r["wall_s"] for r in full)
        out.append(f"`full` on {device}, summed wall time: notebooks 00-10 {main:,.0f} s ({main / 3600:.2f} h); "
                   f"all {len(full)} notebooks {every:,.0f} s ({every / 3600:.2f} h).")
    return out


def _machine(row: dict) -> str:
    load = row.get("other_load")
    return row.get("machine", "") + (f", other load {load:.1f}" if load is not None and load >= 0.2 else "")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all)")
    parser.add_argument("--profile", default="ci", choices=["ci", "full"])
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument("--kernel", help="only the notebooks that declare this kernel (e.g. course-gpu)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--results-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # child mode: run one notebook, print one JSON line
        print(json.dumps(run_one(args.one, args.profile, args.results_dir, args.timeout)))
        return 0

    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.kernel:
        notebooks = [nb for nb in notebooks if declared_kernel(nb) == args.kernel]
    store = RESULTS / "benchmark.json"
    machine = ", ".join(filter(None, [platform.machine(), cpu_model(), f"{os.cpu_count()} cores"]))
    failed = 0
    for nb in notebooks:
        nb = nb.resolve()
        with tempfile.TemporaryDirectory() as tmp:
            print(f"running {nb.name} ({args.profile}) ...", flush=True)
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(nb), "--profile", args.profile,
                 "--results-dir", tmp, "--timeout", str(args.timeout)],
                capture_output=True, text=True,
            )
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                failed += 1
                continue
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            headline_file = Path(tmp) / f"{nb.stem}.json"
            headline = json.loads(headline_file.read_text()) if headline_file.exists() else {}
        row = {
            "notebook": nb.stem,
            "profile": args.profile,
            # A run that failed before writing its headline still gets this machine's device.
            "device": headline.get("device") or ("GPU" if shutil.which("nvidia-smi") else "CPU"),
            "wall_s": run["wall_s"],
            "peak_mb": run["peak_mb"],
            "figures": headline.get("figures", {}),
            "error": run["error"],
            "machine": machine,
            "other_load": run.get("other_load"),
            "date": date.today().isoformat(),
        }
        failed += bool(run["error"])
        print(f"  {row['wall_s']} s, {row['peak_mb']} MB, {row['error'] or row['figures']}", flush=True)
        # Re-read just before writing, so that two bench runs at once do not drop each other's rows.
        rows = json.loads(store.read_text()) if store.exists() else []
        rows = [r for r in rows if not (r["notebook"] == row["notebook"] and r["profile"] == row["profile"]
                                        and r["device"] in (row["device"], "?"))]
        rows.append(row)
        RESULTS.mkdir(exist_ok=True)
        tmp = store.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(sorted(rows, key=lambda r: (r["notebook"], r["profile"])), indent=1) + "\n")
        tmp.replace(store)
        (RESULTS / "benchmark.md").write_text(render_markdown(rows))
    print(f"wrote {RESULTS / 'benchmark.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
