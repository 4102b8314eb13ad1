"""The (input, target) pairs of a task, from the built-in faces or a folder.

`task_pairs` is the one place that knows where each split of each kind of
source lives. It returns uint8 pairs; `pipeline.make_dataset` turns them into
training batches. `masked_pairs` adds the mask of tasks that have one
(occlusions), for evaluation.

Sources, told apart by their layout (`source_kind`):

- "synthetic": the built-in faces, with exact landmarks;
- "prepared": ``train/``, ``val/``, ``test/`` folders, as `pix2pix-tf prepare`
  writes them (landmarks from its ``landmarks.json``);
- "celeba": a folder holding ``img_align_celeba/`` (official partition and landmarks);
- "nist": NIST SD18 mugshots (front -> profile pairs, split by person);
- "folder": any other folder of photos or A|B images, split 80/10/10 by file.
"""

import json
import os

import numpy as np
import tensorflow as tf

from pix2pix_tf.data.celeba import celeba_photos, is_celeba
from pix2pix_tf.data.nist import is_nist, nist_fronts, nist_pairs
from pix2pix_tf.data.sources import (
    list_images,
    load_image,
    split_paths,
    split_side_by_side,
    usable_images,
)
from pix2pix_tf.data.synthetic import LANDMARK_NAMES, SyntheticFaces
from pix2pix_tf.data.transforms import ensure_channels
from pix2pix_tf.tasks import TASKS, get_task

SPLITS = ("train", "val", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SYNTHETIC = "synthetic"
SOURCE_KINDS = ("synthetic", "prepared", "celeba", "nist", "folder")
MANIFEST = "manifest.json"
LANDMARKS = "landmarks.json"
OPTIONS = ("num_faces", "direction", "profiles")
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


def synthetic_pairs(task, split, image_size, num_faces=1000, seed=0):
    """Pairs from the built-in synthetic faces; people never cross splits.

    Paired tasks get (front, right profile) of one person; other tasks derive
    their input from the front view.
    """
    if not task.paired:
        return task.pairs_from_images(
            synthetic_photos(split, image_size, num_faces, seed),
            seed=seed + SPLITS.index(split),
            training=split == "train",
        )
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


def _split_files(folder, split, seed):
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


def _manifest(folder):
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def folder_photos(folder, split, seed=0):
    """(photo, landmarks) of one split of a folder of photos or a prepared dataset.

    Landmarks come from a prepared dataset's ``landmarks.json`` and are NaN for
    other folders. Of a prepared paired dataset (A|B), the photo is the A half.
    """
    paths = _split_files(folder, split, seed)
    known = {}
    landmarks_file = os.path.join(folder, LANDMARKS)
    if os.path.isfile(landmarks_file):
        with open(landmarks_file, encoding="utf-8") as f:
            known = json.load(f)
    points = np.stack(
        [
            np.asarray(
                known.get(os.path.relpath(p, folder).replace(os.sep, "/"), _UNKNOWN_LANDMARKS)
            )
            for p in paths
        ]
    ).astype(np.float32)
    paired = bool(_manifest(folder).get("paired", False))

    def read(path, marks):
        image = load_image(path, 3)
        return (split_side_by_side(image)[0] if paired else image), marks

    files = tf.data.Dataset.from_tensor_slices((paths, points))
    return files.map(read, num_parallel_calls=tf.data.AUTOTUNE)


def folder_pairs(task, folder, split, seed=0, direction="AtoB"):
    """Pairs from a folder.

    A prepared dataset (``train/``, ``val/``, ``test/`` sub-folders) is used as
    it is; a flat folder is split 80/10/10 by file with ``seed``. Paired tasks
    read side-by-side A|B images; other tasks read photos.
    """
    if not task.paired:
        return task.pairs_from_images(
            folder_photos(folder, split, seed),
            seed=seed + SPLITS.index(split),
            training=split == "train",
        )
    files = tf.data.Dataset.from_tensor_slices(_split_files(folder, split, seed))

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
    _check_options(options)
    kind = source_kind(data)
    if kind == "synthetic":
        return synthetic_photos(split, image_size, options.get("num_faces", 1000), seed)
    if kind == "celeba":
        return celeba_photos(data, split, seed)
    if kind == "nist":
        fronts = nist_fronts(data, split, seed)
        return fronts.map(lambda image: (image, tf.constant(_UNKNOWN_LANDMARKS)))
    return folder_photos(data, split, seed)


def _check_options(options):
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"Unknown data options {unknown}; known: {', '.join(OPTIONS)}.")


def task_examples(task, data=SYNTHETIC, split="train", image_size=(256, 256), seed=0, **options):
    """Dicts of uint8 "input", "target" (and "mask" where the task has one) for one split.

    Arguments as for `task_pairs`; for self-supervised tasks only.
    """
    task = get_task(task)
    if task.paired:
        raise ValueError(f"Task {task.name!r} is paired; use task_pairs for its data.")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    photos = source_photos(data, split, image_size, seed, **options)
    return task.examples(photos, seed=seed + SPLITS.index(split), training=split == "train")


def masked_pairs(task, data=SYNTHETIC, split="test", image_size=(256, 256), seed=0, **options):
    """(input, target, mask) of a task with a mask, for evaluation code.

    The inputs are those `task_pairs` gives for the same arguments: the same
    occlusions for the same seed. The mask is uint8 (H, W, 1), 1 where the input
    was changed.

    Example:
        >>> for occluded, clean, mask in masked_pairs("occlusion", split="test"):
        ...     restored = generator(occluded)  # score inside and outside the mask
    """
    task = get_task(task)
    if not task.has_mask:
        raise ValueError(
            f"Task {task.name!r} has no mask; tasks with one: "
            f"{', '.join(sorted(n for n, t in TASKS.items() if t.has_mask))}."
        )
    examples = task_examples(task, data, split, image_size, seed, **options)
    return examples.map(
        lambda e: (
            ensure_channels(e["input"], task.input_channels),
            ensure_channels(e["target"], task.target_channels),
            e["mask"],
        )
    )


def task_pairs(task, data=SYNTHETIC, split="train", image_size=(256, 256), seed=0, **options):
    """uint8 (input, target) pairs of ``task`` for one split of ``data``.

    Args:
        task: a task name or `Task`.
        data: "synthetic" for the built-in faces, or a folder path.
        split: "train", "val" or "test".
        image_size: (height, width) of the synthetic faces (folders keep their
            own sizes; the pipeline resizes).
        seed: seed of the split and of random inputs.
        **options: ``num_faces`` for synthetic data, ``direction`` for A|B folders,
            ``profiles`` ("mirror" or "keep") for NIST SD18.

    Returns:
        `tf.data.Dataset` of (input, target) uint8 images with the task's channels.
    """
    task = get_task(task)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    _check_options(options)
    kind = source_kind(data)
    if not task.paired:
        examples = task_examples(task, data, split, image_size, seed, **options)
        pairs = examples.map(lambda e: (e["input"], e["target"]))
    elif kind == "synthetic":
        pairs = synthetic_pairs(task, split, image_size, options.get("num_faces", 1000), seed)
    elif kind == "nist":
        pairs = nist_pairs(data, split, seed, options.get("profiles", "mirror"))
    elif kind == "celeba":
        raise ValueError(
            f"Task {task.name!r} needs pairs, and CelebA holds single photos; use a "
            "self-supervised task (e.g. occlusion) or a paired source."
        )
    else:
        if _manifest(data).get("paired") is False:
            raise ValueError(
                f"Task {task.name!r} needs pairs, and {os.fspath(data)!r} was prepared from "
                "single photos (its manifest.json says paired: false); use a self-supervised "
                "task (e.g. occlusion), or prepare a NIST SD18 or side-by-side A|B source."
            )
        pairs = folder_pairs(task, data, split, seed, options.get("direction", "AtoB"))
    return pairs.map(
        lambda a, b: (
            ensure_channels(a, task.input_channels),
            ensure_channels(b, task.target_channels),
        )
    )
