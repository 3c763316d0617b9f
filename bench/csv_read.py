"""How fast and in how much memory a large CSV file is read, against the old whole-file reader.

    python bench/csv_read.py            # a 54 MB numeric file and a 2,000-column file
    python bench/csv_read.py --mb 20    # a smaller file

Each file is generated once into a temp folder; every reader runs in its own process so its
peak memory (ru_maxrss) is its own. Timed: reading plus judging every column (numbers or
categories, and the first bad cell), which is what import and shape inference need. The
old reader is `csv_table.py` at the commit before issue 17 (`git show`); without git only
the new reader runs. The target is at least 5 MB/s, and memory a small multiple of the file
where the old reader needed about 1 GB for 54 MB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OLD_REVISION = "af9dd81"
"""The commit before issue 17 changed the reader."""

READ = """
import resource, sys, time
sys.path.insert(0, {root!r})
{setup}
start = time.perf_counter()
table = read(sys.argv[1])
kinds = [table.column(i) for i in range(len(table.columns))]  # what import needs next
took = time.perf_counter() - start
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
NEW = "from nnstudio.core.datasets.csv_table import read_csv_table as read"
OLD = """
import importlib.util, types
spec = importlib.util.spec_from_file_location("old_csv", {path!r})
module = importlib.util.module_from_spec(spec)
sys.modules["old_csv"] = module
spec.loader.exec_module(module)
read = module.read_csv_table
"""


def make_numeric(path: Path, megabytes: float) -> None:
    rng = np.random.default_rng(0)
    rows = int(megabytes * 1024**2 / 75)
    with open(path, "w") as handle:
        handle.write("a,b,c,d,e,f,g,h,colour,y\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            block = rng.normal(size=(n, 8))
            colours = rng.choice(["red", "green", "blue"], size=n)
            labels = rng.integers(0, 3, size=n)
            lines = [
                ",".join(f"{v:.4f}" for v in block[i]) + f",{colours[i]},{labels[i]}\n"
                for i in range(n)
            ]
            handle.writelines(lines)


def make_wide(path: Path, columns: int = 2000, rows: int = 1500) -> None:
    rng = np.random.default_rng(1)
    with open(path, "w") as handle:
        handle.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        for _ in range(rows):
            handle.write(",".join(f"{v:.3f}" for v in rng.normal(size=columns)) + "\n")


def run(setup: str, path: Path) -> tuple[float, float] | None:
    code = READ.format(root=str(ROOT), setup=setup)
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
        return None
    seconds, rss = (float(v) for v in done.stdout.split())
    return seconds, rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=60.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nnstudio-csv-bench-"))
    old_source = folder / "old_csv_table.py"
    shown = subprocess.run(
        ["git", "show", f"{OLD_REVISION}:nnstudio/core/datasets/csv_table.py"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    has_old = shown.returncode == 0
    if has_old:
        old_source.write_text(shown.stdout)
    numeric, wide = folder / "numeric.csv", folder / "wide.csv"
    make_numeric(numeric, args.mb)
    make_wide(wide)
    for path in (numeric, wide):
        size = path.stat().st_size / 1024**2
        print(f"{path.name}: {size:.1f} MB")
        readers = [("new", NEW)]
        if has_old:
            readers.append(("old", OLD.format(path=str(old_source))))
        results = {}
        for name, setup in readers:
            result = run(setup, path)
            if result is None:
                continue
            seconds, rss = result
            results[name] = seconds
            print(f"  {name}: {seconds:6.2f} s  {size / seconds:6.1f} MB/s  peak {rss:7.0f} MB")
        if len(results) == 2:
            print(f"  old / new time: {results['old'] / results['new']:.2f}x")


if __name__ == "__main__":
    main()
