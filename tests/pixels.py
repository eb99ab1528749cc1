"""Pictures as pixel arrays, to judge that a rendered chart is really drawn: a small PNG
decoder (8-bit RGB/RGBA, what Chromium and Ghostscript write) and a PPM reader."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.uint8]  # height x width x 3 (RGB)


def read_png(path: Path) -> Pixels:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    at, idat = 8, []
    width = height = depth = kind = interlace = 0
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        tag, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if tag == b"IHDR":
            width, height, depth, kind, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat.append(body)
        at += 12 + length
    assert depth == 8 and kind in (2, 6) and not interlace, (depth, kind, interlace)
    channels = 3 if kind == 2 else 4
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        line = rows[y, 1:].astype(np.int32)
        kind_of = rows[y, 0]
        if kind_of == 1:  # Sub: each byte adds the one a pixel left of it
            line = line.reshape(width, channels).cumsum(axis=0).reshape(stride) % 256
        elif kind_of == 2:  # Up
            line = (line + previous) % 256
        elif kind_of in (3, 4):  # Average, Paeth: byte by byte
            line = _sequential(line, previous, channels, paeth=kind_of == 4)
        out[y] = line
        previous = line
    return out.reshape(height, width, channels)[:, :, :3].astype(np.uint8)


def _sequential(
    line: npt.NDArray[np.int32], previous: npt.NDArray[np.int32], bpp: int, *, paeth: bool
) -> npt.NDArray[np.int32]:
    result = line.tolist()
    up = previous.tolist()
    for i in range(len(result)):
        left = result[i - bpp] if i >= bpp else 0
        corner = up[i - bpp] if i >= bpp else 0
        if paeth:
            p = left + up[i] - corner
            pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
            guess = left if pa <= pb and pa <= pc else (up[i] if pb <= pc else corner)
        else:
            guess = (left + up[i]) // 2
        result[i] = (result[i] + guess) % 256
    return np.asarray(result, dtype=np.int32)


def read_ppm(path: Path) -> Pixels:
    data = path.read_bytes()
    comment = rb"(?:\s|#[^\n]*\n)+"  # whitespace, and comments such as Ghostscript's
    header = re.match(
        rb"P6" + comment + rb"(\d+)" + comment + rb"(\d+)" + comment + rb"(\d+)\s", data
    )
    assert header is not None, f"{path} is not a binary PPM"
    width, height = int(header.group(1)), int(header.group(2))
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height * 3, offset=header.end())
    return pixels.reshape(height, width, 3)


def near(pixels: Pixels, rgb: str, tolerance: int = 40) -> int:
    """How many pixels are close to the colour ``rgb`` ("4472c4")."""
    target = np.array([int(rgb[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.int32)
    distance = np.abs(pixels.astype(np.int32) - target).sum(axis=2)
    return int((distance <= tolerance).sum())
