"""Item 1 of issue 15: a bare Linux gets told which X libraries to install, before Qt starts."""

from __future__ import annotations

import argparse

import pytest

from nnstudio import cli, launch_check
from nnstudio.launch_check import check_display_libraries, platform_is_xcb

ABSENT = {"xcb-icccm", "xcb-keysyms"}


def fake_find(name: str) -> str | None:
    return None if name in ABSENT else f"lib{name}.so"


def test_missing_libraries_are_named_with_one_apt_line() -> None:
    message = check_display_libraries(
        argv=["nnstudio"], environ={}, platform="linux", find=fake_find
    )
    assert message is not None
    assert "libxcb-icccm4" in message and "libxcb-keysyms1" in message
    apt_lines = [line for line in message.splitlines() if "apt-get install" in line]
    assert apt_lines == ["  sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1"]
    assert "libxcb-cursor0" not in message  # Qt's own message blames this one wrongly


def test_nothing_missing_lets_qt_start() -> None:
    assert check_display_libraries([], {}, "linux", find=lambda name: "x.so") is None


@pytest.mark.parametrize(
    ("argv", "environ", "platform", "xcb"),
    [
        ([], {}, "linux", True),
        ([], {"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ([], {"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        (["nnstudio", "-platform", "offscreen"], {}, "linux", False),
        ([], {"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ([], {}, "darwin", False),
        ([], {}, "win32", False),
    ],
)
def test_only_the_xcb_platform_is_checked(argv, environ, platform, xcb) -> None:
    assert platform_is_xcb(argv, environ, platform) is xcb
    found = check_display_libraries(argv, environ, platform, find=lambda name: None)
    assert (found is not None) is xcb


def test_gui_command_exits_non_zero_before_qt(monkeypatch, capsys) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(launch_check.sys, "platform", "linux")
    monkeypatch.setattr(launch_check.ctypes.util, "find_library", fake_find)

    def no_qt(*_args):
        raise AssertionError("Qt must not start when libraries are missing")

    import nnstudio.ui.app as app

    monkeypatch.setattr(app, "run_app", no_qt)
    code = cli.cmd_gui(argparse.Namespace(project=None))
    assert code != 0
    err = capsys.readouterr().err
    assert "apt-get install -y libxcb-icccm4 libxcb-keysyms1" in err
