"""CelebA, aligned and cropped: 202,599 celebrity photos with landmarks and attributes.

The layout is ``img_align_celeba/*.jpg`` with, next to it or in ``Anno/`` and
``Eval/`` as in the official archive:

- ``list_eval_partition.txt``: the official split (0 train, 1 val, 2 test);
- ``list_landmarks_align_celeba.txt``: eyes, nose and mouth corners per image,
  which place the occlusions of the `occlusion` task;
- ``list_attr_celeba.txt``: 40 binary attributes per image, kept for later use.

All three are optional; the comma-separated versions some mirrors ship
(``list_eval_partition.csv``, ...) are read too.

Example:
    >>> celeba = load_celeba("datasets/celeba")
    >>> photos = celeba_photos("datasets/celeba", "val")  # (image, landmarks)
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import tensorflow as tf

from pix2pix_tf.data.image_checks import usable_images
from pix2pix_tf.data.sources import load_image, split_paths

IMAGE_FOLDER = "img_align_celeba"
PARTITION_FILE = "list_eval_partition"
LANDMARKS_FILE = "list_landmarks_align_celeba"
ATTRIBUTES_FILE = "list_attr_celeba"
TEXT_FILES = (PARTITION_FILE, LANDMARKS_FILE, ATTRIBUTES_FILE)
PARTITIONS = {"0": "train", "1": "val", "2": "test"}
SPLITS = ("train", "val", "test")


@dataclasses.dataclass
class CelebA:
    """The files of a CelebA folder and what its text files say about them.

    Attributes:
        root: the folder given.
        image_folder: the folder of the JPEGs.
        files: image file names, sorted.
        partition: file name -> "train", "val" or "test"; None without the file.
        landmarks: file name -> ``(5, 2)`` float array (left eye, right eye,
            nose, left and right mouth corner; left as seen in the image).
        attribute_names: the 40 attribute names, in file order.
        attributes: file name -> tuple of bools, one per attribute name.
        text_files: the text files read.
    """

    root: str
    image_folder: str
    files: list
    partition: dict | None
    landmarks: dict
    attribute_names: list
    attributes: dict
    text_files: list = dataclasses.field(default_factory=list)

    def split_files(self, split, seed=0):
        """File names of ``split``: the official partition, else 80/10/10 by file."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
        if self.partition is not None:
            return [f for f in self.files if self.partition.get(f) == split]
        return split_paths(self.files, seed=seed)[SPLITS.index(split)]

    def attribute(self, name, attribute):
        """The value of one attribute (e.g. "Eyeglasses") for one image."""
        if attribute not in self.attribute_names:
            raise ValueError(
                f"Unknown attribute {attribute!r}; CelebA has {', '.join(self.attribute_names)}."
            )
        return self.attributes[name][self.attribute_names.index(attribute)]


def is_celeba(folder):
    """True if ``folder`` holds an ``img_align_celeba`` folder (or is one)."""
    return _find_image_folder(folder) is not None


def _find_image_folder(folder):
    folder = os.fspath(folder)
    candidates = [
        folder,
        os.path.join(folder, IMAGE_FOLDER),
        os.path.join(folder, "Img", IMAGE_FOLDER),
    ]
    for path in candidates:
        # Some mirrors nest img_align_celeba/img_align_celeba/.
        if os.path.basename(os.path.normpath(path)) == IMAGE_FOLDER and os.path.isdir(path):
            nested = os.path.join(path, IMAGE_FOLDER)
            return nested if os.path.isdir(nested) else path
    return None


def _find_text(folder, image_folder, stem):
    places = [folder, os.path.dirname(image_folder), os.path.join(folder, "Anno")]
    places += [os.path.join(folder, "Eval"), os.path.dirname(os.path.dirname(image_folder))]
    for place in places:
        for ext in (".txt", ".csv"):
            path = os.path.join(place, stem + ext)
            if os.path.isfile(path):
                return path
    return None


def read_table(path):
    """Rows of a CelebA list file: (header names, {file name: [values as strings]}).

    Reads the official format (a count line, a header line, then rows separated
    by spaces) and the CSV one (a header line starting ``image_id``).
    """
    header, rows = [], {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f):
            fields = line.replace(",", " ").split()
            if not fields:
                continue
            if fields[0].lower().endswith((".jpg", ".png")):
                rows[fields[0]] = fields[1:]
            elif number < 2 and not (len(fields) == 1 and fields[0].isdigit()):
                header = [h for h in fields if h != "image_id"]
    return header, rows


def load_celeba(folder):
    """Reads a CelebA folder: its images and whichever of its text files exist.

    Args:
        folder: the folder holding ``img_align_celeba`` (or that folder itself).

    Returns:
        A `CelebA`.

    Raises:
        FileNotFoundError: no ``img_align_celeba`` folder, or it has no JPEGs.
        ValueError: a text file that does not parse.
    """
    folder = os.fspath(folder)
    image_folder = _find_image_folder(folder)
    if image_folder is None:
        raise FileNotFoundError(
            f"No {IMAGE_FOLDER}/ folder in {folder!r}; unzip img_align_celeba.zip there "
            "(see datasets/celeba.md)."
        )
    files = sorted(
        f for f in os.listdir(image_folder) if f.lower().endswith(".jpg") and not f.startswith(".")
    )
    if not files:
        raise FileNotFoundError(f"{image_folder!r} holds no .jpg images.")

    texts = {stem: _find_text(folder, image_folder, stem) for stem in TEXT_FILES}
    partition = None
    path = texts[PARTITION_FILE]
    if path is not None:
        _, rows = read_table(path)
        try:
            partition = {name: PARTITIONS[values[0]] for name, values in rows.items()}
        except (KeyError, IndexError):
            raise ValueError(
                f"{path}: partitions must be 0, 1 or 2 after each file name."
            ) from None

    landmarks = {}
    path = texts[LANDMARKS_FILE]
    if path is not None:
        _, rows = read_table(path)
        try:
            landmarks = {
                name: np.array(values, np.float64).reshape(5, 2) for name, values in rows.items()
            }
        except ValueError:
            raise ValueError(f"{path}: each row must be a file name and 10 numbers.") from None

    names, attributes = [], {}
    path = texts[ATTRIBUTES_FILE]
    if path is not None:
        names, rows = read_table(path)
        bad = [n for n, v in rows.items() if len(v) != len(names) or set(v) - {"1", "-1"}]
        if bad:
            raise ValueError(
                f"{path}: each row must be a file name and {len(names)} values of 1 or -1 "
                f"(first bad row: {bad[0]})."
            )
        attributes = {n: tuple(v == "1" for v in values) for n, values in rows.items()}
    found = sorted(p for p in texts.values() if p is not None)
    return CelebA(folder, image_folder, files, partition, landmarks, names, attributes, found)


def celeba_photos(folder, split="train", seed=0, channels=3):
    """(image, landmarks) of one split of CelebA, as a `tf.data.Dataset`.

    Args:
        folder: the CelebA folder.
        split: "train", "val" or "test": the official partition when
            ``list_eval_partition.txt`` is there, else 80/10/10 by file with ``seed``.
        seed: seed of the split by file.
        channels: 1 or 3.

    Returns:
        Dataset of uint8 ``(H, W, channels)`` images with float32 ``(5, 2)``
        landmarks (NaN for images the landmark file does not list).
    """
    celeba = load_celeba(folder)
    files = celeba.split_files(split, seed)
    if not files:
        raise ValueError(f"The {split!r} split of {folder!r} is empty.")
    # Leave out broken files here, so that a pass over the split never stops at one.
    usable = set(
        usable_images(celeba.image_folder, [os.path.join(celeba.image_folder, f) for f in files])
    )
    files = [f for f in files if os.path.join(celeba.image_folder, f) in usable]
    unknown = np.full((5, 2), np.nan)
    points = np.stack([celeba.landmarks.get(f, unknown) for f in files]).astype(np.float32)
    paths = [os.path.join(celeba.image_folder, f) for f in files]
    return tf.data.Dataset.from_tensor_slices((paths, points)).map(
        lambda path, marks: (load_image(path, channels), marks),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
