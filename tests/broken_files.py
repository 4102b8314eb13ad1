"""A corpus of broken and awkward image files, made by the tests themselves.

Nothing is stored in the repository: each function returns the bytes of one
file, built from a small picture with a known content, so a test can check
both that a bad file is refused and that an awkward but valid one is read
right. `write_corpus` writes the whole set into a folder.

Example:
    >>> paths = write_corpus(tmp_path)
    >>> paths["truncated_jpeg"]
    PosixPath('.../truncated.jpg')
"""

import os
import struct
import zlib

import cv2
import numpy as np

SIZE = (24, 32)  # (height, width) of the pictures; not square, so rotations show


def picture(size=SIZE, channels=3, dtype=np.uint8):
    """A picture whose every pixel differs: a rotated or mirrored copy never equals it."""
    height, width = size
    rows, cols = np.mgrid[0:height, 0:width]
    planes = [rows * 255 // max(height - 1, 1), cols * 255 // max(width - 1, 1)]
    planes.append((rows + cols) % 256)
    planes.append(np.full_like(rows, 200))  # alpha, where there is one
    image = np.stack(planes[:channels], axis=-1).astype(np.uint8)
    if dtype == np.uint16:
        # Low bytes unlike the high ones: dropping or keeping the wrong byte shows.
        return image.astype(np.uint16) * 256 + 77
    return image


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(image, palette=None):
    """PNG bytes of a uint8 or uint16 (H, W, C) image, C in 1 to 4; or of palette indices.

    Written by hand because OpenCV writes neither palette PNGs nor gray with alpha.

    Args:
        image: (H, W, C) uint8 or uint16 array; (H, W) uint8 indices with ``palette``.
        palette: (N, 3) uint8 colours; makes a palette (colour type 3) PNG.
    """
    image = np.asarray(image)
    if palette is not None:
        colour_type, depth, rows = 3, 8, image[..., None]
    else:
        colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[image.shape[-1]]
        depth = 16 if image.dtype == np.uint16 else 8
        rows = image.astype(">u2") if depth == 16 else image
    height, width = image.shape[:2]
    raw = b"".join(b"\0" + rows[y].tobytes() for y in range(height))  # filter 0 on each row
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(_chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes()))
    chunks += [_chunk(b"IDAT", zlib.compress(raw)), _chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def jpeg_bytes(image, quality=95):
    """JPEG bytes of a uint8 RGB or gray image."""
    if image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def encode(image, extension):
    """Bytes of ``image`` in the format of ``extension`` (".png", ".bmp", ".gif", ".webp", ...)."""
    if extension in (".jpg", ".jpeg"):
        return jpeg_bytes(image)
    if extension == ".png":
        return png_bytes(image)
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.shape[-1] == 3 else image
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if extension == ".webp" else []
    ok, data = cv2.imencode(extension, bgr, params)
    assert ok, extension
    return data.tobytes()


def with_exif_orientation(jpeg, orientation, byte_order="MM"):
    """The JPEG with an EXIF segment whose orientation tag says ``orientation`` (1 to 8).

    Cameras store the sensor's pixels and record how to turn them in this tag;
    6 means "rotate 90 degrees clockwise to view".
    """
    fmt = ">" if byte_order == "MM" else "<"
    # TIFF header, then IFD0 with a dummy tag before the orientation, as cameras write it.
    entries = [
        struct.pack(fmt + "HHI4s", 0x010F, 2, 4, b"cam\0"),  # Make = "cam"
        struct.pack(fmt + "HHIH2x", 0x0112, 3, 1, orientation),
    ]
    tiff = byte_order.encode() + struct.pack(fmt + "HI", 42, 8)
    tiff += struct.pack(fmt + "H", len(entries)) + b"".join(entries) + struct.pack(fmt + "I", 0)
    payload = b"Exif\0\0" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + segment + jpeg[2:]


def oriented(image, orientation):
    """What a viewer shows for ``image`` stored with EXIF ``orientation``."""
    turns = {
        1: lambda x: x,
        2: lambda x: x[:, ::-1],
        3: lambda x: x[::-1, ::-1],
        4: lambda x: x[::-1],
        5: lambda x: np.swapaxes(x, 0, 1),
        6: lambda x: np.rot90(x, -1),
        7: lambda x: np.rot90(x, -1)[::-1],
        8: lambda x: np.rot90(x, 1),
    }
    return np.ascontiguousarray(turns[orientation](image))


def truncated(data, keep=0.5):
    """The first ``keep`` fraction of the bytes, as a download cut short leaves them."""
    return data[: int(len(data) * keep)]


def corrupted(data, seed=0, count=16):
    """The bytes with ``count`` bytes in the second half overwritten at random."""
    data = bytearray(data)
    rng = np.random.default_rng(seed)
    for i in rng.integers(len(data) // 2, len(data) - 4, count):
        data[i] = (data[i] + 1 + int(rng.integers(254))) % 256
    return bytes(data)


def huge_png(height=40_000, width=40_000):
    """A 2 kB PNG whose header claims ``height`` x ``width`` pixels: a decompression bomb."""
    row = b"\0" + bytes(width)  # gray, filter 0; compresses to almost nothing
    stream = zlib.compressobj(9)
    data = stream.compress(row) + stream.flush(zlib.Z_FULL_FLUSH)  # the first row only
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def not_an_image():
    return b"<html><body>404 Not Found</body></html>\n"


# name -> (file name, bytes). Files the loaders must refuse; each reason names the problem.
BAD = {
    "zero_byte": ("empty.jpg", lambda: b""),
    "not_an_image": ("page.png", not_an_image),
    "truncated_jpeg": ("truncated.jpg", lambda: truncated(jpeg_bytes(picture()))),
    "truncated_png": ("truncated.png", lambda: truncated(png_bytes(picture()))),
    "corrupt_png": ("corrupt.png", lambda: corrupted(png_bytes(picture()))),
    "tiny": ("tiny.png", lambda: png_bytes(picture((2, 3)))),
    "huge": ("huge.png", huge_png),
}
# Files that are awkward but valid: the loaders must read them, right.
AWKWARD = {
    "png16": ("deep.png", lambda: png_bytes(picture(dtype=np.uint16))),
    "grayscale": ("gray.png", lambda: png_bytes(picture(channels=1))),
    "gray_alpha": ("gray_alpha.png", lambda: png_bytes(picture(channels=2))),
    "rgba": ("rgba.png", lambda: png_bytes(picture(channels=4))),
    "palette": (
        "palette.png",
        lambda: png_bytes(
            np.arange(SIZE[0] * SIZE[1], dtype=np.uint32).reshape(SIZE).astype(np.uint8) % 4,
            palette=[(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9)],
        ),
    ),
    "exif_rotated": (
        "rotated.jpg",
        lambda: with_exif_orientation(jpeg_bytes(picture()), 6),
    ),
}


def write_corpus(folder, cases=None):
    """Writes the files of ``cases`` (default: every bad and awkward one) into ``folder``.

    Returns:
        Dict of case name -> path.
    """
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases = cases or {**BAD, **AWKWARD}
    paths = {}
    for name, (file_name, make) in cases.items():
        paths[name] = folder / file_name
        paths[name].write_bytes(make())
    return paths


# --- entries that are no plain files, or whose names are awkward ----------------------------
# Made in a folder by a function (they are not bytes): name -> (function(folder) -> path,
# what the skip reason must say).


def fifo(folder):
    """A FIFO named like a photo: whoever opens it for reading waits for a writer, for ever."""
    path = folder / "x.jpg"
    os.mkfifo(path)
    return path


def dangling_link(folder):
    path = folder / "moved.jpg"
    path.symlink_to(folder / "no-longer-here.jpg")
    return path


def link_loop(folder):
    path = folder / "loop.jpg"
    path.symlink_to(path.name)  # points to itself
    return path


def non_utf8_name(folder):
    """A Latin-1 name (``café.png`` as an old disk wrote it): its bytes are not UTF-8."""
    raw = os.path.join(os.fsencode(folder), b"caf\xe9.png")
    with open(raw, "wb") as f:
        f.write(png_bytes(picture()))
    return folder / os.fsdecode(b"caf\xe9.png")


ENTRIES = {
    "fifo": (fifo, "not a regular file"),
    "dangling_link": (dangling_link, "broken symbolic link: it points to"),
    "link_loop": (link_loop, "cannot be read: Too many levels of symbolic links"),
    "non_utf8_name": (non_utf8_name, "file name not UTF-8"),
}


def make_entries(folder, cases=None):
    """Makes the entries of ``cases`` (default: all of `ENTRIES`) in ``folder``; name -> path."""
    return {name: ENTRIES[name][0](folder) for name in cases or ENTRIES}
