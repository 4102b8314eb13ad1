"""Unpaired tasks: two domains of faces, A and B, with no image of A matched to one of B.

`CycleGAN` learns A -> B and B -> A from them. A task says where each domain's
photos come from (`images`); some also have true pairs for scoring (`pairs`):
the synthetic faces have each person's front and profile, which
`mugshot-unpaired` never shows together in training.

Example:
    >>> images_a, images_b = unpaired_images("age", "utkface/", "train")
"""

import dataclasses
from collections.abc import Callable

from pix2pix_tf.data.photos import SYNTHETIC, check_options, source_kind, synthetic_views
from pix2pix_tf.data.unpaired import (
    age_domain,
    attribute_domain,
    domain_images,
    halves,
    labelled_domains,
)

# The CycleGAN paper's settings: ResNet generator, least squares, instance norm, batch 1,
# lr 2e-4 held for half the run and decayed linearly to 0 over the other half (of the
# steps, or of --max-minutes when the time ends the run first).
CYCLEGAN_RECIPE = {
    "generator": "resnet9",
    "gan_mode": "lsgan",
    "norm": "instance",
    "dropout": 0.0,
    "lr_decay_fraction": 0.5,
}


@dataclasses.dataclass(frozen=True)
class UnpairedTask:
    """A translation between two domains of unpaired photos.

    Attributes:
        name: the name used by the API and ``pix2pix-tf train --model cyclegan --task``.
        description: one line for help texts.
        domains: names of A and B, e.g. ("young", "old").
        images: ``fn(data, split, image_size, seed, **options) -> (images_a,
            images_b)``: `tf.data.Dataset`s of uint8 (H, W, 3) photos with known
            cardinalities.
        pairs: ``fn(split, image_size, seed, **options) -> Dataset`` of true (a, b)
            pairs to score translations against, or None.
        flip: whether left-right mirroring keeps each domain's meaning.
        train_defaults: `TrainConfig` settings this task trains with.
    """

    name: str
    description: str
    domains: tuple
    images: Callable
    pairs: Callable | None = None
    flip: bool = True
    train_defaults: dict = dataclasses.field(default_factory=lambda: dict(CYCLEGAN_RECIPE))


UNPAIRED_TASKS = {}


def register_unpaired_task(task):
    """Adds ``task`` to the registry and returns it; names must be new."""
    if task.name in UNPAIRED_TASKS:
        raise ValueError(f"An unpaired task named {task.name!r} is already registered.")
    UNPAIRED_TASKS[task.name] = task
    return task


def get_unpaired_task(name):
    """The registered unpaired task called ``name``; the error lists the known names."""
    if isinstance(name, UnpairedTask):
        return name
    if name not in UNPAIRED_TASKS:
        raise ValueError(
            f"Unknown unpaired task {name!r}. Known: {', '.join(sorted(UNPAIRED_TASKS))}."
        )
    return UNPAIRED_TASKS[name]


def labelled_folder_images(domain_of_folder):
    """``images`` of a task whose two domains are labels of one folder's photos.

    Args:
        domain_of_folder: ``fn(folder) -> domain_of``, where ``domain_of(path)``
            returns "A", "B" or None (left out) for each photo; ``fn`` returning
            None means two domain folders (see `pix2pix_tf.data.unpaired.two_folders`).
    """

    def images(data, split, image_size, seed, **options):
        check_options(options)
        if data == SYNTHETIC:
            raise ValueError("This task needs a folder of photos, not the synthetic faces.")
        domain_of = domain_of_folder(data)
        paths_a, paths_b = labelled_domains(data, split, seed, domain_of)
        return domain_images(paths_a), domain_images(paths_b)

    return images


def _synthetic_views(split, image_size, seed, **options):
    check_options(options)
    return synthetic_views(split, tuple(image_size), options.get("num_faces", 1000), seed)


def _mugshot_images(data, split, image_size, seed, **options):
    if data != SYNTHETIC and source_kind(data) != "synthetic":
        raise ValueError("mugshot-unpaired uses the synthetic faces: pass data='synthetic'.")
    views = _synthetic_views(split, image_size, seed, **options)
    first, second = halves(views, int(views.cardinality()))
    # Fronts of one half of the people, profiles of the other: no person in both.
    return first.map(lambda front, _: front), second.map(lambda _, profile: profile)


def unpaired_images(task, data, split="train", image_size=(256, 256), seed=0, **options):
    """uint8 photos of domains A and B of ``task`` for one split of ``data``.

    Args:
        task: an unpaired task or its name.
        data: a folder (or "synthetic" for `mugshot-unpaired`).
        split: "train", "val" or "test".
        image_size: (height, width) of synthetic faces (photos keep their size).
        seed: seed of the split.
        **options: ``num_faces`` for synthetic data.

    Returns:
        (images_a, images_b): `tf.data.Dataset`s of uint8 (H, W, 3) images.
    """
    task = get_unpaired_task(task)
    return task.images(data, split, tuple(image_size), seed, **options)


register_unpaired_task(
    UnpairedTask(
        name="unpaired",
        description="folder A/ -> folder B/ (or trainA/ ... testB/), any two domains",
        domains=("A", "B"),
        images=labelled_folder_images(lambda data: None),
    )
)
register_unpaired_task(
    UnpairedTask(
        name="age",
        description="young face (<= 30) <-> old face (>= 60), labels from UTKFace file names",
        domains=("young", "old"),
        images=labelled_folder_images(lambda data: age_domain(30, 60)),
    )
)
register_unpaired_task(
    UnpairedTask(
        name="glasses",
        description="face without glasses <-> with glasses (CelebA 'Eyeglasses')",
        domains=("no glasses", "glasses"),
        images=labelled_folder_images(lambda data: attribute_domain(data, "Eyeglasses")),
    )
)
register_unpaired_task(
    UnpairedTask(
        name="smile",
        description="neutral face <-> smiling face (CelebA 'Smiling')",
        domains=("neutral", "smiling"),
        images=labelled_folder_images(lambda data: attribute_domain(data, "Smiling")),
    )
)
register_unpaired_task(
    UnpairedTask(
        name="mugshot-unpaired",
        description="front view <-> right profile of synthetic faces, trained without pairs",
        domains=("front", "profile"),
        images=_mugshot_images,
        pairs=_synthetic_views,
        flip=False,
    )
)
