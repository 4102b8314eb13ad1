"""Named image-to-image tasks: what the generator sees and what it must produce.

A paired task reads (input, target) pairs from its source (front view ->
profile). A self-supervised task derives its input from each photo, and the
photo is the target (grayscale -> colour). Adding a task is one `register_task`
call; see docs/overview.md.
"""

import dataclasses
from collections.abc import Callable

import tensorflow as tf

from pix2pix_tf.data.transforms import to_grayscale


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
    """

    name: str
    description: str
    input_channels: int = 3
    target_channels: int = 3
    paired: bool = False
    flip: bool = True
    make_input: Callable | None = None

    def pairs_from_images(self, images, seed=0):
        """(input, target) pairs from a dataset of uint8 RGB photos.

        Each element gets its own seed, derived from ``seed`` and its position,
        so random inputs (occlusions, noise) are the same on every pass.
        """
        if self.paired:
            raise ValueError(
                f"Task {self.name!r} needs paired data (input and target images), not single "
                "photos. Use the synthetic data, a prepared dataset, or side-by-side A|B images."
            )

        def make_pair(index, image):
            element_seed = tf.stack([tf.cast(seed, tf.int64), index])
            element_seed = tf.cast(element_seed % (2**31 - 1), tf.int32)
            return self.make_input(image, element_seed), image

        return images.enumerate().map(make_pair, num_parallel_calls=tf.data.AUTOTUNE)


TASKS = {}


def register_task(task):
    """Adds ``task`` to the registry and returns it; names must be new."""
    if task.name in TASKS:
        raise ValueError(f"A task named {task.name!r} is already registered.")
    if not task.paired and task.make_input is None:
        raise ValueError(f"Self-supervised task {task.name!r} needs make_input.")
    TASKS[task.name] = task
    return task


def get_task(name):
    """The registered task called ``name``; the error lists the known names."""
    if isinstance(name, Task):
        return name
    if name not in TASKS:
        raise ValueError(f"Unknown task {name!r}. Known tasks: {', '.join(sorted(TASKS))}.")
    return TASKS[name]


register_task(
    Task(
        name="mugshot",
        description="front-view face -> right profile of the same person (paired)",
        paired=True,
        flip=False,
    )
)
register_task(
    Task(
        name="autoencoder",
        description="a face -> the same face (what survives the bottleneck)",
        make_input=lambda image, seed: image,
    )
)
register_task(
    Task(
        name="colorization",
        description="grayscale face -> colour face",
        input_channels=1,
        make_input=lambda image, seed: to_grayscale(image),
    )
)
