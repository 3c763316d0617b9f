"""Build the NN Studio bundle with PyInstaller, self-test it frozen, measure it and pack it.

Run from anywhere: python packaging/build.py [--skip-build] [--no-archive] [--untrimmed]
It builds dist/nnstudio (one folder; on macOS also "dist/NN Studio.app"), runs the frozen app's
`--self-test` (a failure stops the build), times the first painted window, then packs:
Linux a .tar.gz (and an AppImage when appimagetool is on PATH), macOS a .dmg, Windows an Inno
Setup installer when ISCC is on PATH. The numbers go to dist/build-report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "nnstudio"
IS_WIN, IS_MAC = sys.platform == "win32", sys.platform == "darwin"
SELF_TEST_TIMEOUT_S = 600
PAINT_TIMEOUT_S = 120
MB = 1024 * 1024


def version() -> str:
    text = (ROOT / "nnstudio" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return f"{system}-{machine}"


def folder_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


# -- steps --------------------------------------------------------------------------------
def ensure_icons() -> None:
    if not (ROOT / "resources" / "icons" / "nnstudio.ico").exists():
        log("drawing the app icons")
        subprocess.run([sys.executable, str(PACKAGING / "make_icons.py")], check=True)


def run_pyinstaller(untrimmed: bool) -> float:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit('PyInstaller is not installed: pip install -e ".[packaging]"')
    env = dict(os.environ, NNSTUDIO_BUNDLE_TRIM="0" if untrimmed else "1")
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
        "--distpath", str(DIST), "--workpath", str(WORK), str(PACKAGING / "nnstudio.spec"),
    ]  # fmt: skip
    log(" ".join(cmd))
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    return time.perf_counter() - started


def frozen_executable() -> Path:
    """The executable that prints to a terminal: the console twin on Windows."""
    if IS_WIN:
        return BUNDLE / "nnstudio-cli.exe"
    if IS_MAC:
        return DIST / "NN Studio.app" / "Contents" / "MacOS" / "nnstudio"
    return BUNDLE / "nnstudio"


def add_linux_desktop_files() -> None:
    """Put the menu entry, MIME type and install.sh into the folder, for the tar.gz."""
    share = BUNDLE / "share"
    share.mkdir(exist_ok=True)
    for name in ("nnstudio.desktop", "nnstudio-mime.xml"):
        shutil.copy2(PACKAGING / "linux" / name, share / name)
    shutil.copy2(PACKAGING / "linux" / "install.sh", BUNDLE / "install.sh")


def headless_env(settings_dir: str) -> dict[str, str]:
    env = dict(os.environ, NNSTUDIO_SETTINGS_DIR=settings_dir)
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def self_test(exe: Path, png_dir: Path) -> float:
    log(f"frozen self-test: {exe} --self-test")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as settings:
        result = subprocess.run(
            [str(exe), "--self-test", "--output", str(png_dir)],
            env=headless_env(settings),
            timeout=SELF_TEST_TIMEOUT_S,
            cwd=tempfile.gettempdir(),  # not the repo: the bundle must find its own files
        )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"[build] the frozen self-test FAILED (exit code {result.returncode}).")
    log(f"frozen self-test passed in {elapsed:.1f} s; panel pictures in {png_dir}")
    return elapsed


def first_paint(exe: Path, runs: int) -> dict[str, float]:
    """Median seconds from process start to the first painted window (as the app reports it)."""
    inside, outside = [], []
    with tempfile.TemporaryDirectory() as settings:
        env = dict(headless_env(settings), NNSTUDIO_EXIT_AFTER_PAINT="1")
        for i in range(runs + 1):  # the first run warms the file cache and is not counted
            started = time.perf_counter()
            result = subprocess.run(
                [str(exe)], env=env, capture_output=True, text=True, timeout=PAINT_TIMEOUT_S
            )
            wall = time.perf_counter() - started
            found = re.search(r"first_paint_s=([\d.]+)", result.stdout)
            if result.returncode != 0 or not found:
                sys.exit(f"[build] no first paint reported:\n{result.stdout}{result.stderr}")
            if i:
                inside.append(float(found.group(1)))
                outside.append(wall)
    report = {
        "first_paint_s": round(statistics.median(inside), 3),
        "launch_to_exit_s": round(statistics.median(outside), 3),
        "runs": runs,
    }
    log(
        f"first paint (median of {runs}): {report['first_paint_s']:.2f} s; launch to exit "
        f"{report['launch_to_exit_s']:.2f} s"
    )
    return report


def make_tar_gz(name: str) -> Path:
    target = DIST / f"{name}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(BUNDLE, arcname=name)
    return target


def make_appimage(ver: str) -> Path | None:
    script = PACKAGING / "linux" / "make-appimage.sh"
    result = subprocess.run(["sh", str(script), str(BUNDLE), ver, str(DIST)], cwd=ROOT)
    if result.returncode == 3:
        log("no AppImage: appimagetool is not installed (neither Debian nor PyPI has it)")
        return None
    result.check_returncode()
    found = sorted(DIST.glob(f"NN_Studio-{ver}-*.AppImage"))
    return found[-1] if found else None


def make_dmg(ver: str) -> Path:
    subprocess.run(["sh", str(PACKAGING / "macos" / "make-dmg.sh"), ver], check=True, cwd=ROOT)
    return next(DIST.glob(f"nnstudio-{ver}-macos-*.dmg"))


def make_installer(ver: str) -> Path | None:
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        log("no installer: Inno Setup's ISCC is not on PATH")
        return None
    script = PACKAGING / "windows" / "nnstudio.iss"
    subprocess.run([iscc, f"/DAppVersion={ver}", str(script)], check=True, cwd=ROOT)
    return DIST / f"nnstudio-{ver}-windows-x64-setup.exe"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="test and pack dist/ as it is")
    parser.add_argument("--no-archive", action="store_true", help="build and test only")
    parser.add_argument("--untrimmed", action="store_true", help="keep everything (to compare)")
    parser.add_argument("--paint-runs", type=int, default=3, help="first-paint launches (3)")
    args = parser.parse_args()
    ver = version()
    report: dict[str, object] = {"version": ver, "platform": platform_tag()}
    if not args.skip_build:
        ensure_icons()
        report["build_s"] = round(run_pyinstaller(args.untrimmed), 1)
        log(f"PyInstaller took {report['build_s']:.0f} s")
    exe = frozen_executable()
    if not exe.exists():
        sys.exit(f"[build] {exe} does not exist: build first (without --skip-build).")
    if sys.platform.startswith("linux"):
        add_linux_desktop_files()
    report["folder_mb"] = round(folder_bytes(BUNDLE) / MB, 1)
    log(f"bundle folder: {report['folder_mb']} MB")
    report["self_test_s"] = round(self_test(exe, ROOT / "build" / "self-test"), 1)
    report.update(first_paint(exe, args.paint_runs))
    if not args.no_archive:
        name = f"nnstudio-{ver}-{platform_tag()}"
        artifacts: list[Path | None] = []
        if sys.platform.startswith("linux"):
            started = time.perf_counter()
            artifacts.append(make_tar_gz(name))
            report["tar_gz_s"] = round(time.perf_counter() - started, 1)
            artifacts.append(make_appimage(ver))
        elif IS_MAC:
            artifacts.append(make_dmg(ver))
        elif IS_WIN:
            artifacts.append(make_installer(ver))
        report["artifacts"] = {
            p.name: round(p.stat().st_size / MB, 1) for p in artifacts if p is not None
        }
        for name_, size in report["artifacts"].items():
            log(f"{name_}: {size} MB")
    (DIST / "build-report.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"report: {json.dumps(report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
