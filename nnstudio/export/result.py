"""What an export reports back: the files it wrote and the checks it ran."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Progress = Callable[[str], None]
"""Called with a short description of each stage, for a progress display."""


def no_progress(_message: str) -> None:
    """The default progress callback: report nothing."""


@dataclass
class ExportResult:
    folder: Path
    files: list[str] = field(default_factory=list)
    """File names written into `folder`, in the order a person would read them."""
    checks: list[str] = field(default_factory=list)
    """Verifications run after writing, each a sentence with its measured figure."""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Exported to {self.folder}:"]
        lines += [f"  {name}" for name in self.files]
        lines += self.checks + self.notes
        return "\n".join(lines)
