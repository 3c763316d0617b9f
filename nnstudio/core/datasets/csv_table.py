"""Reading a CSV file into columns, in bounded memory, and deciding what each column holds.

The standard csv module does the parsing (quotes, embedded separators). Rows are gathered in
chunks of about half a million cells and turned into columns at once: numpy converts a
chunk's cells to numbers in C, and keeps a small table of the distinct texts per column (up
to MAX_DISTINCT, enough for any one-hot column or class label) with a 2-byte code per cell.
So a file never lives in memory as Python strings: a table costs about 10 bytes a cell
(8 for the number, 2 for the code), and the first rows are kept as text for the preview.

Reading reports progress and can be cancelled between chunks. Files may be gzipped
(`.csv.gz`, told by their magic bytes). Tables are cached by path, size and time of last
change, because shape inference asks again after every edit of the network.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import math
import os
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from nnstudio.core.datasets.file_cache import FileCache
from nnstudio.core.errors import DatasetError
from nnstudio.core.safe_read import exists, open_regular, regular_stat

MAX_CSV_BYTES = 256 * 1024 * 1024
"""The largest CSV (after unzipping) we read: about 2.5 GB less than it would take as text."""
MAX_COLUMNS = 2000
MAX_CELL_CHARS = 1024**2
"""The csv module's field limit: a runaway quote cannot swallow the whole file as one cell."""
MAX_DISTINCT = 1000
"""Distinct texts tracked per column: the most any one-hot column or class label may have."""
CHUNK_CELLS = 1_000_000
PREVIEW_ROWS = 50
DELIMITERS: dict[str, str | None] = {
    "auto": None,
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "whitespace": " ",
}
"""`whitespace` splits on runs of spaces and tabs, as tables printed by programs are laid out."""
_CACHE_SIZE = 2

Progress = Callable[[float], bool]
"""Called with the fraction read so far; returning False cancels the read."""


class CsvCancelled(DatasetError):
    """The user cancelled reading the file."""


@dataclass(frozen=True)
class ColumnInfo:
    """What one column holds, judged from all its cells."""

    name: str
    numeric: bool
    categories: tuple[str, ...] = ()
    """The distinct texts of a non-numeric column, sorted (numbers among them included)."""
    problem: str = ""
    """The first cell that keeps the column from being used as it is, e.g. "Line 7: ..."."""
    bad_rows: int = 0
    """Rows whose cell in this column is empty or not a usable value (for drop or fill)."""
    distinct: int | None = None
    """How many different values the column holds; None when more than MAX_DISTINCT."""


@dataclass
class _Column:
    """What reading gathers for one column, chunk by chunk."""

    name: str
    values: list[np.ndarray] = field(default_factory=list)
    """float64 per cell; NaN where the cell is not a finite number."""
    codes: list[np.ndarray] | None = field(default_factory=list)
    """int16 index into `texts` per cell; None once the column has too many distinct texts."""
    texts: list[str] = field(default_factory=list)
    """The distinct (stripped) cell texts, in code order."""
    known: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    """`texts` sorted, for vectorized lookups; `known_codes` are their codes."""
    known_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    num_keys: np.ndarray | None = field(default_factory=lambda: np.zeros(0))
    """While every chunk was all numbers: the distinct numbers (sorted); None after."""
    num_texts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    numbers: int = 0
    empty: int = 0
    words: int = 0
    """Cells that are neither numbers, nor empty, nor nan/inf."""
    first_empty: int = 0
    first_word: tuple[int, str] | None = None
    first_non_finite: tuple[int, str] | None = None
    non_finite: int = 0


@dataclass
class CsvTable:
    columns: tuple[str, ...]
    n_rows: int
    lines: np.ndarray
    """The line of the file each row ends on (1-based), for error messages."""
    preview: list[list[str]]
    """The first rows as text, for the import dialog."""
    _data: list[_Column] = field(default_factory=list, repr=False)
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
            self._info[index] = _judge(self._data[index], self.lines)
        return self._info[index]

    def numbers(self, index: int) -> np.ndarray:
        """The column as float64, NaN where a cell is not a finite number."""
        return self._data[index].values[0]

    def texts(self, index: int) -> list[str] | None:
        """Every cell's text (stripped), or None when the column has too many distinct ones."""
        data = self._data[index]
        if data.codes is None:
            return None
        lookup = np.array(data.texts, dtype=object)
        return lookup[data.codes[0]].tolist() if len(lookup) else [""] * self.n_rows

    def codes(self, index: int) -> tuple[np.ndarray, tuple[str, ...]] | None:
        """(code per cell, the distinct texts those codes index), or None if too many."""
        data = self._data[index]
        if data.codes is None:
            return None
        return data.codes[0], tuple(data.texts)

    @property
    def rows(self) -> list[list[str]]:
        """The first rows as text (the whole table is never kept as text)."""
        return self.preview


def parse_number(text: str) -> float | None:
    """The cell as a finite float, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _judge(col: _Column, lines: np.ndarray) -> ColumnInfo:
    name = col.name
    rows = len(lines)
    empty = f"Line {col.first_empty}: column {name!r} is empty; fill it in or delete the row."
    distinct = None if col.codes is None else len(col.texts) - (1 if "" in col.texts else 0)
    if col.words == 0 or col.numbers >= rows // 2 + 1:
        # Mostly numbers: a word among them is a bad cell, not a category.
        problem = ""
        bad = col.words + col.empty + col.non_finite
        firsts = [f for f in (col.first_word, col.first_non_finite) if f is not None]
        if firsts:
            line, cell = min(firsts)
            if col.first_empty and col.first_empty < line:
                problem = empty
            elif (line, cell) == col.first_non_finite:
                problem = (f"Line {line}: column {name!r} holds {cell!r}, which is not a finite "
                           "number; fix the cell or delete the row.")  # fmt: skip
            else:
                problem = f"Line {line}: column {name!r} holds {cell!r}, not a number."
        elif col.first_empty:
            problem = empty
        return ColumnInfo(name, True, (), problem, bad, distinct)
    if col.codes is None:
        # Text with more distinct values than any one-hot column may have.
        return ColumnInfo(name, False, (), "", col.empty, None)
    categories = tuple(sorted(text for text in col.texts if text))
    return ColumnInfo(name, False, categories, empty if col.first_empty else "", col.empty,
                      len(categories))  # fmt: skip


def _sniff(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    try:
        return csv.Sniffer().sniff(sample[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    if len(lines) > 1 and all(len(line.split()) == len(lines[0].split()) > 1 for line in lines):
        return " "  # columns lined up with spaces
    return ","


def _unique(names: list[str]) -> tuple[str, ...]:
    """Blank names become "column N"; a repeated name gets " (2)", " (3)" ..."""
    result: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        name = name.strip() or f"column {i + 1}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base} ({n})", n + 1
        result.append(name)
        seen.add(name)
    return tuple(result)


class _WhitespaceReader:
    """Rows split on runs of spaces and tabs, with csv.reader's `line_num`."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.line_num = 0

    def __iter__(self) -> _WhitespaceReader:
        return self

    def __next__(self) -> list[str]:
        line = next(self._lines)
        self.line_num += 1
        return line.split()


def _add_chunk(columns: list[_Column], rows: list[list[str]], lines: list[int]) -> None:
    """Turn a chunk of rows into each column's numbers and codes."""
    line_array = np.asarray(lines, dtype=np.int64)
    for j, cells in enumerate(zip(*rows, strict=True)):
        col = columns[j]
        try:
            # float() in C is several times faster than numpy's text-to-number cast.
            values = np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
        except ValueError:
            raw = np.asarray(cells, dtype=str)
            values = _slow_numbers(col, raw, line_array)
            _to_text_codes(col)
            col.values.append(values)
            _add_codes(col, raw)
            continue
        good = np.isfinite(values)
        numbers = int(good.sum())
        if numbers != len(values):
            k = int(np.argmax(~good))
            col.non_finite += len(values) - numbers
            if col.first_non_finite is None:
                col.first_non_finite = (int(line_array[k]), cells[k].strip())
            values = np.where(good, values, np.nan)
        col.numbers += numbers
        col.values.append(values)
        if col.num_keys is None:
            _add_codes(col, np.asarray(cells, dtype=str))
        else:
            _add_number_keys(col, cells, values)


def _add_number_keys(col: _Column, cells: tuple[str, ...], values: np.ndarray) -> None:
    """All-number chunks of a column so far: remember its distinct numbers and the text each
    was first written as. Cheaper than coding texts, and codes follow from the numbers."""
    if col.codes is None or col.num_keys is None:
        return
    keys, first = np.unique(values, return_index=True)
    fresh = ~np.isin(keys, col.num_keys)
    if len(col.num_keys) + int(fresh.sum()) > MAX_DISTINCT:
        col.codes, col.texts, col.num_keys = None, [], None
        return
    if fresh.any():
        merged = np.concatenate([col.num_keys, keys[fresh]])
        seen = np.array([cells[i].strip() for i in first[fresh].tolist()], dtype=str)
        texts = np.concatenate([col.num_texts, seen])
        order = np.argsort(merged, kind="stable")
        col.num_keys, col.num_texts = merged[order], texts[order]


def _to_text_codes(col: _Column) -> None:
    """Leave number keys for text codes: code the chunks read so far by their numbers."""
    if col.num_keys is None:
        return
    keys, texts = col.num_keys, col.num_texts
    col.num_keys = None
    if col.codes is None:
        return
    col.texts = texts.tolist()
    order = np.argsort(texts, kind="stable")
    col.known = texts[order]
    col.known_codes = np.arange(len(texts), dtype=np.int16)[order]
    col.codes = [
        np.searchsorted(keys, values).clip(0, max(len(keys) - 1, 0)).astype(np.int16)
        for values in col.values
    ]


def _slow_numbers(col: _Column, raw: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """A chunk with empty or text cells: classify each distinct cell once, then spread."""
    uniques, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), minlength=len(uniques))
    values = np.full(len(uniques), np.nan)
    kinds = np.zeros(len(uniques), dtype=np.int8)  # 0 number, 1 empty, 2 word, 3 nan/inf
    for k, text in enumerate(uniques.tolist()):
        cell = text.strip()
        if not cell:
            kinds[k] = 1
            continue
        try:
            value = float(cell)
        except ValueError:
            kinds[k] = 2
            continue
        if math.isfinite(value):
            values[k] = value
        else:
            kinds[k] = 3
    col.numbers += int(counts[kinds == 0].sum())
    col.empty += int(counts[kinds == 1].sum())
    col.words += int(counts[kinds == 2].sum())
    col.non_finite += int(counts[kinds == 3].sum())
    for kind in (1, 2, 3):
        mask = kinds == kind
        if not mask.any():
            continue
        k = int(np.flatnonzero(mask)[np.argmin(first[mask])])
        where = (int(lines[first[k]]), str(uniques[k]).strip())
        if kind == 1 and not col.first_empty:
            col.first_empty = where[0]
        elif kind == 2 and col.first_word is None:
            col.first_word = where
        elif kind == 3 and col.first_non_finite is None:
            col.first_non_finite = where
    return values[inverse.reshape(-1)]


def _add_codes(col: _Column, raw: np.ndarray) -> None:
    """Code each cell by its stripped text, all in numpy: no Python loop over cells."""
    if col.codes is None:
        return
    uniques, inverse = np.unique(raw, return_inverse=True)
    if len(uniques) > MAX_DISTINCT:
        col.codes, col.texts = None, []
        return
    stripped, back = np.unique(np.char.strip(uniques), return_inverse=True)
    found = np.zeros(len(stripped), dtype=bool)
    at = np.zeros(len(stripped), dtype=np.intp)
    if len(col.known):
        at = np.minimum(np.searchsorted(col.known, stripped), len(col.known) - 1)
        found = col.known[at] == stripped
    new = stripped[~found]
    if len(col.texts) + len(new) > MAX_DISTINCT:
        col.codes, col.texts = None, []
        return
    codes = np.empty(len(stripped), dtype=np.int16)
    codes[found] = col.known_codes[at[found]]
    new_codes = np.arange(len(col.texts), len(col.texts) + len(new), dtype=np.int16)
    codes[~found] = new_codes
    if len(new):
        col.texts.extend(new.tolist())
        known = np.concatenate([col.known, new])
        order = np.argsort(known, kind="stable")
        col.known = known[order]
        col.known_codes = np.concatenate([col.known_codes, new_codes])[order]
    col.codes.append(codes[back.reshape(-1)][inverse.reshape(-1)])


def _finish(col: _Column) -> None:
    _to_text_codes(col)
    col.values = [np.concatenate(col.values) if col.values else np.zeros(0)]
    if col.codes is not None:
        col.codes = [np.concatenate(col.codes) if col.codes else np.zeros(0, np.int16)]


def _read_rows(
    text: io.TextIOBase,
    delimiter: str,
    header: bool,
    skip_lines: int,
    where: Callable[[], float],
    progress: Progress | None,
) -> CsvTable:
    """The table from a text stream; `where` tells how far into the file reading has got."""
    if delimiter not in DELIMITERS:
        raise DatasetError(f"Unknown separator {delimiter!r}; use {', '.join(DELIMITERS)}.")
    skipped = 0
    while skipped < skip_lines and text.readline():
        skipped += 1
    sep = DELIMITERS[delimiter]
    sample_lines: list[str] = []
    if sep is None:
        size = 0
        for line in text:
            sample_lines.append(line)
            size += len(line)
            if size > 65536 or len(sample_lines) >= 200:
                break
        sep = _sniff("".join(sample_lines))
    source = itertools.chain(sample_lines, text)
    csv.field_size_limit(MAX_CELL_CHARS)
    reader: Any = _WhitespaceReader(source) if sep == " " else csv.reader(source, delimiter=sep)
    columns: tuple[str, ...] | None = None
    data: list[_Column] = []
    preview: list[list[str]] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    all_lines: list[np.ndarray] = []
    n_rows = 0
    chunk_rows = 1
    try:
        for row in reader:
            line = skipped + reader.line_num
            if not any(row) or (len(row) == 1 and not row[0].strip()):
                continue  # blank lines carry no sample
            if columns is None:
                if len(row) > MAX_COLUMNS:
                    raise DatasetError(f"The CSV file has {len(row)} columns; at most "
                                       f"{MAX_COLUMNS} are supported.")  # fmt: skip
                columns = _unique(row if header else [""] * len(row))
                data = [_Column(name) for name in columns]
                chunk_rows = max(1, CHUNK_CELLS // len(columns))
                if header:
                    continue
            if len(row) != len(columns):
                raise DatasetError(f"Line {line}: {len(row)} values, but the file "
                                   f"has {len(columns)} columns.")  # fmt: skip
            if len(preview) < PREVIEW_ROWS:
                preview.append([cell.strip() for cell in row])
            rows.append(row)
            lines.append(line)
            if len(rows) >= chunk_rows:
                _add_chunk(data, rows, lines)
                all_lines.append(np.asarray(lines, dtype=np.int64))
                n_rows += len(rows)
                rows, lines = [], []
                if progress is not None and progress(where()) is False:
                    raise CsvCancelled("Reading the CSV file was cancelled.")
    except csv.Error as exc:
        raise DatasetError(f"Line {skipped + reader.line_num}: the CSV cannot be read "
                           f"({exc}).") from None  # fmt: skip
    if columns is None:
        raise DatasetError("The CSV file is empty.")
    if rows:
        _add_chunk(data, rows, lines)
        all_lines.append(np.asarray(lines, dtype=np.int64))
        n_rows += len(rows)
    if not n_rows:
        raise DatasetError("The CSV file has a header but no rows of data.")
    for col in data:
        _finish(col)
    line_array = np.concatenate(all_lines)
    if progress is not None:
        progress(1.0)
    return CsvTable(columns, n_rows, line_array, preview, data)


def parse_csv(
    text: str, delimiter: str = "auto", header: bool = True, skip_lines: int = 0
) -> CsvTable:
    """A table from CSV text; DatasetError names the line of the first row that does not fit."""
    stream = io.StringIO(text.removeprefix("\ufeff"), newline="")
    return _read_rows(stream, delimiter, header, skip_lines, lambda: 1.0, None)


class _Limited(io.RawIOBase):
    """A byte stream that stops with DatasetError past `limit` bytes (a gzip bomb, say)."""

    def __init__(self, inner: BinaryIO, limit: int, name: str) -> None:
        self.inner, self.limit, self.name, self.count = inner, limit, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self.inner.read(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:
            raise DatasetError(f"{self.name} cannot be read, it may be damaged: {exc}.") from None
        self.count += len(data)
        if self.count > self.limit:
            raise DatasetError(f"{self.name} holds more than {self.limit // 2**20} MB of text; "
                               "CSV files up to that size can be imported.")  # fmt: skip
        buffer[: len(data)] = data
        return len(data)


def _read_file(
    path: Path, delimiter: str, header: bool, skip_lines: int, progress: Progress | None
) -> CsvTable:
    for encoding in ("utf-8-sig", "latin-1"):
        with open_regular(path, DatasetError) as handle:
            size = max(1, os.fstat(handle.fileno()).st_size)
            gzipped = handle.read(2) == b"\x1f\x8b"
            handle.seek(0)
            inner: BinaryIO = gzip.GzipFile(fileobj=handle) if gzipped else handle  # type: ignore[assignment]
            limited = _Limited(inner, MAX_CSV_BYTES, path.name)
            buffered = io.BufferedReader(limited, 1 << 20)
            text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
            try:
                return _read_rows(
                    text, delimiter, header, skip_lines,
                    lambda h=handle, s=size: min(1.0, h.tell() / s), progress,
                )  # fmt: skip
            except UnicodeDecodeError:
                continue  # not UTF-8: spreadsheets often write Latin-1; read it again as that
    raise DatasetError(f"{path.name} is not text.")  # latin-1 decodes anything; never reached


_cache: FileCache[CsvTable] = FileCache(_CACHE_SIZE)


def read_csv_table(
    path: str | os.PathLike[str],
    delimiter: str = "auto",
    header: bool = True,
    skip_lines: int = 0,
    progress: Progress | None = None,
) -> CsvTable:
    """The parsed file, from the cache while the file is unchanged. `progress` is called with
    the fraction read and may return False to cancel (CsvCancelled)."""
    path = Path(path).expanduser()
    if not str(path).strip() or str(path) == ".":
        raise DatasetError("Choose a CSV file: press Import CSV… or type its path.")
    if not exists(path):
        raise DatasetError(f"The CSV file {path} cannot be read: it is not there. Locate it "
                           "(Locate… in Problems, or Import CSV…).")  # fmt: skip
    stat = regular_stat(path, DatasetError)  # a FIFO or device would block or never end
    if stat.st_size > MAX_CSV_BYTES:
        raise DatasetError(f"{path.name} is {stat.st_size / 2**20:.0f} MB; CSV files of up "
                           f"to {MAX_CSV_BYTES // 2**20} MB can be imported.")  # fmt: skip
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size, delimiter, header, skip_lines)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    table = _read_file(path, delimiter, header, skip_lines, progress)
    _cache.put(key, table)
    return table
