"""Time from launching `python -m nnstudio` to its first painted window, against torch's import.

The app prints the time since its process started when it has painted its first window and
quits at once (NNSTUDIO_EXIT_AFTER_PAINT=1). Torch must not be imported by then: the script
fails if it was. Run: python bench/startup_time.py [--runs N] [--project FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_S = 1.0


def first_paint(project: str | None, settings_dir: str) -> tuple[float, float]:
    """(seconds reported by the app, seconds measured from here) for one launch."""
    env = dict(os.environ, NNSTUDIO_EXIT_AFTER_PAINT="1", NNSTUDIO_SETTINGS_DIR=settings_dir)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    cmd = [sys.executable, "-m", "nnstudio", *([project] if project else [])]
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    outside = time.perf_counter() - started
    line = next((s for s in result.stdout.splitlines() if s.startswith("first_paint_s=")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"the app did not report a first paint:\n{result.stdout}{result.stderr}")
    fields = dict(part.split("=") for part in line.split())
    if fields["torch_imported"] != "False":
        raise SystemExit("torch was imported before the first paint")
    return float(fields["first_paint_s"]), outside


def torch_import_time() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, timeout=120)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--project", help="a project file to open at launch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as settings_dir:
        first_paint(args.project, settings_dir)  # warm the OS file cache
        runs = [first_paint(args.project, settings_dir) for _ in range(args.runs)]
    inside = statistics.median(r[0] for r in runs)
    outside = statistics.median(r[1] for r in runs)
    torch_s = statistics.median(torch_import_time() for _ in range(3))
    print(f"first paint (process start -> painted, median of {args.runs}): {inside:.3f} s")
    print(f"launch -> painted -> exited, measured outside:   {outside:.3f} s")
    print(f"python -c 'import torch':                         {torch_s:.3f} s")
    print(f"ratio first paint / target {TARGET_S} s:             {inside / TARGET_S:.2f}")
    print(f"ratio first paint / torch import:               {inside / torch_s:.2f}")
    return 0 if inside <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
