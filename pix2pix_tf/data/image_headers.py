"""What an image file holds, read from its header and tail without decoding it.

`image_info` tells the format, size and EXIF orientation of a PNG, JPEG, GIF,
BMP or WebP file, and raises `BadImageError` for files that could not be
decoded to the end (empty, truncated, damaged headers or checksums, too
large for memory).
"""

import dataclasses
import os
import struct
import zlib

# Images with a side below MIN_SIDE pixels hold no usable face; above MAX_PIXELS
# (134 megapixels, more than camera photos) a file is taken for a decompression bomb.
MIN_SIDE = 8
MAX_PIXELS = 2**27
# How far from the end of a file its last bytes (and a JPEG's EXIF block) are looked for.
HEADER_TAIL = 1 << 16
# SOF SOF markers: every 0xC0-0xCF but DHT (C4), JPG (C8) and DAC (CC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class BadImageError(ValueError):
    """An image file that cannot be used; the message says why."""


def _u16(data, offset, order=">"):
    return struct.unpack_from(order + "H", data, offset)[0]


def _u32(data, offset, order=">"):
    return struct.unpack_from(order + "I", data, offset)[0]


def _exif_orientation(segment):
    """The orientation tag (1 to 8) of an APP1 EXIF payload, 1 if absent or unreadable."""
    tiff = segment[6:]
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return 1
    order = "<" if tiff[:2] == b"II" else ">"
    ifd = _u32(tiff, 4, order)
    if ifd + 2 > len(tiff):
        return 1
    for i in range(_u16(tiff, ifd, order)):
        entry = ifd + 2 + 12 * i
        if entry + 12 > len(tiff):
            break
        if _u16(tiff, entry, order) == 0x0112:
            value = _u16(tiff, entry + 8, order)
            return value if 1 <= value <= 8 else 1
    return 1


def _jpeg_info(f, size):
    """(height, width, orientation) of a JPEG, after checking it ends with its end marker."""
    f.seek(2)
    orientation, shape = 1, None
    while True:
        marker = f.read(2)
        while marker[:1] == b"\xff" and marker[1:] == b"\xff":  # fill bytes
            marker = marker[1:] + f.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            raise BadImageError("damaged JPEG: its header is cut short or garbled")
        kind = marker[1]
        if kind == 0x01 or 0xD0 <= kind <= 0xD7:
            continue
        if kind == 0xD9:
            raise BadImageError("damaged JPEG: it ends before any picture data")
        length = f.read(2)
        if len(length) < 2 or _u16(length, 0) < 2:
            raise BadImageError("damaged JPEG: its header is cut short or garbled")
        body = _u16(length, 0) - 2
        if kind == 0xDA:
            if shape is None:
                raise BadImageError("damaged JPEG: picture data before its size")
            scan_start = f.tell()
            break
        segment = f.read(body)
        if len(segment) < body:
            raise BadImageError("truncated JPEG: the file ends inside its header")
        if kind in _JPEG_SOF and body >= 5:
            shape = (_u16(segment, 1), _u16(segment, 3))
        elif kind == 0xE1 and segment[:6] == b"Exif\0\0":
            orientation = _exif_orientation(segment)
    # The picture data cannot hold FF D9 (FF bytes are escaped), so the end marker
    # after it, perhaps followed by camera trailers, means the file is whole.
    start = max(scan_start, size - HEADER_TAIL)
    f.seek(start)
    tail = f.read()
    if b"\xff\xd9" not in tail:
        f.seek(scan_start)
        if start == scan_start or b"\xff\xd9" not in f.read():
            raise BadImageError("truncated JPEG: no end-of-image marker (an interrupted copy?)")
    return shape[0], shape[1], orientation


def _png_info(f, size):
    """(height, width, 1) of a PNG, after checking its chunks to the end.

    Critical chunks (IHDR, PLTE, IDAT, IEND) must match their CRC-32: a single
    flipped byte in the picture data shows there.
    """
    f.seek(8)
    shape = None
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise BadImageError("truncated PNG: the file ends before its IEND chunk")
        length, kind = _u32(head, 0), head[4:]
        if shape is None and kind != b"IHDR":
            raise BadImageError("damaged PNG: it does not start with an IHDR chunk")
        if f.tell() + length + 4 > size:
            raise BadImageError(f"truncated PNG: the file ends inside its {kind!r} chunk")
        if kind[:1].isupper():  # critical chunk
            data, crc = f.read(length), f.read(4)
            if zlib.crc32(kind + data) != _u32(crc, 0):
                raise BadImageError(
                    f"damaged PNG: its {kind.decode('latin-1')} chunk fails its checksum"
                )
            if kind == b"IHDR":
                if length < 8:
                    raise BadImageError("damaged PNG: its IHDR chunk is too short")
                shape = (_u32(data, 4), _u32(data, 0))
            elif kind == b"IEND":
                return shape[0], shape[1], 1
        else:
            f.seek(length + 4, os.SEEK_CUR)


def _gif_info(f, size):
    """(height, width, 1) of a GIF, after walking its blocks to the trailer."""
    f.seek(6)
    head = f.read(7)
    shape = (_u16(head, 2, "<"), _u16(head, 0, "<"))

    def skip_table(flags):
        if flags & 0x80:
            f.seek(3 * 2 ** ((flags & 7) + 1), os.SEEK_CUR)

    def skip_sub_blocks():
        while True:
            length = f.read(1)
            if not length:
                raise BadImageError("truncated GIF: the file ends inside its picture data")
            if length == b"\0":
                return
            f.seek(length[0], os.SEEK_CUR)

    skip_table(head[4])
    while True:
        kind = f.read(1)
        if kind == b"\x3b":
            return shape[0], shape[1], 1
        if kind == b"\x21":  # extension: label, then sub-blocks
            f.read(1)
            skip_sub_blocks()
        elif kind == b"\x2c":  # image: descriptor, colour table, LZW code size, sub-blocks
            descriptor = f.read(9)
            if len(descriptor) < 9:
                break
            skip_table(descriptor[8])
            f.read(1)
            skip_sub_blocks()
        elif not kind:
            break
        else:
            raise BadImageError(f"damaged GIF: unknown block {kind!r}")
        if f.tell() > size:
            break
    raise BadImageError("truncated GIF: the file ends before its trailer")


def _bmp_info(f, size):
    f.seek(0)
    head = f.read(34)
    if len(head) < 26:
        raise BadImageError("truncated BMP: the file ends inside its header")
    declared, offset, header_size = _u32(head, 2, "<"), _u32(head, 10, "<"), _u32(head, 14, "<")
    if header_size == 12:
        width, height, bits, compression = _u16(head, 18, "<"), _u16(head, 20, "<"), 24, 0
        bits = _u16(head, 24, "<")
    elif len(head) >= 34:
        width, height = struct.unpack_from("<ii", head, 18)
        bits, compression = _u16(head, 28, "<"), _u32(head, 30, "<")
    else:
        raise BadImageError("truncated BMP: the file ends inside its header")
    height, width = abs(height), abs(width)
    needed = declared
    if compression in (0, 3):  # uncompressed rows, padded to 4 bytes
        needed = max(needed, offset + (bits * width + 31) // 32 * 4 * height)
    if size < needed:
        raise BadImageError(f"truncated BMP: {size} bytes of the {needed} it needs")
    return height, width, 1


def _webp_info(f, size):
    f.seek(4)
    declared = _u32(f.read(4), 0, "<") + 8
    if size < declared:
        raise BadImageError(f"truncated WebP: {size} bytes of the {declared} it declares")
    f.seek(12)
    head = f.read(18)
    if len(head) < 18:
        raise BadImageError("truncated WebP: the file ends inside its header")
    kind = head[:4]
    if kind == b"VP8 ":
        return _u16(head, 16, "<") & 0x3FFF, _u16(head, 14, "<") & 0x3FFF, 1
    if kind == b"VP8L":
        bits = _u32(head, 9, "<")
        return 1 + (bits >> 14 & 0x3FFF), 1 + (bits & 0x3FFF), 1
    if kind == b"VP8X":
        return (
            1 + int.from_bytes(head[15:18], "little"),
            1 + int.from_bytes(head[12:15], "little"),
            1,
        )
    raise BadImageError(f"damaged WebP: unknown chunk {kind!r}")


def _format(head):
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG", _jpeg_info
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG", _png_info
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF", _gif_info
    if head.startswith(b"BM"):
        return "BMP", _bmp_info
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP", _webp_info
    return None, None


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    """What the header of a readable image file says.

    Attributes:
        format: "JPEG", "PNG", "GIF", "BMP" or "WebP".
        height, width: pixels as stored (before any EXIF turn).
        orientation: EXIF orientation, 1 (upright) to 8; `load_image` applies it.
    """

    format: str
    height: int
    width: int
    orientation: int = 1


def image_info(path, min_side=MIN_SIDE, max_pixels=MAX_PIXELS):
    """Checks an image file without decoding it, and returns what its header says.

    Reads the header and the end of the file (all of a PNG, to check its
    checksums): fast enough to run over a whole dataset before training.

    Args:
        path: the file.
        min_side: smallest height and width accepted.
        max_pixels: largest height x width accepted.

    Returns:
        An `ImageInfo`.

    Raises:
        BadImageError: the file is empty, not an image, truncated, damaged, too
            small or too large; the message says which.
        OSError: the file cannot be read at all.
    """
    size = os.path.getsize(path)
    if size == 0:
        raise BadImageError("empty file (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(16)
        name, read_info = _format(head)
        if name is None:
            raise BadImageError(
                f"not an image: it starts with {head[:12]!r}; JPEG, PNG, GIF, BMP or WebP "
                "is needed (an error page saved under an image name?)"
            )
        try:
            height, width, orientation = read_info(f, size)
        except (struct.error, IndexError):  # a field cut short
            raise BadImageError(f"truncated {name}: the file ends inside its header") from None
    if min(height, width) < min_side:
        raise BadImageError(
            f"too small: {width}x{height} pixels; images need at least {min_side} on each side"
        )
    if height * width > max_pixels:
        raise BadImageError(
            f"too large: {width}x{height} pixels, over the limit of {max_pixels:,} "
            "(max_pixels); a decompression bomb, or resize it first"
        )
    return ImageInfo(name, height, width, orientation)
