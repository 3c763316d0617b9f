"""Finding text that cannot be written back: lone surrogates that JSON lets through.

JSON's `\\ud800` escapes decode to a Python string that UTF-8 cannot encode, so a file holding
one opens fine and then every save (the safetensors header, a file name) fails. Such text is
refused where a document is read, before it can become the user's work.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ITEMS = 2_000_000
"""A walk stops after this many values; the size limits on files keep real documents far below."""


def unencodable_text(data: Any) -> str | None:
    """The first string (key or value) in `data` that is not valid Unicode text, or None."""
    stack = [data]
    seen = 0
    while stack and seen < MAX_ITEMS:
        item = stack.pop()
        seen += 1
        if isinstance(item, str):
            if not _encodes(item):
                return item
        elif isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str) and not _encodes(key):
                    return key
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(text: str, limit: int = 40) -> str:
    """The text with unencodable characters as escapes, short enough for a message."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return repr(safe if len(safe) <= limit else safe[:limit] + "…")


LONE_SURROGATE_ESCAPE = re.compile(
    r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}"
)
"""A `\\udXXX` escape in json.dumps output that is not half of a surrogate pair."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrubbed(data: Any) -> Any:
    """A copy of JSON-like `data` with characters UTF-8 cannot encode replaced by U+FFFD."""
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {scrubbed(key): scrubbed(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [scrubbed(item) for item in data]
    return data
