"""A small PNG reader (numpy and zlib only), so the command line can read pictures without Qt
or Pillow. It reads what drawing programs and screenshots write: 8-bit grey, grey with alpha,
RGB, RGBA and palette images, 16-bit by taking the high byte, not interlaced.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from nnstudio.core.errors import InputError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""PNG colour type -> samples per pixel."""
LUMA = np.array([0.299, 0.587, 0.114])
"""How much red, green and blue count towards grey (ITU-R BT.601)."""


def is_png(data: bytes) -> bool:
    return data[:8] == SIGNATURE


def _chunks(data: bytes, name: str):
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            raise InputError(f"{name} is cut short: it is not a complete PNG file.")
        yield kind, body
        pos += 12 + length


def _unfilter(raw: bytes, height: int, stride: int, bpp: int, name: str) -> np.ndarray:
    """Undo PNG's per-row filters (none, sub, up, average, Paeth)."""
    if len(raw) < height * (stride + 1):
        raise InputError(f"{name} holds less image data than its size says.")
    rows = np.frombuffer(raw, dtype=np.uint8)[: height * (stride + 1)].reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if kind == 0:
            current = line
        elif kind == 2:
            current = (line + previous) & 0xFF
        elif kind == 1:  # each byte adds the decoded byte one pixel left: a running sum
            padded = np.zeros(-(-stride // bpp) * bpp, dtype=np.int64)
            padded[:stride] = line
            current = (padded.reshape(-1, bpp).cumsum(axis=0).ravel()[:stride] & 0xFF).astype(
                np.int32
            )
        elif kind in (3, 4):
            current = np.zeros(stride, dtype=np.int32)
            for x in range(stride):  # each byte depends on the one just decoded
                left = current[x - bpp] if x >= bpp else 0
                up = previous[x]
                if kind == 3:
                    guess = (left + up) >> 1
                else:
                    corner = previous[x - bpp] if x >= bpp else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    guess = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                current[x] = (line[x] + guess) & 0xFF
        else:
            raise InputError(f"{name} uses an unknown PNG row filter ({kind}).")
        out[y] = current
        previous = current
    return out


def read_png_grey(data: bytes, name: str = "The image", max_pixels: int = 4_000_000):
    """The picture as grey levels 0..1 (height, width); transparent parts count as white."""
    if not is_png(data):
        raise InputError(f"{name} is not a PNG file.")
    header = None
    palette = None
    compressed = bytearray()
    for kind, body in _chunks(data, name):
        if kind == b"IHDR":
            if len(body) != 13:
                raise InputError(f"{name} has a broken PNG header.")
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    if header is None:
        raise InputError(f"{name} has no PNG header.")
    width, height, depth, colour, _comp, _filter, interlace = header
    if width == 0 or height == 0:
        raise InputError(f"{name} has no pixels.")
    if width * height > max_pixels:
        raise InputError(
            f"{name} is {width}×{height} pixels; pictures of up to "
            f"{max_pixels:,} pixels can be read."
        )
    if colour not in CHANNELS or depth not in (8, 16) or (colour == 3 and depth != 8):
        raise InputError(
            f"{name} is a {depth}-bit PNG of colour type {colour}, which this "
            "reader does not handle: save it as an 8-bit PNG."
        )
    if interlace:
        raise InputError(f"{name} is an interlaced PNG: save it without interlacing.")
    channels = CHANNELS[colour]
    bpp = channels * depth // 8
    try:
        raw = zlib.decompressobj().decompress(bytes(compressed), height * (width * bpp + 1))
    except zlib.error:
        raise InputError(f"{name}'s image data is damaged.") from None
    pixels = _unfilter(raw, height, width * bpp, bpp, name).reshape(height, width, bpp)
    if depth == 16:
        pixels = pixels[:, :, 0::2]  # the high byte of each sample
    values = pixels.astype(np.float64) / 255.0
    if colour == 3:
        if palette is None:
            raise InputError(f"{name} is a palette PNG without a palette.")
        index = pixels[:, :, 0].astype(np.int64)
        if index.max() >= len(palette):
            raise InputError(f"{name} uses colours its palette does not have.")
        values = palette[index].astype(np.float64) / 255.0
        channels = 3
    alpha = None
    if channels in (2, 4):
        alpha, values = values[:, :, -1], values[:, :, :-1]
    grey = values @ LUMA if values.shape[2] == 3 else values[:, :, 0]
    if alpha is not None:
        grey = grey * alpha + (1.0 - alpha)
    return grey
