"""Draw the NN Studio app icon with Qt and write it as PNGs, a Windows .ico and a macOS .icns.

The glyph is a tiny network: three layers of dots joined by lines, on a rounded blue square.
The .ico and .icns containers are written here (both simply hold PNG images), so no image
library beyond Qt is needed. Run: python packaging/make_icons.py [--out resources/icons]
"""

from __future__ import annotations

import argparse
import itertools
import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPen

ROOT = Path(__file__).resolve().parent.parent
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)
"""(icns element type, pixel size); ic11..ic14 are the @2x versions of 16..256."""
LAYERS = (3, 4, 2)
"""Dots per layer, input to output."""
TOP, BOTTOM = QColor("#2b7de9"), QColor("#4b3fc6")
LINE, DOT, OUTPUT_DOT = QColor(255, 255, 255, 150), QColor("#ffffff"), QColor("#ffb347")


def node_positions(size: float) -> list[list[QPointF]]:
    """Centres of the dots, layer by layer, inside the square's padding."""
    layers = []
    for i, count in enumerate(LAYERS):
        x = size * (0.25 + 0.25 * i)
        span = size * 0.17 * (count - 1)
        top = size / 2 - span / 2
        layers.append([QPointF(x, top + size * 0.17 * j) for j in range(count)])
    return layers


def draw_icon(size: int) -> QImage:
    """The icon at `size` × `size` pixels, drawn afresh (not scaled) so small sizes stay crisp."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = size * 0.04
    square = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    gradient = QLinearGradient(square.topLeft(), square.bottomRight())
    gradient.setColorAt(0.0, TOP)
    gradient.setColorAt(1.0, BOTTOM)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(gradient)
    painter.drawRoundedRect(square, size * 0.2, size * 0.2)
    layers = node_positions(size)
    painter.setPen(QPen(LINE, max(1.0, size * 0.022)))
    for left, right in itertools.pairwise(layers):
        for a in left:
            for b in right:
                painter.drawLine(a, b)
    radius = max(1.2, size * 0.055)
    painter.setPen(Qt.PenStyle.NoPen)
    for i, layer in enumerate(layers):
        painter.setBrush(OUTPUT_DOT if i == len(layers) - 1 else DOT)
        for centre in layer:
            painter.drawEllipse(centre, radius, radius)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """A .ico holding one PNG per size (read by Windows Vista and later, and by Inno Setup)."""
    count = len(images)
    header = struct.pack("<HHH", 0, 1, count)
    offset = 6 + 16 * count
    entries, blobs = b"", b""
    for size, blob in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def icns_bytes(images: dict[int, bytes]) -> bytes:
    """A .icns whose elements are PNGs, the form macOS 10.7 and later reads."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(images[size])) + images[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_icons(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(s for _k, s in ICNS_TYPES)})
    pngs = {size: png_bytes(draw_icon(size)) for size in sizes}
    written = []
    for size in PNG_SIZES:
        path = out / f"nnstudio-{size}.png"
        path.write_bytes(pngs[size])
        written.append(path)
    main = out / "nnstudio.png"
    main.write_bytes(pngs[256])
    ico = out / "nnstudio.ico"
    ico.write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    icns = out / "nnstudio.icns"
    icns.write_bytes(icns_bytes(pngs))
    return [*written, main, ico, icns]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "resources" / "icons"))
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for path in write_icons(Path(args.out)):
        print(f"{path}  {path.stat().st_size:>7} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
