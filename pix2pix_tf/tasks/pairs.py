"""The (input, target) pairs of a task, from the built-in faces or a folder.

`task_pairs` joins a task to a source (`pix2pix_tf.data.photos`): paired tasks
read raw pairs, self-supervised tasks derive their input from each photo. It
returns uint8 pairs; `pipeline.make_dataset` turns them into training batches.
`masked_pairs` adds the mask of tasks that have one (occlusions), for evaluation.
"""

import os

import tensorflow as tf

from pix2pix_tf.data.nist import nist_pairs
from pix2pix_tf.data.photos import (
    SPLITS,
    SYNTHETIC,
    check_options,
    folder_side_by_side,
    read_manifest,
    source_kind,
    source_photos,
    synthetic_views,
)
from pix2pix_tf.data.sources import check_direction
from pix2pix_tf.data.transforms import ensure_channels
from pix2pix_tf.tasks.task import TASKS, get_task


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


def reverse_problem(task):
    """Why a task that makes its input from each photo cannot be trained BtoA, and what to do."""
    return (
        f"Task {task.name!r} makes its input from each photo ({task.description}), so it has "
        "no reverse direction: leave out --direction BtoA (direction='BtoA'), or train a "
        "paired task such as mugshot, whose BtoA is profile -> front."
    )


def with_mask_channel(image, mask):
    """``image`` with its occlusion mask as one more channel: 255 to fill, 0 to keep.

    The input of mask-given inpainting (``TrainConfig.mask_input``); the
    exported ``serve_masked_uint8`` builds the same from a photo and a mask.
    """
    return tf.concat([image, tf.cast(mask > 0, tf.uint8) * 255], axis=-1)


def task_pairs(
    task,
    data=SYNTHETIC,
    split="train",
    image_size=(256, 256),
    seed=0,
    mask_input=False,
    **options,
):
    """uint8 (input, target) pairs of ``task`` for one split of ``data``.

    Args:
        task: a task name or `Task`.
        data: "synthetic" for the built-in faces, or a folder path.
        split: "train", "val" or "test".
        image_size: (height, width) of the synthetic faces (folders keep their
            own sizes; the pipeline resizes).
        seed: seed of the split and of random inputs.
        mask_input: append the task's mask to the input (`with_mask_channel`);
            tasks with a mask only.
        **options: ``num_faces`` for synthetic data, ``direction`` of a paired
            task ("AtoB", or "BtoA" for target -> input: profile -> front on the
            synthetic faces, NIST SD18 and prepared or A|B folders), ``profiles``
            ("mirror" or "keep") for NIST SD18.

    Returns:
        `tf.data.Dataset` of (input, target) uint8 images with the task's channels
        (and the mask channel with ``mask_input``).
    """
    task = get_task(task)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    check_options(options)
    direction = options.pop("direction", "AtoB")
    check_direction(direction)
    if direction == "BtoA" and not task.paired:
        raise ValueError(reverse_problem(task))
    kind = source_kind(data)
    if mask_input:
        return masked_pairs(task, data, split, image_size, seed, **options).map(
            lambda a, b, mask: (with_mask_channel(a, mask), b)
        )
    if not task.paired:
        examples = task_examples(task, data, split, image_size, seed, **options)
        pairs = examples.map(lambda e: (e["input"], e["target"]))
    elif kind in ("synthetic", "nist"):
        if kind == "synthetic":
            pairs = synthetic_views(split, image_size, options.get("num_faces", 1000), seed)
        else:
            pairs = nist_pairs(data, split, seed, options.get("profiles", "mirror"))
        if direction == "BtoA":
            pairs = pairs.map(lambda front, profile: (profile, front))
    elif kind == "celeba":
        raise ValueError(
            f"Task {task.name!r} needs pairs, and CelebA holds single photos; use a "
            "self-supervised task (e.g. occlusion) or a paired source."
        )
    else:
        if read_manifest(data).get("paired") is False:
            raise ValueError(
                f"Task {task.name!r} needs pairs, and {os.fspath(data)!r} was prepared from "
                "single photos (its manifest.json says paired: false); use a self-supervised "
                "task (e.g. occlusion), or prepare a NIST SD18 or side-by-side A|B source."
            )
        pairs = folder_side_by_side(data, split, seed, direction)
    return pairs.map(
        lambda a, b: (
            ensure_channels(a, task.input_channels),
            ensure_channels(b, task.target_channels),
        )
    )
