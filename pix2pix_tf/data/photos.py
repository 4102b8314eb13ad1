"""Where each split of each kind of source lives: photos, landmarks, and raw pairs.

Sources, told apart by their layout (`source_kind`):

- "synthetic": the built-in faces, with exact landmarks;
- "prepared": ``train/``, ``val/``, ``test/`` folders, as `pix2pix-tf prepare`
  writes them (landmarks from its ``landmarks.json``);
- "celeba": a folder holding ``img_align_celeba/`` (official partition and landmarks);
- "nist": NIST SD18 mugshots (front -> profile pairs, split by person);
- "folder": any other folder of photos or A|B images, split 80/10/10 by file.

Tasks (`pix2pix_tf.tasks.pairs`) turn these into (input, target) pairs.
"""

import os

import numpy as np
import tensorflow as tf

from pix2pix_tf import atomic
from pix2pix_tf.data.celeba import celeba_photos, is_celeba
from pix2pix_tf.data.image_checks import list_images, usable_images
from pix2pix_tf.data.nist import is_nist, nist_fronts
from pix2pix_tf.data.sources import load_image, split_paths, split_side_by_side
from pix2pix_tf.data.synthetic import LANDMARK_NAMES, SyntheticFaces

SPLITS = ("train", "val", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SYNTHETIC = "synthetic"
SOURCE_KINDS = ("synthetic", "prepared", "celeba", "nist", "folder")
MANIFEST = "manifest.json"
LANDMARKS = "landmarks.json"
OPTIONS = ("num_faces", "direction", "profiles")
_REPREPARE = "Run `pix2pix-tf prepare` again with --force to write the dataset anew."
_UNKNOWN_LANDMARKS = np.full((len(LANDMARK_NAMES), 2), np.nan, np.float32)


def split_range(count, split):
    """[start, stop) of ``split`` when ``count`` items are cut 80/10/10 in order."""
    bounds = np.round(np.cumsum((0.0,) + SPLIT_FRACTIONS) * count).astype(int)
    i = SPLITS.index(split)
    return int(bounds[i]), int(bounds[i + 1])


def _synthetic_range(num_faces, split):
    start, stop = split_range(num_faces, split)
    if stop <= start:
        raise ValueError(
            f"{num_faces} synthetic faces leave the {split!r} split empty; use at least 10."
        )
    return start, stop


def synthetic_photos(split, image_size, num_faces=1000, seed=0):
    """(front view, landmarks) of the built-in faces of one split; people never cross splits."""
    faces = SyntheticFaces(num_faces=num_faces, image_size=tuple(image_size), seed=seed)
    start, stop = _synthetic_range(num_faces, split)
    height, width = image_size

    def generate():
        for i in range(start, stop):
            marks = faces.landmarks(i)
            yield faces.front(i), np.array([marks[n] for n in LANDMARK_NAMES], np.float32)

    photos = tf.data.Dataset.from_generator(
        generate,
        output_signature=(
            tf.TensorSpec((height, width, 3), tf.uint8),
            tf.TensorSpec((len(LANDMARK_NAMES), 2), tf.float32),
        ),
    )
    return photos.apply(tf.data.experimental.assert_cardinality(stop - start))


def synthetic_views(split, image_size, num_faces=1000, seed=0):
    """(front, right profile) of each built-in face of one split; people never cross splits."""
    faces = SyntheticFaces(num_faces=num_faces, image_size=tuple(image_size), seed=seed)
    start, stop = _synthetic_range(num_faces, split)
    height, width = image_size
    spec = tf.TensorSpec((height, width, 3), tf.uint8)

    def generate_pairs():
        for i in range(start, stop):
            yield faces.pair(i)

    pairs = tf.data.Dataset.from_generator(generate_pairs, output_signature=(spec, spec))
    return pairs.apply(tf.data.experimental.assert_cardinality(stop - start))


def source_kind(data):
    """Which kind of source ``data`` is, among `SOURCE_KINDS`, from its layout."""
    if data == SYNTHETIC:
        return "synthetic"
    folder = os.fspath(data)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise FileNotFoundError(
            f"--data {folder!r} is a file, not a folder; pass the folder that holds the images "
            f"(here {os.path.dirname(os.path.abspath(folder))!r}), or 'synthetic'."
        )
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"Data folder {folder!r} does not exist; pass 'synthetic' or a folder of images."
        )
    if any(os.path.isdir(os.path.join(folder, s)) for s in SPLITS):
        return "prepared"
    if is_celeba(folder):
        return "celeba"
    if is_nist(folder):
        return "nist"
    return "folder"


def split_files(folder, split, seed):
    """Image paths of one split: a prepared dataset's folder, else 80/10/10 by file."""
    split_folder = os.path.join(folder, split)
    if os.path.isdir(split_folder):
        return list_images(split_folder)
    if any(os.path.isdir(os.path.join(folder, s)) for s in SPLITS):
        raise FileNotFoundError(
            f"{folder!r} has split folders but no {split!r}; a prepared dataset needs "
            f"{', '.join(SPLITS)}."
        )
    every_file = list_images(folder, check=False)
    paths = split_paths(every_file, SPLIT_FRACTIONS, seed=seed)[SPLITS.index(split)]
    if paths:
        paths = usable_images(folder, paths)
    if not paths:
        raise ValueError(f"{folder!r} has too few images for a {split!r} split.")
    return paths


def read_manifest(folder):
    """The ``manifest.json`` that `pix2pix-tf prepare` wrote in ``folder``, or {}."""
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        return {}
    return atomic.read_json(path, _REPREPARE)


def folder_photos(folder, split, seed=0):
    """(photo, landmarks) of one split of a folder of photos or a prepared dataset.

    Landmarks come from a prepared dataset's ``landmarks.json`` and are NaN for
    other folders. Of a prepared paired dataset (A|B), the photo is the A half.
    """
    paths = split_files(folder, split, seed)
    known = {}
    landmarks_file = os.path.join(folder, LANDMARKS)
    if os.path.isfile(landmarks_file):
        known = atomic.read_json(landmarks_file, _REPREPARE)
    points = np.stack(
        [
            np.asarray(
                known.get(os.path.relpath(p, folder).replace(os.sep, "/"), _UNKNOWN_LANDMARKS)
            )
            for p in paths
        ]
    ).astype(np.float32)
    paired = bool(read_manifest(folder).get("paired", False))

    def read(path, marks):
        image = load_image(path, 3)
        return (split_side_by_side(image)[0] if paired else image), marks

    files = tf.data.Dataset.from_tensor_slices((paths, points))
    return files.map(read, num_parallel_calls=tf.data.AUTOTUNE)


def folder_side_by_side(folder, split, seed=0, direction="AtoB"):
    """(A, B) halves of the side-by-side images of one split of a folder.

    A prepared dataset (``train/``, ``val/``, ``test/`` sub-folders) is used as
    it is; a flat folder is split 80/10/10 by file with ``seed``.
    """
    files = tf.data.Dataset.from_tensor_slices(split_files(folder, split, seed))

    def read_pair(path):
        a, b = split_side_by_side(load_image(path, 3), direction)
        return a, b

    return files.map(read_pair, num_parallel_calls=tf.data.AUTOTUNE)


def source_photos(data, split="train", image_size=(256, 256), seed=0, **options):
    """(photo, landmarks) of one split of any source: the input of self-supervised tasks.

    Args:
        data: "synthetic" or a folder (see `source_kind`).
        split: "train", "val" or "test".
        image_size: (height, width) of synthetic faces.
        seed: seed of the split.
        **options: ``num_faces`` for synthetic data.

    Returns:
        `tf.data.Dataset` of uint8 (H, W, 3) photos and float32 (5, 2) landmarks,
        NaN where the source does not know them.
    """
    check_options(options)
    kind = source_kind(data)
    if kind == "synthetic":
        return synthetic_photos(split, image_size, options.get("num_faces", 1000), seed)
    if kind == "celeba":
        return celeba_photos(data, split, seed)
    if kind == "nist":
        fronts = nist_fronts(data, split, seed)
        return fronts.map(lambda image: (image, tf.constant(_UNKNOWN_LANDMARKS)))
    return folder_photos(data, split, seed)


def check_options(options):
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"Unknown data options {unknown}; known: {', '.join(OPTIONS)}.")
