"""Hypothesis strategies that mutate a target's valid seeds, or make raw bytes."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tests.fuzz.targets import seeds

INTERESTING = [
    b"\x00", b"\xff", b"nan", b"1e308", b"-1", b"9" * 400, b"\xed\xa0\x80", b"\\ud800",
    b'"', b"[" * 50, b"{" * 50, b"PK\x05\x06", b"PK\x01\x02", b"\x1f\x8b", b"\r\n", b",",
    b";", b"\t", b"  ", b"NaN", b"Infinity", b"true", b"null", b"[]", b"{}",
]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated(draw, target: str) -> bytes:
    """A seed of `target` changed a few times, or raw bytes now and then."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2048))
    data = bytearray(draw(st.sampled_from(seeds(target))))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 6))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == 0 and data:  # flip a byte
            data[at] = draw(st.integers(0, 255))
        elif kind == 1:  # cut
            end = draw(st.integers(at, min(len(data), at + 64)))
            del data[at:end]
        elif kind == 2:  # insert something that often matters
            data[at:at] = draw(st.sampled_from(INTERESTING))
        elif kind == 3:  # duplicate a slice
            end = draw(st.integers(at, min(len(data), at + 256)))
            data[at:at] = data[at:end]
        elif kind == 4:  # truncate
            del data[at:]
        elif kind == 5 and target in ("project_json", "history"):
            data = bytearray(_replace_json_value(bytes(data), draw(JSON_VALUES), draw))
        else:  # random bytes in place
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(chunk)] = chunk
    return bytes(data)


def _replace_json_value(data: bytes, value, draw) -> bytes:
    """Put `value` at a random place in the JSON document (structure-aware mutation)."""
    try:
        doc = json.loads(data)
    except ValueError:
        return data
    holders = []
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            holders += [(item, key) for key in item]
            stack += list(item.values())
        elif isinstance(item, list):
            holders += [(item, i) for i in range(len(item))]
            stack += item
    if not holders:
        return data
    holder, key = draw(st.sampled_from(holders))
    holder[key] = value
    return json.dumps(doc).encode()
