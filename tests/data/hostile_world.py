"""A corpus of hostile paths, files and numbers, built on demand (issue 17).

Most cases cannot be committed as files: FIFOs, sockets, symlinks to devices, names too
long for the OS, archives of tens of megabytes. Each builder here makes one case in a folder
and returns its path; tests/core/test_hostile_world.py runs them all, and

    python -m tests.data.hostile_world OUT

writes every case into OUT for a look by hand (or for another tool to try).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import socket
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.project import Project
from nnstudio.core.project_files import archive_bytes, project_json_bytes
from nnstudio.core.templates import TEMPLATES

Builder = Callable[[Path], Path]


def _project_bytes() -> bytes:
    return archive_bytes(TEMPLATES.get("xor_mlp").build())


# -- paths that are not plain files --------------------------------------------------------
def fifo(folder: Path, name: str = "pipe.nnstudio") -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


def socket_file(folder: Path, name: str = "socket.nnstudio") -> Path:
    path = folder / name
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    here = os.getcwd()
    os.chdir(folder)  # socket paths are limited to about 100 bytes; bind a relative one
    try:
        server.bind(name)
    finally:
        os.chdir(here)
        server.close()
    return path


def link_to(device: str) -> Builder:
    def build(folder: Path, name: str = "") -> Path:
        path = folder / (name or f"{Path(device).name}.nnstudio")
        path.symlink_to(device)
        return path

    return build


def folder_named(folder: Path, name: str = "folder.nnstudio") -> Path:
    path = folder / name
    path.mkdir()
    return path


def dangling_link(folder: Path, name: str = "dangling.nnstudio") -> Path:
    path = folder / name
    path.symlink_to(folder / "nowhere" / "at-all.nnstudio")
    return path


def link_loop(folder: Path, name: str = "loop.nnstudio") -> Path:
    a, b = folder / name, folder / ("other-" + name)
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def long_name(folder: Path) -> Path:
    return folder / ("n" * 300 + ".nnstudio")


def deep_path(folder: Path) -> Path:
    return folder.joinpath(*(["d" * 200] * 30), "deep.nnstudio")


NOT_FILES: dict[str, Builder] = {
    "fifo": fifo,
    "socket": socket_file,
    "dev_zero": link_to("/dev/zero"),
    "dev_urandom": link_to("/dev/urandom"),
    "dev_null": link_to("/dev/null"),
    "folder": folder_named,
    "dangling_link": dangling_link,
    "link_loop": link_loop,
    "long_name": long_name,
    "deep_path": deep_path,
}
"""Each refuses with a message, quickly, and reads nothing."""
ODD_PATH_TEXT = ["with\x00nul.nnstudio", "lone\ud800surrogate.nnstudio", ""]


# -- archives whose directory lies ---------------------------------------------------------
def eocd(entries: int, cd_size: int, cd_offset: int, comment: bytes = b"") -> bytes:
    return struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, min(entries, 0xFFFF), min(entries, 0xFFFF),
        cd_size, cd_offset, len(comment),
    ) + comment  # fmt: skip


def zip_claiming_entries(folder: Path, entries: int = 1_000_000) -> Path:
    """A real small zip whose end record claims a huge directory (zip64 when needed)."""
    real = _project_bytes()
    at = real.rfind(b"PK\x05\x06")
    body = real[:at]
    cd_size = entries * 46
    if entries < 0xFFFF:
        tail = eocd(entries, min(cd_size, 0xFFFFFFFF), 0)
    else:
        zip64_at = len(body)
        record = struct.pack(
            "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, cd_size, 0
        )
        locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, zip64_at, 1)
        tail = record + locator + eocd(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    path = folder / f"claims_{entries}_entries.nnstudio"
    path.write_bytes(body + tail)
    return path


def zip_with_many_entries(folder: Path, entries: int = 70_000) -> Path:
    """A real zip with many tiny members: its end record tells the count honestly."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.json", b"{}")
        for i in range(entries):
            archive.writestr(f"m{i}", b"")
    path = folder / f"real_{entries}_entries.nnstudio"
    path.write_bytes(buffer.getvalue())
    return path


def zip_with_huge_directory_bytes(folder: Path) -> Path:
    """Few entries claimed, but a directory of many megabytes (a lie in the other field)."""
    real = _project_bytes()
    at = real.rfind(b"PK\x05\x06")
    path = folder / "huge_directory.nnstudio"
    path.write_bytes(real[:at] + eocd(3, 200 * 1024**2, 0))
    return path


# -- histories ----------------------------------------------------------------------------
def archive_with_history(folder: Path, name: str, history: bytes) -> Path:
    project = TEMPLATES.get("xor_mlp").build()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.json", project_json_bytes(project))
        archive.writestr("history.json", history, compress_type=zipfile.ZIP_DEFLATED)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


def history_of_points(points: int, series: int = 150) -> bytes:
    """A history of `points` points spread over `series` curves, written fast."""
    import numpy as np

    per = points // series
    xs = ",".join(map(str, range(1, per + 1)))
    ys = ",".join(map(str, np.random.default_rng(0).random(per).round(6).tolist()))
    curves = ",".join(f'"s{i}":{{"x":[{xs}],"y":[{ys}]}}' for i in range(series))
    return f'{{"version":1,"last_step":1,"series":{{{curves}}}}}'.encode()


def history_15m(folder: Path) -> Path:
    """15 million points in 57 MB: one-digit values, so it stays under the member limit."""
    import numpy as np

    digits = ",".join(map(str, np.random.default_rng(0).integers(0, 10, 100_000).tolist()))
    curves = ",".join(f'"s{i}":{{"x":[{digits}],"y":[{digits}]}}' for i in range(150))
    data = f'{{"version":1,"last_step":1,"series":{{{curves}}}}}'.encode()
    return archive_with_history(folder, "history_15m.nnstudio", data)


def history_huge_step(folder: Path) -> Path:
    data = b'{"version":1,"last_step":' + b"9" * 4000 + b',"series":{}}'
    return archive_with_history(folder, "history_huge_step.nnstudio", data)


def history_huge_x(folder: Path) -> Path:
    data = b'{"version":1,"last_step":1,"series":{"train_loss":{"x":[1e300],"y":[1]}}}'
    return archive_with_history(folder, "history_huge_x.nnstudio", data)


def history_1e308_loss(folder: Path) -> Path:
    series = {"train_loss": {"x": [1, 2, 3], "y": [0.5, 1e308, 0.4]}}
    data = json.dumps({"version": 1, "last_step": 3, "series": series}).encode()
    return archive_with_history(folder, "history_1e308_loss.nnstudio", data)


# -- text that cannot be written back ------------------------------------------------------
def project_with_text(folder: Path, where: str) -> Path:
    """A JSON project whose `where` ("id", "title", "description", "param") holds \\ud800."""
    data = json.loads(project_json_bytes(TEMPLATES.get("xor_mlp").build()))
    bad = "x\ud800y"
    if where == "id":
        old = data["graph"]["nodes"][0]["id"]
        data["graph"]["nodes"][0]["id"] = bad
        for edge in data["graph"]["edges"]:
            for end in ("src", "dst"):
                if edge[end][0] == old:
                    edge[end][0] = bad
    elif where == "param":
        data["dataset"] = {"name": "csv", "params": {"path": f"/tmp/{bad}.csv"}}
    else:
        data[where] = bad
    path = folder / f"surrogate_in_{where}.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # ensure_ascii writes the escape
    return path


def project_with_node_id(folder: Path, node_id: str, tag: str) -> Path:
    data = json.loads(project_json_bytes(TEMPLATES.get("xor_mlp").build()))
    old = data["graph"]["nodes"][0]["id"]
    data["graph"]["nodes"][0]["id"] = node_id
    for edge in data["graph"]["edges"]:
        for end in ("src", "dst"):
            if edge[end][0] == old:
                edge[end][0] = node_id
    path = folder / f"node_id_{tag}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


BAD_NODE_IDS = {
    "dot": "a.b",
    "leading_digit": "1abc",
    "space": "a b",
    "slash": "a/b",
    "empty_after_strip": " ",
    "unicode": "ñode",
    "too_long": "a" * 65,
}


# -- data files ---------------------------------------------------------------------------
def project_with_data(folder: Path, config: DatasetConfig, name: str) -> Path:
    project = Project(TEMPLATES.get("xor_mlp").build().graph, config)
    path = folder / name
    path.write_bytes(archive_bytes(project))
    return path


def idx_gzip_bomb(folder: Path, megabytes: int = 200) -> Path:
    header = struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 10, 28, 28)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(header)]
    zeros = b"\0" * (1 << 20)
    parts += [packer.compress(zeros) for _ in range(megabytes)]
    parts.append(packer.flush())
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"".join(parts))
    return path


def csv_gzip_bomb(folder: Path, megabytes: int = 300) -> Path:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b"a,b,y\n")]
    block = b"1,2,0\n" * (1 << 18)
    parts += [packer.compress(block) for _ in range(megabytes * 1024**2 // len(block))]
    parts.append(packer.flush())
    path = folder / "bomb.csv.gz"
    path.write_bytes(b"".join(parts))
    return path


def csv_text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_gz(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(gzip.compress(text.encode()))
    return path


def everything(out: Path) -> list[Path]:
    """Every case above, written into `out` (FIFOs and links included)."""
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for name, build in NOT_FILES.items():
        if name in ("long_name", "deep_path"):
            continue
        made.append(build(out / "not_files" if (out / "not_files").exists() else _dir(out)))
    for build in (zip_claiming_entries, zip_with_huge_directory_bytes, history_15m,
                  history_huge_step, history_huge_x, history_1e308_loss, idx_gzip_bomb,
                  csv_gzip_bomb):  # fmt: skip
        made.append(build(out))
    for where in ("id", "title", "description", "param"):
        made.append(project_with_text(out, where))
    for tag, node_id in BAD_NODE_IDS.items():
        made.append(project_with_node_id(out, node_id, tag))
    return made


def _dir(out: Path) -> Path:
    folder = out / "not_files"
    folder.mkdir(exist_ok=True)
    return folder


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-world")
    for path in everything(target):
        print(path)
