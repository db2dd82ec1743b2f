"""Check a screenshot: is it an image at all, is it more than one flat colour, and are
given pixels the colours they should be?

    python3 packaging/png_check.py OUT.png [--expect X,Y=RRGGBB ...] [--size WxH]

Standard library only, so it runs next to a bundle without the studio's dependencies.
Reads the PNGs Qt writes: 8-bit greyscale, RGB or RGBA, not interlaced.
"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type → samples per pixel
# Anti-aliasing and colour management may shift a channel a little.
TOLERANCE = 24


@dataclass(frozen=True, slots=True)
class Image:
    width: int
    height: int
    channels: int
    rows: list[bytes]

    def rgb(self, x: int, y: int) -> tuple[int, int, int]:
        row, c = self.rows[y], self.channels
        px = row[x * c:(x + 1) * c]
        if c <= 2:  # greyscale, maybe with alpha
            return px[0], px[0], px[0]
        return px[0], px[1], px[2]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(data: bytes, width: int, height: int, bpp: int) -> list[bytes]:
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind = data[pos]
        line = bytearray(data[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            upleft = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, upleft)) & 0xFF
            elif kind != 0:
                raise ValueError(f"unknown PNG filter {kind}")
        rows.append(bytes(line))
        prev = line
    return rows


def read_png(path: Path) -> Image:
    blob = path.read_bytes()
    if not blob.startswith(_SIGNATURE):
        raise ValueError(f"{path} is not a PNG file")
    pos = len(_SIGNATURE)
    header: tuple[int, ...] | None = None
    compressed = bytearray()
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind = blob[pos + 4:pos + 8]
        body = blob[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{path} has no IHDR chunk")
    width, height, depth, colour, _comp, _filt, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace != 0:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, "
                         f"interlace {interlace})")
    channels = _CHANNELS[colour]
    rows = _unfilter(zlib.decompress(bytes(compressed)), width, height, channels)
    return Image(width, height, channels, rows)


def distinct_colours(image: Image, limit: int = 64) -> int:
    """How many different colours a sparse grid of samples finds (up to `limit`)."""
    seen: set[tuple[int, int, int]] = set()
    step_x, step_y = max(1, image.width // 64), max(1, image.height // 64)
    for y in range(0, image.height, step_y):
        for x in range(0, image.width, step_x):
            seen.add(image.rgb(x, y))
            if len(seen) >= limit:
                return limit
    return len(seen)


def _parse_expect(text: str) -> tuple[int, int, tuple[int, int, int]]:
    where, _, colour = text.partition("=")
    x, _, y = where.partition(",")
    value = int(colour.lstrip("#"), 16)
    return int(x), int(y), ((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="check that a screenshot shows something")
    parser.add_argument("png", type=Path)
    parser.add_argument("--expect", action="append", default=[], metavar="X,Y=RRGGBB",
                        help="the pixel at X,Y must be this colour (repeatable)")
    parser.add_argument("--size", metavar="WxH", help="the image must be this size")
    args = parser.parse_args(argv)
    try:
        image = read_png(args.png)
    except (OSError, ValueError, zlib.error) as exc:
        print(f"png_check: {exc}", file=sys.stderr)
        return 1
    problems: list[str] = []
    if args.size:
        width, _, height = args.size.lower().partition("x")
        if (image.width, image.height) != (int(width), int(height)):
            problems.append(f"size is {image.width}x{image.height}, expected {args.size}")
    colours = distinct_colours(image)
    if colours < 2:
        problems.append(f"the image is blank: one flat colour {image.rgb(0, 0)}")
    for spec in args.expect:
        x, y, want = _parse_expect(spec)
        if not (0 <= x < image.width and 0 <= y < image.height):
            problems.append(f"{x},{y} is outside the {image.width}x{image.height} image")
            continue
        got = image.rgb(x, y)
        if any(abs(g - w) > TOLERANCE for g, w in zip(got, want, strict=True)):
            problems.append(f"pixel {x},{y} is #{bytes(got).hex()}, expected #{bytes(want).hex()}")
    for problem in problems:
        print(f"png_check: {args.png}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"{args.png}: {image.width}x{image.height}, {colours}+ colours, "
          f"{len(args.expect)} pixel(s) as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
