"""Regenerate tests/data/bad_projects/: broken and hostile project files, each small.

Run `python tests/data/make_bad_projects.py` from the repository root. Every file is written
deterministically, and `expected.json` maps each file name to a phrase the refusal message
must contain. tests/core/test_hostile_files.py loads every file and checks the refusal, and
also checks that this script reproduces the committed corpus byte for byte.
"""

from __future__ import annotations

import copy
import io
import json
import pickle
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "bad_projects"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def base_document() -> dict[str, Any]:
    """A small valid version-2 project: XOR with one tanh hidden layer of 4 units."""
    return {
        "format_version": 2,
        "app_version": "0.1.0",
        "title": "Corpus base",
        "description": "",
        "graph": {
            "nodes": [
                {"id": "n1", "type": "input", "params": {}, "pos": [0.0, 0.0]},
                {"id": "n2", "type": "linear", "params": {"units": 4}, "pos": [200.0, 0.0]},
                {"id": "n3", "type": "tanh", "params": {}, "pos": [400.0, 0.0]},
                {"id": "n4", "type": "linear", "params": {"units": 1}, "pos": [600.0, 0.0]},
                {
                    "id": "n5",
                    "type": "output",
                    "params": {"task": "binary", "loss": "bce"},
                    "pos": [800.0, 0.0],
                },
            ],
            "edges": [
                {"src": ["n1", "out"], "dst": ["n2", "in"]},
                {"src": ["n2", "out"], "dst": ["n3", "in"]},
                {"src": ["n3", "out"], "dst": ["n4", "in"]},
                {"src": ["n4", "out"], "dst": ["n5", "in"]},
            ],
        },
        "dataset": {"name": "xor", "params": {}, "train": 0.6, "val": 0.2, "test": 0.2},
        "training": {"values": {"epochs": 5}, "optimizer_params": {}},
    }


def base_weights() -> dict[str, Any]:
    """Weights that fit `base_document`'s network exactly."""
    import torch

    return {
        "layers.n2.weight": torch.linspace(-1, 1, 8).reshape(4, 2),
        "layers.n2.bias": torch.zeros(4),
        "layers.n4.weight": torch.linspace(-1, 1, 4).reshape(1, 4),
        "layers.n4.bias": torch.zeros(1),
    }


def safetensors_bytes(tensors: dict[str, Any]) -> bytes:
    from safetensors.torch import save

    return save(tensors)


def jbytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def zip_of(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of one file
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.create_system = 3
                info.external_attr = 0o644 << 16
                info.compress_type = method
                archive.writestr(info, data)
    return buffer.getvalue()


def project_zip(doc: dict[str, Any] | None = None, **extra: bytes) -> bytes:
    members = [("project.json", jbytes(doc if doc is not None else base_document()))]
    members += [(name.replace("__", "."), data) for name, data in extra.items()]
    return zip_of(members)


def with_weights(weights: dict[str, Any], doc: dict[str, Any] | None = None) -> bytes:
    return zip_of(
        [
            ("project.json", jbytes(doc if doc is not None else base_document())),
            ("weights.safetensors", safetensors_bytes(weights)),
        ],
    )


def patch_entry(data: bytes, name: str, patch: Callable[[bytearray, int, bool], None]) -> bytes:
    """Apply `patch(buffer, header_offset, is_central)` to both zip headers of member `name`."""
    buf = bytearray(data)
    encoded = name.encode()
    for signature, name_at, central in ((b"PK\x03\x04", 30, False), (b"PK\x01\x02", 46, True)):
        start = 0
        while (at := buf.find(signature, start)) >= 0:
            length = struct.unpack_from("<H", buf, at + (28 if central else 26))[0]
            if bytes(buf[at + name_at : at + name_at + length]) == encoded:
                patch(buf, at, central)
            start = at + 4
    return bytes(buf)


def raw_safetensors(shape: list[int], offsets: list[int]) -> bytes:
    """A hand-made safetensors file with one tensor whose header says what we like."""
    header = {"layers.n2.weight": {"dtype": "F32", "shape": shape, "data_offsets": offsets}}
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + bytes(32)


class _Runs:
    """A pickle that would print a line if anything ever unpickled it."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("SECURITY: a pickle from a project file was executed",))


def doc_with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(base_document())
    change(doc)
    return doc


def add_edge(src: str, dst: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["graph"]["edges"].append({"src": [src, "out"], "dst": [dst, "in"]})


def build() -> dict[str, tuple[bytes, str]]:
    """File name -> (content, phrase the refusal must contain)."""
    import torch

    files: dict[str, tuple[bytes, str]] = {}
    good = with_weights(base_weights())
    evil_pickle = pickle.dumps(_Runs(), protocol=2)

    # -- not a project at all --------------------------------------------------------------
    files["empty.nnstudio"] = (b"", "empty")
    files["plain_text.nnstudio"] = (b"These are not the weights you are looking for.\n", "neither")
    files["truncated.nnstudio"] = (good[: len(good) // 2], "damaged or incomplete")
    files["zip_magic_then_junk.nnstudio"] = (b"PK\x03\x04" + bytes(range(256)) * 4, "damaged")
    files["no_project_json.nnstudio"] = (
        zip_of([("history.json", b'{"version": 1, "series": {}}')]),
        "has no project.json",
    )
    files["not_json_inside.nnstudio"] = (zip_of([("project.json", b"{nope")]), "not valid JSON")
    files["not_utf8.json"] = (b'{"format_version": 2, "title": "\xff\xfe"}', "not UTF-8")
    files["not_an_object.json"] = (b"[1, 2, 3]\n", "not a JSON object")
    files["deep_nesting.json"] = (b"[" * 5000 + b"]" * 5000, "nested too deeply")
    files["endless_integer.json"] = (
        b'{"format_version": 2, "x": 1' + b"0" * 6000 + b"}",
        "cannot be read",
    )

    # -- wrong document ---------------------------------------------------------------------
    files["no_format_version.json"] = (
        jbytes(doc_with(lambda d: d.pop("format_version"))),
        "format_version",
    )
    files["newer_version.nnstudio"] = (
        project_zip(doc_with(lambda d: d.update(format_version=99))),
        "format version 99",
    )
    files["version_zero.json"] = (jbytes(doc_with(lambda d: d.update(format_version=0))), "0")
    files["missing_graph.nnstudio"] = (project_zip(doc_with(lambda d: d.pop("graph"))), "graph")
    files["nodes_not_a_list.json"] = (
        jbytes(doc_with(lambda d: d["graph"].update(nodes="n1,n2"))),
        "must be a list",
    )
    files["title_is_number.json"] = (jbytes(doc_with(lambda d: d.update(title=42))), "text")
    files["unknown_layer.nnstudio"] = (
        project_zip(doc_with(lambda d: d["graph"]["nodes"][2].update(type="quantum_foam"))),
        "unknown layer type",
    )
    files["unknown_dataset.json"] = (
        jbytes(doc_with(lambda d: d["dataset"].update(name="lottery_numbers"))),
        "unknown dataset",
    )
    files["edge_to_nowhere.json"] = (jbytes(doc_with(add_edge("n4", "n9"))), "no node")
    files["input_taken_twice.json"] = (
        jbytes(doc_with(add_edge("n3", "n2"))),
        "already takes its input",
    )
    files["nan_learning_rate.json"] = (
        json.dumps(
            doc_with(lambda d: d["training"]["values"].update(learning_rate=float("nan")))
        ).encode(),
        "finite",
    )
    files["string_units.json"] = (
        jbytes(doc_with(lambda d: d["graph"]["nodes"][1]["params"].update(units="many"))),
        "must be a number",
    )

    # -- absurd sizes -------------------------------------------------------------------------
    files["billion_units.nnstudio"] = (
        project_zip(doc_with(lambda d: d["graph"]["nodes"][1]["params"].update(units=10**9))),
        "at most 65536",
    )

    def giant(d: dict[str, Any]) -> None:
        d["graph"]["nodes"][1]["params"]["units"] = 65536
        d["graph"]["nodes"][3]["params"]["units"] = 65536
        d["graph"]["nodes"][2]["type"] = "linear"
        d["graph"]["nodes"][2]["params"] = {"units": 65536}
        d["graph"]["nodes"].insert(4, {"id": "n6", "type": "linear", "params": {"units": 1}})
        d["graph"]["edges"][-1] = {"src": ["n4", "out"], "dst": ["n6", "in"]}
        d["graph"]["edges"].append({"src": ["n6", "out"], "dst": ["n5", "in"]})

    files["eight_billion_parameters.nnstudio"] = (project_zip(doc_with(giant)), "parameters")
    files["oversized_project_json.nnstudio"] = (
        zip_of([("project.json", b"{" + b" " * (17 * 1024**2) + b"}")]),
        "limit",
    )
    files["zip_bomb_history.nnstudio"] = (
        project_zip(history__json=b"0" * (30 * 1024**2)),
        "zip bomb",
    )
    files["too_many_members.nnstudio"] = (
        zip_of(
            [("project.json", jbytes(base_document()))] + [(f"x{i}.txt", b"") for i in range(99)]
        ),
        "at most 64",
    )

    # -- unsafe archive entries -------------------------------------------------------------
    files["dotdot_member.nnstudio"] = (project_zip(**{"../evil__txt": b"x"}), "'..'")
    files["absolute_member.nnstudio"] = (project_zip(**{"/tmp/evil__txt": b"x"}), "absolute path")
    files["drive_member.nnstudio"] = (project_zip(**{"C:/evil__txt": b"x"}), "absolute path")
    files["backslash_member.nnstudio"] = (project_zip(**{"..\\evil__txt": b"x"}), "backslash")
    files["duplicate_project_json.nnstudio"] = (
        zip_of(
            [
                ("project.json", jbytes(base_document())),
                ("project.json", jbytes(doc_with(lambda d: d.update(title="Other")))),
            ]
        ),
        "more than once",
    )

    def encrypt_flag(buf: bytearray, at: int, central: bool) -> None:
        buf[at + (8 if central else 6)] |= 0x01

    files["encrypted_member.nnstudio"] = (
        patch_entry(project_zip(), "project.json", encrypt_flag),
        "encrypted",
    )
    files["bzip2_member.nnstudio"] = (
        zip_of([("project.json", jbytes(base_document()))], method=zipfile.ZIP_BZIP2),
        "compression method",
    )

    def shrink_size(buf: bytearray, at: int, central: bool) -> None:
        struct.pack_into("<I", buf, at + (24 if central else 22), 10)

    files["lying_size.nnstudio"] = (
        patch_entry(
            zip_of([("project.json", jbytes(base_document()))], zipfile.ZIP_STORED),
            "project.json",
            shrink_size,
        ),
        "damaged",
    )

    # -- pickles ---------------------------------------------------------------------------
    files["pickle_weights_pt.nnstudio"] = (project_zip(weights__pt=evil_pickle), "pickle")
    files["pickle_pkl_member.nnstudio"] = (
        project_zip(**{"extra/model__pkl": evil_pickle}),
        "pickle",
    )
    files["pickle_as_safetensors.nnstudio"] = (
        project_zip(weights__safetensors=evil_pickle),
        "not a safetensors",
    )

    # -- weights that disagree with the network ---------------------------------------------
    w = base_weights()
    files["weights_wrong_shape.nnstudio"] = (
        with_weights({**w, "layers.n2.weight": torch.zeros(8, 2)}),
        "has shape [8, 2]",
    )
    files["weights_wrong_dtype.nnstudio"] = (
        with_weights({**w, "layers.n2.bias": torch.zeros(4, dtype=torch.float64)}),
        "stored as F64",
    )
    files["weights_missing_tensor.nnstudio"] = (
        with_weights({k: v for k, v in w.items() if k != "layers.n4.bias"}),
        "lack 'layers.n4.bias'",
    )
    files["weights_extra_tensor.nnstudio"] = (
        with_weights({**w, "layers.n9.weight": torch.zeros(3)}),
        "does not have",
    )
    files["weights_huge_tensor_claim.nnstudio"] = (
        project_zip(weights__safetensors=raw_safetensors([99999999999, 2], [0, 32])),
        "damaged",
    )
    files["weights_offsets_beyond_data.nnstudio"] = (
        project_zip(weights__safetensors=raw_safetensors([4, 2], [0, 10**12])),
        "damaged",
    )
    files["weights_header_length_lies.nnstudio"] = (
        project_zip(weights__safetensors=struct.pack("<Q", 2**60) + b"{}"),
        "not a safetensors",
    )
    files["weights_for_broken_network.nnstudio"] = (
        with_weights(w, doc_with(lambda d: d["graph"]["edges"].pop())),
        "cannot be checked",
    )
    files["history_wrong_types.nnstudio"] = (
        project_zip(history__json=b'{"version": 1, "series": {"val_loss": {"x": "a", "y": []}}}'),
        "history is damaged",
    )

    # -- blocks (graph version 2) ------------------------------------------------------------
    def block_doc(depth: int, repeat: int = 1, inner_change=None) -> dict[str, Any]:
        inner: dict[str, Any] = {
            "nodes": [
                {"id": "i", "type": "block_input", "params": {}},
                {"id": "t", "type": "tanh", "params": {}},
                {"id": "o", "type": "block_output", "params": {}},
            ],
            "edges": [
                {"src": ["i", "out"], "dst": ["t", "in"]},
                {"src": ["t", "out"], "dst": ["o", "in"]},
            ],
        }
        for _ in range(depth - 1):
            inner = {
                "version": 2,
                "nodes": [
                    {"id": "i", "type": "block_input", "params": {}},
                    {"id": "b", "type": "block", "params": {}, "graph": inner},
                    {"id": "o", "type": "block_output", "params": {}},
                ],
                "edges": [
                    {"src": ["i", "out"], "dst": ["b", "i"]},
                    {"src": ["b", "o"], "dst": ["o", "in"]},
                ],
            }

        def change(d: dict[str, Any]) -> None:
            graph = d["graph"]
            graph["version"] = 2
            block = {"id": "n9", "type": "block", "params": {"repeat": repeat}, "graph": inner}
            if inner_change is not None:
                inner_change(block)
            graph["nodes"].insert(3, block)
            graph["edges"][2] = {"src": ["n3", "out"], "dst": ["n9", "i"]}
            graph["edges"].insert(3, {"src": ["n9", "o"], "dst": ["n4", "in"]})

        return doc_with(change)

    files["block_nested_too_deep.json"] = (jbytes(block_doc(12)), "nested more than 8 deep")
    files["block_repeat_billion.json"] = (jbytes(block_doc(1, 10**9)), "at most 64")
    files["block_without_content.json"] = (
        jbytes(block_doc(1, inner_change=lambda b: b.pop("graph"))),
        "content ('graph') is missing",
    )
    newer = block_doc(1)
    newer["graph"]["version"] = 3
    files["block_graph_version_newer.json"] = (jbytes(newer), "newer NN Studio")
    return files


def write(folder: Path = CORPUS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = build()
    written = []
    for name, (content, _phrase) in files.items():
        path = folder / name
        path.write_bytes(content)
        written.append(path)
    expected = {name: phrase for name, (_content, phrase) in sorted(files.items())}
    (folder / "expected.json").write_bytes(jbytes(expected))
    return written


if __name__ == "__main__":
    paths = write(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files ({total:,} bytes) to {paths[0].parent}")
