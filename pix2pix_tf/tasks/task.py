"""Named image-to-image tasks: what the generator sees and what it must produce.

A paired task reads (input, target) pairs from its source (front view ->
profile). A self-supervised task derives its input from each photo, and the
photo is the target (grayscale -> colour). Adding a task is one `register_task`
call; see docs/overview.md.

Photos come with their five face landmarks where the source knows them
(synthetic faces, CelebA, prepared datasets), as float32 ``(5, 2)`` with NaN where
unknown; tasks that place something on the face (`occlusion`) use them.
"""

import dataclasses
from collections.abc import Callable

import tensorflow as tf

NO_LANDMARKS = float("nan")


@dataclasses.dataclass(frozen=True)
class Task:
    """One image-to-image task.

    Attributes:
        name: the name used by the API and ``pix2pix-tf train --task``.
        description: one line for help texts.
        input_channels: channels the generator sees.
        target_channels: channels it produces.
        paired: True if the source must give (input, target) pairs.
        flip: whether random left-right flips keep the task's meaning (a right
            profile flipped is a left profile, so not for `mugshot`).
        make_input: for self-supervised tasks, ``fn(image, seed) -> input``: a
            uint8 (H, W, 3) photo and a [2] int32 seed to a uint8 (H, W,
            input_channels) input. TF ops only, so that it runs inside tf.data.
        uses_landmarks: ``make_input`` is ``fn(image, seed, landmarks)``, with
            float32 (5, 2) landmarks, NaN where the source does not know them.
        uses_donor: ``make_input`` also takes a ``donor``: the next photo of the
            split (the last one's is the first), e.g. to cut textures from.
        mask_input_defaults: `TrainConfig` settings that replace
            ``train_defaults`` when the mask is given to the generator as an
            extra input channel (``mask_input``); only for tasks with a mask.
        has_mask: ``make_input`` returns ``(input, mask)``, a uint8 (H, W, 1)
            mask of the pixels it changed, for evaluation (see `examples`).
        make_train_target: ``fn(image, seed) -> target`` for the training split
            only; evaluation still compares with the photo (Noise2Noise).
        pair_photos: ``fn(photos, seed) -> examples`` for tasks whose input and
            target are different photos; replaces ``make_input``.
        train_defaults: `TrainConfig` settings this task trains best with, in
            place of the paper's (`TrainConfig.for_task`, and ``pix2pix-tf
            train`` for options left out); chosen with bench/quality.py.
    """

    name: str
    description: str
    input_channels: int = 3
    target_channels: int = 3
    paired: bool = False
    flip: bool = True
    make_input: Callable | None = None
    uses_landmarks: bool = False
    uses_donor: bool = False
    has_mask: bool = False
    make_train_target: Callable | None = None
    pair_photos: Callable | None = None
    train_defaults: dict = dataclasses.field(default_factory=dict)
    mask_input_defaults: dict = dataclasses.field(default_factory=dict)

    def pairs_from_images(self, images, seed=0, training=False):
        """(input, target) pairs from a dataset of uint8 RGB photos.

        Each element gets its own seed, derived from ``seed`` and its position,
        so random inputs (occlusions, noise) are the same on every pass.

        Args:
            images: photos, or (photo, landmarks) tuples (see `examples`).
            seed: int seed of the random inputs.
            training: the pairs are for training (see `examples`).
        """
        return self.examples(images, seed, training).map(lambda e: (e["input"], e["target"]))

    def examples(self, images, seed=0, training=False):
        """Dicts of "input", "target" and, for tasks with a mask, "mask", from photos.

        Args:
            images: `tf.data.Dataset` of uint8 (H, W, 3) photos, or of (photo,
                landmarks) tuples with float32 (5, 2) landmarks, NaN if unknown.
            seed: int seed of the random inputs; element ``i`` gets ``(seed, i)``.
            training: the examples are for training: tasks with
                ``make_train_target`` use it for the target.

        Returns:
            `tf.data.Dataset` of dicts of uint8 tensors.
        """
        if self.paired:
            raise ValueError(
                f"Task {self.name!r} needs paired data (input and target images), not single "
                "photos. Use the synthetic data, a prepared dataset, or side-by-side A|B images."
            )
        if not isinstance(images.element_spec, tuple):
            images = images.map(lambda image: (image, tf.fill([5, 2], NO_LANDMARKS)))
        if self.pair_photos is not None:
            return self.pair_photos(images, seed)

        if self.uses_donor:
            # Each photo with the next one's image, the last with the first's.
            others = images.map(lambda image, landmarks: image)
            others = others.skip(1).concatenate(others.take(1))
            images = tf.data.Dataset.zip(images, others).map(lambda photo, donor: (*photo, donor))

        def make_example(index, photo):
            image, landmarks = photo[:2]
            element_seed = tf.stack([tf.cast(seed, tf.int64), index])
            element_seed = tf.cast(element_seed % (2**31 - 1), tf.int32)
            args = (image, element_seed)
            if self.uses_landmarks:
                args += (landmarks,)
            if self.uses_donor:
                args += (photo[2],)
            made = self.make_input(*args)
            example = {"input": made[0], "mask": made[1]} if self.has_mask else {"input": made}
            example["target"] = image
            if training and self.make_train_target is not None:
                # An independent draw: the target must not share the input's noise.
                target_seed = tf.random.experimental.stateless_fold_in(element_seed, 1)
                example["target"] = self.make_train_target(image, target_seed)
            return example

        return images.enumerate().map(make_example, num_parallel_calls=tf.data.AUTOTUNE)


TASKS = {}


def register_task(task):
    """Adds ``task`` to the registry and returns it; names must be new."""
    if task.name in TASKS:
        raise ValueError(f"A task named {task.name!r} is already registered.")
    if not task.paired and task.make_input is None and task.pair_photos is None:
        raise ValueError(f"Self-supervised task {task.name!r} needs make_input (or pair_photos).")
    TASKS[task.name] = task
    return task


def get_task(name):
    """The registered task called ``name``; the error lists the known names."""
    if isinstance(name, Task):
        return name
    if name not in TASKS:
        raise ValueError(f"Unknown task {name!r}. Known tasks: {', '.join(sorted(TASKS))}.")
    return TASKS[name]
