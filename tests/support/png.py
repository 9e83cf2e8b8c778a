"""A PNG read back without Pillow: the chunks checked (signature, IHDR, CRCs), the image data
inflated with zlib and unfiltered into rows of pixels, as a viewer would."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type → samples per pixel


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    bit_depth: int
    colour_type: int
    rows: list[list[tuple[int, ...]]]  # RGB(A) or grey samples per pixel, palette resolved

    def dark(self, x: int, y: int) -> bool:
        """Whether the pixel at (x, y) is dark (luminance under half)."""
        pixel = self.rows[y][x]
        top = (1 << self.bit_depth) - 1 if self.colour_type in (0, 4) else 255
        grey = (
            pixel[0]
            if len(pixel) < 3
            else (pixel[0] * 299 + pixel[1] * 587 + pixel[2] * 114) // 1000
        )
        return grey * 2 < top


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == SIGNATURE, "not a PNG"
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        found.append((kind, body))
        at += 12 + length
    assert found[0][0] == b"IHDR" and found[-1][0] == b"IEND"
    return found


def size(data: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk."""
    assert data[:8] == SIGNATURE, "not a PNG"
    length, kind, width, height = struct.unpack(">I4sII", data[8:24])
    assert (length, kind) == (13, b"IHDR"), "the first chunk is not IHDR"
    return width, height


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(data: bytes) -> Png:
    """The PNG's pixels (8-bit or less per sample, not interlaced)."""
    found = chunks(data)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", found[0][1])
    assert interlace == 0 and depth <= 8
    palette = [b for k, b in found if k == b"PLTE"]
    raw = zlib.decompress(b"".join(b for k, b in found if k == b"IDAT"))
    channels = CHANNELS[colour]
    stride = (width * channels * depth + 7) // 8
    step = max(1, channels * depth // 8)
    previous = bytearray(stride)
    rows = []
    at = 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1 : at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            line[i] = (
                line[i] + (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
            ) & 0xFF
        previous = line
        samples = []
        for bit in range(0, width * channels * depth, depth):
            byte = line[bit // 8]
            samples.append((byte >> (8 - depth - bit % 8)) & ((1 << depth) - 1))
        pixels = [tuple(samples[i : i + channels]) for i in range(0, len(samples), channels)]
        if colour == 3:
            table = palette[0]
            pixels = [tuple(table[p[0] * 3 : p[0] * 3 + 3]) for p in pixels]
        rows.append(pixels[:width])
    assert at == len(raw), "image data longer than its rows"
    return Png(width, height, depth, colour, rows)
