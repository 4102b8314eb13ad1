"""Where image pairs come from: folders of files and in-memory arrays.

Every source returns a `tf.data.Dataset` of uint8 ``(H, W, C)`` images, or of
``(input, target)`` pairs of them, ready for `pix2pix_tf.data.pipeline.make_dataset`.

Folders are checked before any work: `list_images` leaves out files that could
not be read to the end (empty, not an image, truncated, damaged headers or
checksums, too small, too large), counts them and warns with the reason for
each, so that training never stops at a bad file mid-epoch. `scan_images`
gives the full list. JPEG photos are turned upright by their EXIF orientation.
"""

import collections
import dataclasses
import json
import os
import struct
import warnings
import zlib

import numpy as np
import tensorflow as tf

from pix2pix_tf.data.transforms import ensure_channels

# Formats tf.io.decode_image reads.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
DIRECTIONS = ("AtoB", "BtoA")
# Images with a side below MIN_SIDE pixels hold no usable face; above MAX_PIXELS
# (134 megapixels, more than camera photos) a file is taken for a decompression bomb.
MIN_SIDE = 8
MAX_PIXELS = 2**27
SIZE_PROBLEMS = ("too small", "too large")  # kinds of reasons (`reason_kind`) about size
# Skipped files named one by one in the warning of `list_images`.
_SHOWN_SKIPS = 10
_TAIL = 1 << 16
# SOF markers: every 0xC0-0xCF but DHT (C4), JPG (C8) and DAC (CC).
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
    start = max(scan_start, size - _TAIL)
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


# path -> ((size, mtime_ns, min_side, max_pixels), ImageInfo or reason): each file is
# checked once per process while it does not change.
_checked = {}


def check_image_file(path, min_side=MIN_SIDE, max_pixels=MAX_PIXELS):
    """Why an image file cannot be used, or None if it can (see `image_info`).

    Results are remembered per file while its size and modification time stay
    the same, so that listing the same folder again costs only a `stat`.
    """
    path = os.fspath(path)
    try:
        stat = os.stat(path)
        key = (stat.st_size, stat.st_mtime_ns, min_side, max_pixels)
        if path in _checked and _checked[path][0] == key:
            return _checked[path][1]
        try:
            image_info(path, min_side, max_pixels)
            reason = None
        except BadImageError as error:
            reason = str(error)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    _checked[path] = (key, reason)
    return reason


def reason_kind(reason):
    """The kind of problem a reason names, for counting: "truncated JPEG", "too small", ..."""
    return reason.split(":")[0]


@dataclasses.dataclass(frozen=True)
class ImageScan:
    """The images of a folder, split into usable ones and skipped ones.

    Attributes:
        folder: the folder scanned.
        paths: sorted paths of the usable images.
        skipped: ``{"source": path, "reason": why}`` of each file left out.
    """

    folder: str
    paths: list
    skipped: list

    def counts(self):
        """``{"usable": n, "skipped": m, <kind of problem>: k, ...}``."""
        kinds = collections.Counter(reason_kind(s["reason"]) for s in self.skipped)
        return {
            "usable": len(self.paths),
            "skipped": len(self.skipped),
            **dict(sorted(kinds.items())),
        }

    def summary(self):
        """A message naming the skipped files and their reasons; "" if none."""
        if not self.skipped:
            return ""
        kinds = ", ".join(
            f"{n} {k}" for k, n in self.counts().items() if k not in ("usable", "skipped")
        )
        shown = "".join(
            f"\n  {os.path.relpath(s['source'], self.folder)}: {s['reason']}"
            for s in self.skipped[:_SHOWN_SKIPS]
        )
        more = len(self.skipped) - _SHOWN_SKIPS
        rest = (
            f"\n  ... and {more} more; pix2pix_tf.data.sources.scan_images"
            f"({self.folder!r}).skipped lists them all"
            if more > 0
            else ""
        )
        return (
            f"Skipped {len(self.skipped)} of {len(self.skipped) + len(self.paths)} image files "
            f"in {self.folder} ({kinds}):{shown}{rest}\nFix or remove them to use them; "
            "`pix2pix-tf prepare` also lists every skipped file in its manifest.json."
        )


def _walk_images(folder, recursive, extensions):
    extensions = tuple(e.lower() for e in extensions)
    unsupported = [e for e in extensions if e not in IMAGE_EXTENSIONS]
    if unsupported:
        raise ValueError(
            f"Cannot decode {unsupported}; extensions must be among {IMAGE_EXTENSIONS}."
        )
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Image folder {folder!r} does not exist or is not a folder.")
    paths = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        paths += [
            os.path.join(root, f)
            for f in files
            if f.lower().endswith(extensions) and not f.startswith(".")
        ]
        if not recursive:
            break
    if not paths:
        where = " or its sub-folders" if recursive else ""
        raise ValueError(f"No images ({', '.join(extensions)}) found in {folder!r}{where}.")
    return sorted(paths)


def scan_images(
    folder,
    recursive=True,
    extensions=IMAGE_EXTENSIONS,
    min_side=MIN_SIDE,
    max_pixels=MAX_PIXELS,
):
    """Lists the image files of a folder and checks each one (see `image_info`).

    Args:
        folder, recursive, extensions: as for `list_images`.
        min_side, max_pixels: the size limits of `image_info`.

    Returns:
        An `ImageScan` with the usable paths and every skipped file with its reason.
    """
    return _scan_paths(folder, _walk_images(folder, recursive, extensions), min_side, max_pixels)


def _scan_paths(folder, paths, min_side=MIN_SIDE, max_pixels=MAX_PIXELS):
    usable, skipped = [], []
    for path in paths:
        reason = check_image_file(path, min_side, max_pixels)
        if reason is None:
            usable.append(path)
        else:
            skipped.append({"source": path, "reason": reason})
    return ImageScan(os.fspath(folder), usable, skipped)


def list_images(folder, recursive=True, extensions=IMAGE_EXTENSIONS, check=True):
    """Lists the image files in a folder, sorted, leaving out those that cannot be used.

    Extensions match case-insensitively; hidden files (such as macOS ``._*``
    resource forks, which are not images) are skipped. With ``check``, each
    file is checked without decoding it (`image_info`): files that are empty,
    not images, truncated, damaged, smaller than `MIN_SIDE` or larger than
    `MAX_PIXELS` are left out, and a warning counts them and names each with
    its reason (`scan_images` gives the full list).

    Args:
        folder: path of the folder.
        recursive: also look in sub-folders.
        extensions: file name endings to accept, each among `IMAGE_EXTENSIONS`.
        check: leave out the files that cannot be used; False lists every file.

    Returns:
        Sorted list of file paths as strings.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: an extension tf cannot decode, no images in the folder, or
            none of them usable.
    """
    paths = _walk_images(folder, recursive, extensions)
    return usable_images(folder, paths) if check else paths


def usable_images(folder, paths):
    """``paths`` (files of ``folder``) less those that cannot be used, as `list_images` does.

    Splitting every file first and checking each split after keeps a file that
    breaks, or gets fixed, from moving other files between splits.

    Raises:
        ValueError: none of ``paths`` can be used; the message lists why.
    """
    folder = os.fspath(folder)
    scan = _scan_paths(folder, paths)
    if not scan.paths:
        raise ValueError(f"None of the image files in {folder!r} can be used. " + scan.summary())
    if scan.skipped:
        warnings.warn(scan.summary(), UserWarning, stacklevel=3)
    return scan.paths


def exif_orientation(data):
    """The EXIF orientation (1 to 8) of encoded image bytes; 1 if none, or not a JPEG.

    TF ops only, so that it runs inside `tf.data`: finds the EXIF block in the
    JPEG header and the orientation tag (0x0112) among the first 64 entries
    of its first directory, in either byte order.

    Args:
        data: scalar string tensor, the bytes of an image file.

    Returns:
        Scalar int32 tensor.
    """
    data = tf.convert_to_tensor(data, tf.string)
    parts = tf.strings.split(tf.strings.substr(data, 0, _TAIL), "Exif\x00\x00", maxsplit=1)
    is_jpeg = tf.equal(tf.strings.substr(data, 0, 2), b"\xff\xd8")
    tiff = parts[-1]
    little = tf.equal(tf.strings.substr(tiff, 0, 2), b"II")

    raw = tf.io.decode_raw(tf.strings.substr(tiff, 0, 4096), tf.uint8, fixed_length=4096)

    def number(start, length):
        """Unsigned ints of ``length`` bytes at offsets ``start`` of the TIFF block."""
        index = tf.cast(start, tf.int32)[..., None] + tf.range(length, dtype=tf.int32)
        values = tf.cast(tf.gather(raw, tf.clip_by_value(index, 0, 4095)), tf.int64)
        weights = tf.bitwise.left_shift(
            tf.constant(1, tf.int64), 8 * tf.range(length, dtype=tf.int64)
        )
        weights = tf.where(little, weights, tf.reverse(weights, [0]))
        return tf.cast(tf.reduce_sum(values * weights, axis=-1), tf.int32)

    ifd = number(4, 4)
    entries = ifd + 2 + 12 * tf.range(64)
    tags = number(entries, 2)
    valid = (tf.range(64) < number(ifd, 2)) & tf.equal(tags, 0x0112) & (entries + 12 <= 4096)
    values = number(entries + 8, 2)
    found = tf.reduce_any(valid)
    value = tf.reduce_max(tf.where(valid, values, 0))
    ok = is_jpeg & (tf.size(parts) == 2) & found & (value >= 1) & (value <= 8)
    ok &= tf.equal(tf.strings.substr(tiff, 0, 2), b"II") | tf.equal(
        tf.strings.substr(tiff, 0, 2), b"MM"
    )
    return tf.where(ok, value, 1)


def apply_orientation(image, orientation):
    """Turns an ``(H, W, C)`` image as its EXIF ``orientation`` (1 to 8) says, to upright."""
    turns = [
        lambda: image,
        lambda: tf.reverse(image, [1]),
        lambda: tf.reverse(image, [0, 1]),
        lambda: tf.reverse(image, [0]),
        lambda: tf.transpose(image, [1, 0, 2]),
        lambda: tf.reverse(tf.transpose(image, [1, 0, 2]), [1]),  # 90 degrees clockwise
        lambda: tf.reverse(tf.transpose(image, [1, 0, 2]), [0, 1]),
        lambda: tf.reverse(tf.transpose(image, [1, 0, 2]), [0]),  # 90 degrees anticlockwise
    ]
    return tf.switch_case(tf.clip_by_value(orientation, 1, 8) - 1, turns)


def load_image(path, channels=3):
    """Reads and decodes one image file, upright.

    Args:
        path: scalar string tensor.
        channels: 1 or 3; other channel counts are converted with
            `ensure_channels`.

    Returns:
        uint8 ``(H, W, channels)`` tensor; animations give their first frame,
        16-bit images are scaled to 8 bits, JPEGs are turned by their EXIF
        orientation (as cameras store portraits) and palettes become colours.
    """
    data = tf.io.read_file(path)
    # channels=0 decodes every format; asking the decoder for 1 channel fails on BMP, GIF and WebP.
    image = tf.io.decode_image(data, channels=0, expand_animations=False)
    image = apply_orientation(image, exif_orientation(data))
    return ensure_channels(image, channels)


def image_folder_dataset(folder, channels=3, recursive=True):
    """Dataset of the images in a folder, in sorted path order.

    Files that cannot be used are left out with a warning (see `list_images`),
    so a pass over the dataset does not stop at a broken file.

    Args:
        folder: path of the folder.
        channels: 1 or 3.
        recursive: also read sub-folders.

    Returns:
        `tf.data.Dataset` of uint8 ``(H, W, channels)`` images.
    """
    paths = list_images(folder, recursive=recursive)
    return tf.data.Dataset.from_tensor_slices(paths).map(
        lambda p: load_image(p, channels), num_parallel_calls=tf.data.AUTOTUNE
    )


def check_direction(direction):
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}.")


def split_side_by_side(image, direction="AtoB"):
    """Splits an ``A|B`` image at half its width into ``(input, target)``.

    An odd width leaves the extra column to B, as in the reference implementation.
    """
    check_direction(direction)
    half = tf.shape(image)[1] // 2
    a, b = image[:, :half], image[:, half:]
    return (a, b) if direction == "AtoB" else (b, a)


def side_by_side_dataset(folder, direction="AtoB", channels=3, recursive=True):
    """Pairs from files holding A and B side by side, as in the pix2pix datasets.

    Each file is the two images concatenated horizontally (facades, maps,
    edges2shoes, ...).

    Args:
        folder: path of the folder.
        direction: "AtoB" yields ``(A, B)`` as ``(input, target)``, "BtoA" ``(B, A)``.
        channels: 1 or 3, for both halves.
        recursive: also read sub-folders.

    Returns:
        `tf.data.Dataset` of uint8 ``(input, target)`` pairs.
    """
    check_direction(direction)
    return image_folder_dataset(folder, channels, recursive).map(
        lambda image: split_side_by_side(image, direction), num_parallel_calls=tf.data.AUTOTUNE
    )


def check_side_by_side(folder, sample=5):
    """Raises ValueError unless a folder's images look like A|B pairs side by side.

    A paired task read from single photos would learn to turn the left half of
    each face into its right half; this catches that before training. Pairs
    are recognised as in ``pix2pix-tf prepare``: at least 1.5 times as wide as
    high, or a prepared dataset whose manifest says it is paired.

    Args:
        folder: the data folder (flat, or with ``train/``, ``val/``, ``test/``).
        sample: how many images to look at (headers only).
    """
    manifest = os.path.join(os.fspath(folder), "manifest.json")
    if os.path.isfile(manifest):
        with open(manifest, encoding="utf-8") as f:
            paired = json.load(f).get("paired")
        if paired is not None:
            if not paired:
                raise ValueError(
                    f"{folder} was prepared from single photos (manifest.json: paired false), "
                    "and this task needs (input, target) pairs. Use a self-supervised task "
                    "(e.g. autoencoder, colorization, occlusion) or prepare paired data: NIST "
                    "SD18 or side-by-side A|B images."
                )
            return
    shapes = []
    for path in list_images(folder, check=False):
        if check_image_file(path) is None:
            info = image_info(path)
            shapes.append((os.path.basename(path), info.height, info.width))
        if len(shapes) == sample:
            break
    single = [(name, h, w) for name, h, w in shapes if w < 1.5 * h]
    if single:
        name, h, w = single[0]
        raise ValueError(
            f"This task needs (input, target) pairs, but {folder} holds single photos "
            f"({name} is {w}x{h}; a side-by-side A|B pair is about twice as wide as high). "
            "Use a self-supervised task (e.g. autoencoder, colorization, occlusion), or put "
            "each input and its target side by side in one image."
        )


def _check_array(array, name):
    array = np.asarray(array)
    if array.ndim != 4:
        raise ValueError(
            f"{name} must be a (N, H, W, C) array, got shape {array.shape}; "
            "add a channel axis to grayscale images with x[..., None]."
        )
    if array.dtype != np.uint8:
        raise ValueError(
            f"{name} must be uint8 in [0, 255], got {array.dtype}; convert float images in "
            "[0, 1] with (x * 255).round().astype(np.uint8)."
        )
    return array


def array_dataset(inputs, targets):
    """Pairs from in-memory arrays.

    Args:
        inputs: uint8 array ``(N, H, W, C_in)``.
        targets: uint8 array ``(N, H', W', C_out)``, paired with ``inputs`` by index.

    Returns:
        `tf.data.Dataset` of uint8 ``(input, target)`` pairs.
    """
    inputs = _check_array(inputs, "inputs")
    targets = _check_array(targets, "targets")
    if len(inputs) != len(targets):
        raise ValueError(
            f"inputs and targets must hold the same number of images, got {len(inputs)} "
            f"and {len(targets)}."
        )
    if len(inputs) == 0:
        raise ValueError("inputs and targets are empty; pass at least one pair.")
    return tf.data.Dataset.from_tensor_slices((inputs, targets))


def split_paths(paths, fractions=(0.8, 0.1, 0.1), seed=0):
    """Splits a list at random, reproducibly, e.g. into train, validation and test.

    Args:
        paths: list of items (usually the output of `list_images`).
        fractions: non-negative fractions summing to 1, one per split.
        seed: seed of the shuffle; the same seed and list give the same split.

    Returns:
        Tuple of lists, one per fraction, each in the order of ``paths``. Sizes
        are rounded so that they add up to ``len(paths)``.
    """
    fractions = np.asarray(fractions, dtype=float)
    if fractions.ndim != 1 or len(fractions) == 0 or np.any(fractions < 0):
        raise ValueError(f"fractions must be non-negative numbers, got {fractions.tolist()}.")
    if not np.isclose(fractions.sum(), 1.0):
        raise ValueError(f"fractions must sum to 1, got {fractions.tolist()}.")
    paths = list(paths)
    order = np.random.default_rng(seed).permutation(len(paths))
    bounds = np.round(np.cumsum(fractions) * len(paths)).astype(int)
    bounds[-1] = len(paths)
    parts = np.split(order, bounds[:-1])
    return tuple([paths[i] for i in np.sort(part)] for part in parts)
