"""Faults while saving: the previous file must always survive, and the error must be clear.

    python bench/save_faults.py                 # 60 kills, 20 autosave kills, the rest
    python bench/save_faults.py --kills 10      # a quicker run

Trials (each prints its counts at the end):

- kill -9 at a random moment while a child process saves a large project (about 36 MB of
  weights) over and over to one path: afterwards the file must open, as one of the saved
  versions; the temp files the killed saves left must be gone after the next save;
- the same for autosaves into the recovery folder: the newest autosave must open, and the
  next launch (pending_recoveries) removes the killed autosaves' temp files;
- a full disk: a file-size limit (RLIMIT_FSIZE) below the archive's size, and a small tmpfs
  when this user may mount one: the save fails with "the disk is full" or a file-size
  message, and the previous file is unchanged;
- a read-only folder (run as an unprivileged user when this is root, who may write anyway)
  and a read-only file: refused with a message, nothing changed;
- a symlinked project: the save lands in the link's target, the link stays a link.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAVER = r"""
import os, sys, torch
sys.path.insert(0, {root!r})
from nnstudio.core.project_files import save_project
from nnstudio.core.templates import TEMPLATES, mlp
from nnstudio.core import recovery
project = TEMPLATES.get("xor_mlp").build()
project.graph = mlp([3000, 3000], "relu")
from nnstudio.core.compile import compile_graph
model = compile_graph(project.graph, project.shape_context(), seed=0)
weights = {{k: v.detach().clone() for k, v in model.state_dict().items()}}
from nnstudio.core.run_io import single_run_book
book = single_run_book(project, weights, None)
mode, path = sys.argv[1], sys.argv[2]
k = 0
while True:
    k += 1
    project.title = f"version {{k}}"
    if mode == "save":
        save_project(path, project, book)
    else:
        recovery.write_recovery(project, book, source_path=path)
    print(k, flush=True)
"""


def big_project():
    from nnstudio.core.compile import compile_graph
    from nnstudio.core.templates import TEMPLATES, mlp

    project = TEMPLATES.get("xor_mlp").build()
    project.graph = mlp([3000, 3000], "relu")
    model = compile_graph(project.graph, project.shape_context(), seed=0)
    return project, {k: v.detach().clone() for k, v in model.state_dict().items()}


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


def kill_trials(count: int, mode: str) -> dict[str, int]:
    """Kill a saving child at random moments; check what is on disk after each kill."""
    from nnstudio.core import recovery
    from nnstudio.core.project_files import load_project

    folder = Path(tempfile.mkdtemp(prefix=f"nnstudio-kill-{mode}-"))
    recovery_folder = folder / "recovery"
    os.environ[recovery.ENV_VAR] = str(recovery_folder)  # the parent checks the same folder
    env = {**os.environ, recovery.ENV_VAR: str(recovery_folder), "OMP_NUM_THREADS": "1"}
    path = folder / "big.nnstudio"
    counts = {"trials": 0, "intact": 0, "damaged": 0, "temps_left_by_kills": 0, "temps_after": 0}
    code = SAVER.format(root=str(ROOT))
    for _ in range(count):
        child = subprocess.Popen(
            [sys.executable, "-c", code, mode, str(path)],
            stdout=subprocess.PIPE, env=env, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        first = child.stdout.readline()  # one whole save done, so there is a previous file
        if not first:
            raise SystemExit(f"the saving child failed to start ({mode})")
        time.sleep(random.uniform(0.0, 0.8))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        counts["trials"] += 1
        where = folder if mode == "save" else recovery_folder
        counts["temps_left_by_kills"] += len(temps(where))
        files = [path] if mode == "save" else sorted(recovery_folder.glob("*.nnstudio"))
        try:
            titles = [load_project(f).project.title for f in files]
            ok = bool(titles) and all(t.startswith("version ") for t in titles)
        except Exception:
            ok = False
        counts["intact" if ok else "damaged"] += 1
        if mode == "autosave":  # the next launch finds the dead session's autosave
            found = recovery.pending_recoveries()
            counts["damaged"] += 0 if found else 1
            for entry in found:
                recovery.discard_recovery(entry)
            recovery.clear_session()
    # One more clean save: it (or, for autosaves, the launch check) removes the leftovers.
    if mode == "save":
        project, weights = big_project()
        from nnstudio.core.project_files import save_project
        from nnstudio.core.run_io import single_run_book

        save_project(path, project, single_run_book(project, weights, None))
        counts["temps_after"] = len(temps(folder))
    else:
        os.environ[recovery.ENV_VAR] = str(recovery_folder)
        recovery.pending_recoveries()
        recovery.clear_session()
        counts["temps_after"] = len(temps(recovery_folder))
    shutil.rmtree(folder, ignore_errors=True)
    return counts


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FSIZE_CHILD = r"""
import resource, signal, sys
sys.path.insert(0, {root!r})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project_files import save_project
from nnstudio.core.templates import TEMPLATES, mlp
project = TEMPLATES.get("xor_mlp").build()
project.graph = mlp([int(sys.argv[3])], "relu")
try:
    save_project(sys.argv[1], project)
    print("SAVED")
except ProjectFileError as exc:
    print("REFUSED", exc)
"""


def full_disk_trials(count: int) -> dict[str, int]:
    """A file-size limit below what the save writes: refused clearly, old file unchanged."""
    from nnstudio.core.project_files import save_project
    from nnstudio.core.templates import TEMPLATES

    folder = Path(tempfile.mkdtemp(prefix="nnstudio-full-"))
    path = folder / "p.nnstudio"
    save_project(path, TEMPLATES.get("xor_mlp").build())
    before = digest(path)
    counts = {"trials": 0, "refused_clearly": 0, "old_intact": 0, "temps_left": 0}
    for trial in range(count):
        limit = 300 + trial * 20  # below what the archive takes
        code = FSIZE_CHILD.format(root=str(ROOT))
        done = subprocess.run(
            [sys.executable, "-c", code, str(path), str(limit), str(64 + trial)],
            capture_output=True, text=True,
        )  # fmt: skip
        counts["trials"] += 1
        out = done.stdout.strip()
        if out.startswith("REFUSED") and ("full" in out or "too large" in out or "size" in out):
            counts["refused_clearly"] += 1
        elif not out.startswith("SAVED"):
            print("  unclear:", out or done.stderr.strip().splitlines()[-1:])
        counts["old_intact"] += digest(path) == before or out.startswith("SAVED")
        counts["temps_left"] += len(temps(folder))
    shutil.rmtree(folder, ignore_errors=True)
    return counts


def tmpfs_trial() -> str:
    """A real full file system, where this user may mount a 1 MB tmpfs."""
    from nnstudio.core.errors import ProjectFileError
    from nnstudio.core.project_files import save_project
    from nnstudio.core.templates import TEMPLATES

    mount = Path(tempfile.mkdtemp(prefix="nnstudio-tmpfs-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        return "tmpfs: not available to this user (skipped)"
    try:
        path = mount / "p.nnstudio"
        save_project(path, TEMPLATES.get("xor_mlp").build())
        before = digest(path)
        project, weights = big_project()
        try:
            from nnstudio.core.run_io import single_run_book

            save_project(path, project, single_run_book(project, weights, None))
            return "tmpfs: saved?! (unexpected)"
        except ProjectFileError as exc:
            ok = digest(path) == before and not temps(mount)
            return f"tmpfs: refused ({exc}); old file intact and no temp left: {ok}"
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


READONLY_CHILD = r"""
import os, sys
sys.path.insert(0, {root!r})
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project_files import save_project
from nnstudio.core.templates import TEMPLATES
project = TEMPLATES.get("xor_mlp").build()
project.title = "changed"
try:
    save_project(sys.argv[1], project)
    print("SAVED")
except ProjectFileError as exc:
    print("REFUSED", exc)
"""


def read_only_trials() -> list[str]:
    from nnstudio.core.project_files import load_project, save_project
    from nnstudio.core.safe_write import ReadOnlyFileError
    from nnstudio.core.templates import TEMPLATES

    results = []
    folder = Path(tempfile.mkdtemp(prefix="nnstudio-ro-"))
    os.chmod(folder, 0o755)
    inner = folder / "locked"
    inner.mkdir()
    path = inner / "p.nnstudio"
    save_project(path, TEMPLATES.get("xor_mlp").build())
    os.chmod(path, 0o644)
    os.chmod(inner, 0o555)
    before = digest(path)
    command = [sys.executable, "-c", READONLY_CHILD.format(root=str(ROOT)), str(path)]
    if os.geteuid() == 0 and shutil.which("setpriv"):
        # Root may write anywhere; without these capabilities the folder's mode applies.
        drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps",
                "-all", "--"]  # fmt: skip
        command = drop + command
    done = subprocess.run(command, capture_output=True, text=True)
    intact = digest(path) == before
    results.append(f"read-only folder: {done.stdout.strip()[:160]} | old file intact: {intact}")
    os.chmod(inner, 0o755)
    os.chmod(path, 0o444)
    project = TEMPLATES.get("xor_mlp").build()
    project.title = "changed"
    try:
        save_project(path, project)
        results.append("read-only file: saved without asking (wrong)")
    except ReadOnlyFileError as exc:
        results.append(
            f"read-only file: refused, asks first ({exc}) | intact: {digest(path) == before}"
        )
    link = folder / "link.nnstudio"
    os.chmod(path, 0o644)
    link.symlink_to(path)
    save_project(link, project)
    through = load_project(path).project.title == "changed" and link.is_symlink()
    results.append(f"symlink: saved to the target, link kept: {through}")
    shutil.rmtree(folder, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--autosave-kills", type=int, default=20)
    parser.add_argument("--full", type=int, default=30)
    args = parser.parse_args()
    random.seed(17)
    print("kill -9 during save:", kill_trials(args.kills, "save"), flush=True)
    print("kill -9 during autosave:", kill_trials(args.autosave_kills, "autosave"), flush=True)
    print("file-size limit:", full_disk_trials(args.full), flush=True)
    print(tmpfs_trial(), flush=True)
    for line in read_only_trials():
        print(line, flush=True)


if __name__ == "__main__":
    main()
