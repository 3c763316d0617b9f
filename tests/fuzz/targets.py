"""One fuzz target per parser of untrusted input (issue 17, item 10).

Each target takes bytes and feeds them to one parser. The parser may refuse them with our
own error types (NNStudioError and its kin); any other exception, or a hang, is a crash.
`SEEDS` holds valid inputs per target: fuzzing mutates them (flips, cuts, splices, inserted
JSON values) as well as trying raw random bytes, so it reaches deep into each format.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from nnstudio.core.errors import NNStudioError

ALLOWED = (NNStudioError,)
"""What a parser may raise on bad input; everything else is a crash."""


@cache
def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="nnstudio-fuzz-"))


def _as_file(data: bytes, name: str) -> Path:
    path = _scratch() / name
    path.write_bytes(data)
    return path


# -- targets ------------------------------------------------------------------------------
def zip_container(data: bytes) -> None:
    """The .nnstudio zip: directory checks, then every member the loader reads."""
    from nnstudio.core.project_files import load_project

    load_project(_as_file(data, "fuzz.nnstudio"))


def project_json(data: bytes) -> None:
    from nnstudio.core.project_files import read_project_document
    from nnstudio.core.project_zip import parse_json

    read_project_document(parse_json(data, "project.json"))


def safetensors_header(data: bytes) -> None:
    from nnstudio.core.project_zip import parse_safetensors_header, safetensors_header_length

    length = safetensors_header_length(data[:8], len(data), "weights")
    parse_safetensors_header(data[8 : 8 + length], len(data) - 8 - length, "weights")


def history_json(data: bytes) -> None:
    from nnstudio.core.history import History
    from nnstudio.core.history_guard import check_history_bytes
    from nnstudio.core.project_zip import parse_json

    check_history_bytes(data)
    history = History.from_dict(parse_json(data, "history.json"))
    history.to_dict()  # what was read can be written back


def idx_header(data: bytes) -> None:
    from nnstudio.core.datasets.idx import read_idx, read_idx_header

    path = _as_file(data, "fuzz-idx3-ubyte")
    read_idx_header(path)
    read_idx(path)


def csv_reader(data: bytes) -> None:
    from nnstudio.core.datasets import DatasetConfig, load_dataset
    from nnstudio.core.datasets.csv_table import read_csv_table

    path = _as_file(data, "fuzz.csv")
    table = read_csv_table(path)
    for index in range(len(table.columns)):
        table.column(index)
    load_dataset(DatasetConfig("csv", {"path": str(path), "bad_values": "fill"}))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "zip": zip_container,
    "project_json": project_json,
    "safetensors": safetensors_header,
    "history": history_json,
    "idx": idx_header,
    "csv": csv_reader,
}


# -- seeds --------------------------------------------------------------------------------
@cache
def seeds(target: str) -> tuple[bytes, ...]:
    """Valid inputs for `target`, the starting points of mutation."""
    from nnstudio.core.history import History
    from nnstudio.core.project_files import archive_bytes, project_json_bytes
    from nnstudio.core.templates import TEMPLATES

    if target in ("zip", "project_json", "safetensors"):
        projects = [TEMPLATES.get(name).build() for name in ("xor_mlp", "digits_cnn")]
        if target == "project_json":
            return tuple(project_json_bytes(p) for p in projects)
        history = History()
        for step in range(1, 30):
            history.append("train_loss", step, 1.0 / step)
        if target == "zip":
            return tuple(archive_bytes(p, _book(p, history)) for p in projects[:1]) + tuple(
                archive_bytes(p) for p in projects
            )
        archive = zipfile.ZipFile(io.BytesIO(archive_bytes(projects[0], _book(projects[0]))))
        return (archive.read("weights.safetensors"),)
    if target == "history":
        history = History()
        for step in range(1, 50):
            history.append("train_loss", step, 1.0 / step)
            history.append("val_accuracy", step, step / 50)
        return (json.dumps(history.to_dict()).encode(),)
    if target == "idx":
        images = struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 2, 4, 4) + bytes(range(32))
        labels = struct.pack(">HBB", 0, 8, 1) + struct.pack(">I", 3) + b"\x01\x02\x03"
        floats = struct.pack(">HBB", 0, 0x0D, 2) + struct.pack(">2I", 2, 2) + b"\0" * 16
        import gzip

        return (images, labels, floats, gzip.compress(images))
    if target == "csv":
        return (
            b"a,b,colour,y\n1,2,red,0\n3,4,blue,1\n5,6,red,0\n7,8,green,1\n",
            b"x;y\n1,5;a\n2,5;b\n3,5;a\n",
            b"a b y\n1 2 3.5\n4 5 6.5\n7 8 9.5\n",
            b'"q","n"\n"a,b",1\n"c\nd",2\n"e",3\n',
            b"\xef\xbb\xbfh\xe9,y\nnan,0\ninf,1\n3,1\n4,0\n",
        )
    raise KeyError(target)


def _book(project, history=None):
    from nnstudio.core.run_io import single_run_book

    return single_run_book(project, _weights(project), history)


def _weights(project):
    from nnstudio.core.compile import compile_graph

    model = compile_graph(project.graph, project.shape_context(), seed=0)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def run_one(target: str, data: bytes) -> None:
    """Feed `data` to `target`; return on success or on one of our own refusals."""
    try:
        TARGETS[target](data)
    except ALLOWED:
        pass
    finally:
        for leftover in _scratch().iterdir():
            if leftover.is_file():
                os.unlink(leftover)
