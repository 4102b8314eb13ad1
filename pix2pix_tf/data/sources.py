"""Where image pairs come from: folders of files and in-memory arrays.

Every source returns a `tf.data.Dataset` of uint8 ``(H, W, C)`` images, or of
``(input, target)`` pairs of them, ready for `pix2pix_tf.data.pipeline.make_dataset`.
"""

import os

import numpy as np
import tensorflow as tf

from pix2pix_tf.data.transforms import ensure_channels

# Formats tf.io.decode_image reads.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
DIRECTIONS = ("AtoB", "BtoA")


def list_images(folder, recursive=True, extensions=IMAGE_EXTENSIONS):
    """Lists the image files in a folder, sorted.

    Extensions match case-insensitively; hidden files (such as macOS ``._*``
    resource forks, which are not images) are skipped.

    Args:
        folder: path of the folder.
        recursive: also look in sub-folders.
        extensions: file name endings to accept, each among `IMAGE_EXTENSIONS`.

    Returns:
        Sorted list of file paths as strings.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: an extension tf cannot decode, or no images in the folder.
    """
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


def load_image(path, channels=3):
    """Reads and decodes one image file.

    Args:
        path: scalar string tensor.
        channels: 1 or 3; other channel counts are converted with
            `ensure_channels`.

    Returns:
        uint8 ``(H, W, channels)`` tensor; animations give their first frame.
    """
    # channels=0 decodes every format; asking the decoder for 1 channel fails on BMP, GIF and WebP.
    image = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
    return ensure_channels(image, channels)


def image_folder_dataset(folder, channels=3, recursive=True):
    """Dataset of the images in a folder, in sorted path order.

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
