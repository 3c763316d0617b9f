"""A look at a zip's end-of-central-directory record before the directory is listed.

`zipfile.ZipFile` parses the whole central directory into Python objects the moment it
opens, so an archive claiming millions of entries costs seconds and gigabytes before any
check of ours runs. The end record, at most 64 KiB from the end of the file, says how many
entries there are and how many bytes the directory takes; both are checked here first.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

EOCD_SIGNATURE = b"PK\x05\x06"
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
EOCD_SIZE = 22
MAX_COMMENT = 65535
BYTES_PER_ENTRY = 4096
"""A generous allowance per directory entry (46 bytes plus name, extra field and comment)."""


def directory_problem(handle: BinaryIO, max_entries: int) -> str | None:
    """Why the zip in `handle` must not be listed (too many entries, a huge directory), or
    None. A missing end record is left for zipfile to report as damage."""
    try:
        size = handle.seek(0, os.SEEK_END)
        tail_size = min(size, EOCD_SIZE + MAX_COMMENT)
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
    except (OSError, ValueError):
        return None
    at = tail.rfind(EOCD_SIGNATURE)
    if at < 0 or len(tail) - at < EOCD_SIZE:
        return None
    (disk_entries, entries, cd_size, cd_offset) = struct.unpack("<HHII", tail[at + 8 : at + 20])
    entries = max(disk_entries, entries)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        zip64 = _zip64_counts(handle, size - tail_size + at)
        if zip64 is not None:
            entries, cd_size = max(entries, zip64[0]), max(cd_size, zip64[1])
    limit = max_entries * BYTES_PER_ENTRY
    if entries > max_entries:
        return f"lists {entries:,} files; a project holds at most {max_entries}."
    if cd_size > limit:
        return (
            f"has a {cd_size:,}-byte file directory, far more than {max_entries} files need; "
            "it is damaged or hostile."
        )
    return None


def _zip64_counts(handle: BinaryIO, eocd_at: int) -> tuple[int, int] | None:
    """(entries, directory size) from the zip64 end record, if the locator points at one."""
    try:
        if eocd_at < 20:
            return None
        handle.seek(eocd_at - 20)
        locator = handle.read(20)
        if locator[:4] != ZIP64_LOCATOR_SIGNATURE:
            return None
        (offset,) = struct.unpack("<Q", locator[8:16])
        handle.seek(offset)
        record = handle.read(56)
    except (OSError, ValueError, OverflowError):
        return None
    if len(record) < 56 or record[:4] != ZIP64_EOCD_SIGNATURE:
        return None
    disk_entries, entries, cd_size = struct.unpack("<QQQ", record[24:48])
    return max(disk_entries, entries), cd_size
