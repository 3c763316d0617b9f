"""Which compute devices torch can use here, and turning a device name into one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nnstudio.core.errors import DeviceError

if TYPE_CHECKING:
    import torch

DEVICE_HELP = "Where training runs. Auto picks a GPU when torch sees one, else the CPU."


def available_devices() -> list[tuple[str, str]]:
    """(name, label) of every device torch sees, "auto" and "cpu" first."""
    import torch

    found = [("auto", "Auto"), ("cpu", "CPU")]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            found.append((f"cuda:{index}", f"CUDA {index}: {torch.cuda.get_device_name(index)}"))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(("mps", "Apple GPU (MPS)"))
    return found


def resolve_device(name: str) -> torch.device:
    """The torch.device for `name`, or a DeviceError that says what to pick instead."""
    import torch

    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(
                "CUDA was asked for, but this torch sees no CUDA GPU: choose CPU or Auto, or "
                "install a CUDA build of torch (see docs/installing.md)."
            )
        try:
            device = torch.device(name)
        except RuntimeError:
            raise DeviceError(f"{name!r} is not a device name; use cuda or cuda:0.") from None
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(
                f"There is no {name}: torch sees {torch.cuda.device_count()} CUDA device(s)."
            )
        return device
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError("Apple's MPS GPU is not available here: choose CPU or Auto.")
        return torch.device("mps")
    raise DeviceError(f"Unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps.")
