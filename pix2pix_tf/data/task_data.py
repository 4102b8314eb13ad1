"""The (input, target) pairs of a task, from the built-in faces or a folder.

`task_pairs` is the one place that knows where each split of each kind of
source lives. It returns uint8 pairs; `pipeline.make_dataset` turns them into
training batches.
"""

import os

import numpy as np
import tensorflow as tf

from pix2pix_tf.data.sources import (
    list_images,
    load_image,
    split_paths,
    split_side_by_side,
)
from pix2pix_tf.data.synthetic import SyntheticFaces
from pix2pix_tf.data.transforms import ensure_channels
from pix2pix_tf.tasks import get_task

SPLITS = ("train", "val", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SYNTHETIC = "synthetic"


def split_range(count, split):
    """[start, stop) of ``split`` when ``count`` items are cut 80/10/10 in order."""
    bounds = np.round(np.cumsum((0.0,) + SPLIT_FRACTIONS) * count).astype(int)
    i = SPLITS.index(split)
    return int(bounds[i]), int(bounds[i + 1])


def synthetic_pairs(task, split, image_size, num_faces=1000, seed=0):
    """Pairs from the built-in synthetic faces; people never cross splits.

    Paired tasks get (front, right profile) of one person; other tasks derive
    their input from the front view.
    """
    faces = SyntheticFaces(num_faces=num_faces, image_size=tuple(image_size), seed=seed)
    start, stop = split_range(num_faces, split)
    if stop <= start:
        raise ValueError(
            f"{num_faces} synthetic faces leave the {split!r} split empty; use at least 10."
        )
    height, width = image_size
    spec = tf.TensorSpec((height, width, 3), tf.uint8)

    if task.paired:

        def generate_pairs():
            for i in range(start, stop):
                yield faces.pair(i)

        pairs = tf.data.Dataset.from_generator(generate_pairs, output_signature=(spec, spec))
        return pairs.apply(tf.data.experimental.assert_cardinality(stop - start))

    def generate_fronts():
        for i in range(start, stop):
            yield faces.front(i)

    fronts = tf.data.Dataset.from_generator(generate_fronts, output_signature=spec)
    fronts = fronts.apply(tf.data.experimental.assert_cardinality(stop - start))
    return task.pairs_from_images(fronts, seed=seed + SPLITS.index(split))


def folder_pairs(task, folder, split, seed=0, direction="AtoB"):
    """Pairs from a folder.

    A prepared dataset (``train/``, ``val/``, ``test/`` sub-folders) is used as
    it is; a flat folder is split 80/10/10 by file with ``seed``. Paired tasks
    read side-by-side A|B images; other tasks read photos.
    """
    split_folder = os.path.join(folder, split)
    if os.path.isdir(split_folder):
        paths = list_images(split_folder)
    elif any(os.path.isdir(os.path.join(folder, s)) for s in SPLITS):
        raise FileNotFoundError(
            f"{folder!r} has split folders but no {split!r}; a prepared dataset needs "
            f"{', '.join(SPLITS)}."
        )
    else:
        paths = split_paths(list_images(folder), SPLIT_FRACTIONS, seed=seed)[SPLITS.index(split)]
        if not paths:
            raise ValueError(f"{folder!r} has too few images for a {split!r} split.")
    files = tf.data.Dataset.from_tensor_slices(paths)
    if task.paired:

        def read_pair(path):
            a, b = split_side_by_side(load_image(path, 3), direction)
            return a, b

        return files.map(read_pair, num_parallel_calls=tf.data.AUTOTUNE)
    photos = files.map(lambda p: load_image(p, 3), num_parallel_calls=tf.data.AUTOTUNE)
    return task.pairs_from_images(photos, seed=seed + SPLITS.index(split))


def task_pairs(task, data=SYNTHETIC, split="train", image_size=(256, 256), seed=0, **options):
    """uint8 (input, target) pairs of ``task`` for one split of ``data``.

    Args:
        task: a task name or `Task`.
        data: "synthetic" for the built-in faces, or a folder path.
        split: "train", "val" or "test".
        image_size: (height, width) of the synthetic faces (folders keep their
            own sizes; the pipeline resizes).
        seed: seed of the split and of random inputs.
        **options: ``num_faces`` for synthetic data, ``direction`` for A|B folders.

    Returns:
        `tf.data.Dataset` of (input, target) uint8 images with the task's channels.
    """
    task = get_task(task)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    if data == SYNTHETIC:
        pairs = synthetic_pairs(task, split, image_size, options.get("num_faces", 1000), seed)
    else:
        pairs = folder_pairs(task, data, split, seed, options.get("direction", "AtoB"))
    return pairs.map(
        lambda a, b: (
            ensure_channels(a, task.input_channels),
            ensure_channels(b, task.target_channels),
        )
    )
