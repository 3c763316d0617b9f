"""Reading a CSV file into a table of text cells, and deciding what each column holds.

The standard csv module does the parsing (quotes, embedded separators); this module adds the
checks a person needs: every row the same width, errors that name the line, and a guess per
column of whether it holds numbers or categories. Tables are cached by path, size and time of
last change, because shape inference asks again after every edit of the network.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from nnstudio.core.datasets.file_cache import FileCache
from nnstudio.core.errors import DatasetError
from nnstudio.core.safe_read import exists, read_bytes, regular_stat

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_COLUMNS = 2000
DELIMITERS: dict[str, str | None] = {"auto": None, "comma": ",", "semicolon": ";", "tab": "\t"}
_CACHE_SIZE = 3


@dataclass(frozen=True)
class ColumnInfo:
    """What one column holds, judged from all its cells."""

    name: str
    numeric: bool
    categories: tuple[str, ...] = ()
    """The distinct text values of a non-numeric column, sorted."""
    problem: str = ""
    """The first cell that keeps the column from being used as it is, e.g. "Line 7: ..."."""


@dataclass
class CsvTable:
    columns: tuple[str, ...]
    rows: list[list[str]]
    lines: list[int]
    """The line of the file each row ends on (1-based), for error messages."""
    _info: dict[int, ColumnInfo] = field(default_factory=dict, repr=False)

    def index(self, name: str) -> int:
        if name not in self.columns:
            raise DatasetError(
                f"The CSV file has no column {name!r}; its columns are {', '.join(self.columns)}."
            )
        return self.columns.index(name)

    def column(self, index: int) -> ColumnInfo:
        """The kind of column `index`: numeric if all (or nearly all) cells are numbers."""
        if index not in self._info:
            self._info[index] = _judge(self, index)
        return self._info[index]


def parse_number(text: str) -> float | None:
    """The cell as a finite float, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _judge(table: CsvTable, index: int) -> ColumnInfo:
    name = table.columns[index]
    numbers, texts = 0, set()
    first_text = first_empty = None
    for row, line in zip(table.rows, table.lines, strict=True):
        cell = row[index]
        if cell == "":
            first_empty = first_empty or line
        elif parse_number(cell) is not None:
            numbers += 1
        else:
            texts.add(cell)
            first_text = first_text or (line, cell)
    empty = f"Line {first_empty}: column {name!r} is empty; fill it in or delete the row."
    if not texts or numbers >= len(table.rows) // 2 + 1:
        # Mostly numbers: a word among them is a bad cell, not a category.
        problem = ""
        if first_text is not None:
            line, cell = first_text
            problem = f"Line {line}: column {name!r} holds {cell!r}, not a number."
        elif first_empty is not None:
            problem = empty
        return ColumnInfo(name, True, (), problem)
    return ColumnInfo(name, False, tuple(sorted(texts)), empty if first_empty else "")


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Latin-1, which spreadsheets often write."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _sniff(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _unique(names: list[str]) -> tuple[str, ...]:
    """Blank names become "column N"; a repeated name gets " (2)", " (3)" ..."""
    result: list[str] = []
    for i, name in enumerate(names):
        name = name.strip() or f"column {i + 1}"
        base, n = name, 2
        while name in result:
            name, n = f"{base} ({n})", n + 1
        result.append(name)
    return tuple(result)


def parse_csv(text: str, delimiter: str = "auto", header: bool = True) -> CsvTable:
    """A table from CSV text; DatasetError names the line of the first row that does not fit."""
    if delimiter not in DELIMITERS:
        raise DatasetError(f"Unknown separator {delimiter!r}; use {', '.join(DELIMITERS)}.")
    sep = DELIMITERS[delimiter] or _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    columns: tuple[str, ...] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines carry no sample
            cells = [cell.strip() for cell in row]
            if columns is None:
                if len(cells) > MAX_COLUMNS:
                    raise DatasetError(f"The CSV file has {len(cells)} columns; at most "
                                       f"{MAX_COLUMNS} are supported.")  # fmt: skip
                columns = _unique(cells if header else [""] * len(cells))
                if header:
                    continue
            if len(cells) != len(columns):
                raise DatasetError(f"Line {reader.line_num}: {len(cells)} values, but the file "
                                   f"has {len(columns)} columns.")  # fmt: skip
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DatasetError(f"Line {reader.line_num}: the CSV cannot be read ({exc}).") from None
    if columns is None:
        raise DatasetError("The CSV file is empty.")
    if not rows:
        raise DatasetError("The CSV file has a header but no rows of data.")
    return CsvTable(columns, rows, lines)


_cache: FileCache[CsvTable] = FileCache(_CACHE_SIZE)


def read_csv_table(
    path: str | os.PathLike[str], delimiter: str = "auto", header: bool = True
) -> CsvTable:
    """The parsed file, from the cache while the file is unchanged."""
    path = Path(path).expanduser()
    if not str(path).strip() or str(path) == ".":
        raise DatasetError("Choose a CSV file: press Import CSV… or type its path.")
    if not exists(path):
        raise DatasetError(f"The CSV file {path} is not there: locate it (Locate… in "
                           "Problems, or Import CSV…).")  # fmt: skip
    stat = regular_stat(path, DatasetError)  # a FIFO or device would block or never end
    if stat.st_size > MAX_CSV_BYTES:
        raise DatasetError(f"{path.name} is {stat.st_size / 2**20:.0f} MB; CSV files of up "
                           f"to {MAX_CSV_BYTES // 2**20} MB can be imported.")  # fmt: skip
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size, delimiter, header)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    raw = read_bytes(path, MAX_CSV_BYTES, DatasetError)
    table = parse_csv(_decode(raw), delimiter, header)
    _cache.put(key, table)
    return table
