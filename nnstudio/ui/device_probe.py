"""Find the compute devices torch sees, off the GUI thread, after the window is up.

Importing torch takes seconds; doing it here, on a daemon thread, keeps the first paint fast
and leaves torch warm for when training starts.
"""

from __future__ import annotations

import contextlib
import threading

from PySide6.QtCore import QObject, Signal

FALLBACK = [("auto", "Auto"), ("cpu", "CPU")]


class DeviceProbe(QObject):
    found = Signal(list)
    """[(name, label), ...] of every device torch sees, "auto" and "cpu" first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is not None:
            return
        self.thread = threading.Thread(target=self._run, name="nnstudio-device-probe", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            from nnstudio.core.devices import available_devices

            devices = available_devices()
        except Exception:  # a broken torch install must not take the editor down
            devices = list(FALLBACK)
        # The window may have closed before torch finished importing.
        with contextlib.suppress(RuntimeError):
            self.found.emit(devices)
