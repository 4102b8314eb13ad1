"""Where image pairs come from: folders of files and in-memory arrays.

Every source returns a `tf.data.Dataset` of uint8 ``(H, W, C)`` images, or of
``(input, target)`` pairs of them, ready for `pix2pix_tf.data.pipeline.make_dataset`.
Folders are listed with their bad files left out (`pix2pix_tf.data.image_checks`);
JPEG photos are turned upright by their EXIF orientation.
"""

import os

import numpy as np
import tensorflow as tf

from pix2pix_tf import atomic
from pix2pix_tf.data.image_checks import check_image_file, list_images
from pix2pix_tf.data.image_headers import HEADER_TAIL, image_info
from pix2pix_tf.data.transforms import ensure_channels

DIRECTIONS = ("AtoB", "BtoA")


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
    parts = tf.strings.split(tf.strings.substr(data, 0, HEADER_TAIL), "Exif\x00\x00", maxsplit=1)
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
        remedy = "Run `pix2pix-tf prepare` again with --force to write the dataset anew."
        paired = atomic.read_json(manifest, remedy).get("paired")
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
