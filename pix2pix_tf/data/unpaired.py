"""Unpaired images of two domains (A and B) and their batches for CycleGAN.

The two domains come from two folders (``A/`` and ``B/``, or CycleGAN's
``trainA/``, ``trainB/``, ``testA/``, ``testB/``), or from one folder split by a
label: UTKFace file names carry age, gender and ethnicity
(``age_gender_race_datetime.jpg``), and CelebA (raw, or prepared with its
``attributes.json``) carries 40 attributes per photo.

Example:
    >>> a, b = labelled_domains("utkface/", "train", 0, age_domain(30, 60))
    >>> batches = unpaired_batches(domain_images(a), domain_images(b), (64, 64))
"""

import json
import os

import tensorflow as tf

from pix2pix_tf.data.celeba import is_celeba, load_celeba
from pix2pix_tf.data.image_checks import list_images, usable_images
from pix2pix_tf.data.photos import SPLITS, split_files
from pix2pix_tf.data.sources import load_image, split_paths
from pix2pix_tf.data.transforms import PIX2PIX_JITTER_SCALE, random_jitter, resize, to_float

DOMAINS = ("A", "B")
ATTRIBUTES_FILE = "attributes.json"
# Decoded uint8 images of one domain that the pipeline keeps in memory.
CACHE_BUDGET = 1 << 30


def utkface_labels(path):
    """{"age", "gender", "race"} from a UTKFace file name, or None if it has no age.

    Names are ``age_gender_race_datetime.jpg.chip.jpg``; a few files of the
    dataset lack gender or race, which are then None.
    """
    fields = os.path.basename(os.fspath(path)).split("_")
    if len(fields) < 2 or not fields[0].isdigit():
        return None

    def code(i):  # a one-digit field followed by more fields, else None
        ok = len(fields) > i + 1 and len(fields[i]) == 1 and fields[i].isdigit()
        return int(fields[i]) if ok else None

    return {"age": int(fields[0]), "gender": code(1), "race": code(2)}


def age_domain(young_max=30, old_min=60):
    """A labeller of UTKFace files: "A" for age <= ``young_max``, "B" for >= ``old_min``."""
    if young_max >= old_min:
        raise ValueError(f"young_max ({young_max}) must be below old_min ({old_min}).")

    def domain_of(path):
        labels = utkface_labels(path)
        if labels is None:
            return None
        age = labels["age"]
        return "A" if age <= young_max else "B" if age >= old_min else None

    return domain_of


def celeba_attributes(folder):
    """{path relative to ``folder``: {attribute: bool}} of a CelebA or prepared folder.

    A prepared dataset keeps them in ``attributes.json`` (written by
    ``pix2pix-tf prepare`` from CelebA); a raw CelebA folder in
    ``list_attr_celeba.txt``.
    """
    folder = os.fspath(folder)
    prepared = os.path.join(folder, ATTRIBUTES_FILE)
    if os.path.isfile(prepared):
        with open(prepared, encoding="utf-8") as f:
            table = json.load(f)
        names = table["names"]
        return {
            file: dict(zip(names, (v == "1" for v in values)))
            for file, values in table["files"].items()
        }
    if is_celeba(folder):
        celeba = load_celeba(folder)
        where = os.path.relpath(celeba.image_folder, folder)
        return {
            os.path.join(where, file).replace(os.sep, "/"): dict(zip(celeba.attribute_names, v))
            for file, v in celeba.attributes.items()
        }
    raise FileNotFoundError(
        f"{folder!r} has no CelebA attributes: pass a CelebA folder (with "
        f"list_attr_celeba.txt) or one prepared from it (with {ATTRIBUTES_FILE})."
    )


def attribute_domain(folder, attribute):
    """A labeller of a CelebA folder's files: "A" without ``attribute``, "B" with it."""
    table = celeba_attributes(folder)
    known = next(iter(table.values()), {})
    if attribute not in known:
        raise ValueError(f"Unknown attribute {attribute!r}; known: {', '.join(known)}.")

    def domain_of(path):
        values = table.get(os.path.relpath(path, folder).replace(os.sep, "/"))
        return None if values is None else ("B" if values[attribute] else "A")

    return domain_of


def two_folders(folder, split):
    """The A and B folders of ``split`` if ``folder`` is laid out as two domains, else None.

    ``A/`` and ``B/`` are split 80/10/10 by file; CycleGAN's ``trainA/`` ...
    ``testB/`` are used as they are (``val`` is ``valA``/``valB`` if present,
    else the test folders).
    """
    folder = os.fspath(folder)
    if all(os.path.isdir(os.path.join(folder, d)) for d in DOMAINS):
        return tuple(os.path.join(folder, d) for d in DOMAINS)
    names = {"train": ("train",), "val": ("val", "test"), "test": ("test",)}[split]
    for name in names:
        pair = tuple(os.path.join(folder, f"{name}{d}") for d in DOMAINS)
        if all(os.path.isdir(p) for p in pair):
            return pair
    return None


def _split_of_folder(folder, split, seed, whole):
    every = list_images(folder, check=False)
    paths = every if whole else split_paths(every, seed=seed)[SPLITS.index(split)]
    return usable_images(folder, paths) if paths else []


def _split_photos(folder, split, seed):
    """Photos of one split: CelebA's official partition, a prepared split, else 80/10/10."""
    if not is_celeba(folder):
        return split_files(folder, split, seed)
    celeba = load_celeba(folder)
    paths = [os.path.join(celeba.image_folder, f) for f in celeba.split_files(split, seed)]
    return usable_images(celeba.image_folder, paths) if paths else []


def labelled_domains(folder, split, seed=0, domain_of=None):
    """Image paths of domains A and B in one split of ``folder``.

    Args:
        folder: two domain folders (see `two_folders`), or one folder of photos
            (CelebA with its partition, prepared, or flat: split 80/10/10 by file
            with ``seed``).
        split: "train", "val" or "test".
        seed: seed of the split.
        domain_of: ``fn(path) -> "A" | "B" | None`` for one folder; None for two.

    Returns:
        (paths of A, paths of B), each sorted.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    folders = two_folders(folder, split)
    if domain_of is None:
        if folders is None:
            raise FileNotFoundError(
                f"{os.fspath(folder)!r} needs two domain folders, A/ and B/ (or trainA/, "
                "trainB/, testA/, testB/), for an unpaired task without labels."
            )
        whole = os.path.basename(folders[0]) not in DOMAINS
        a, b = (_split_of_folder(f, split, seed, whole) for f in folders)
    else:
        paths = _split_photos(os.fspath(folder), split, seed)
        labels = [domain_of(p) for p in paths]
        a = [p for p, label in zip(paths, labels) if label == "A"]
        b = [p for p, label in zip(paths, labels) if label == "B"]
    for name, paths in zip(DOMAINS, (a, b)):
        if not paths:
            raise ValueError(f"The {split!r} split of {os.fspath(folder)!r} has no {name} images.")
    return a, b


def domain_images(paths, channels=3):
    """uint8 (H, W, channels) images of a list of files, with a known cardinality."""
    return tf.data.Dataset.from_tensor_slices(list(paths)).map(
        lambda p: load_image(p, channels), num_parallel_calls=tf.data.AUTOTUNE
    )


def halves(dataset, count):
    """(first half, second half) of a dataset of ``count`` elements, by even and odd index.

    `mugshot-unpaired` trains on fronts of one half of the people and profiles
    of the other, so that no pair is ever seen.
    """
    even = dataset.enumerate().filter(lambda i, _: i % 2 == 0).map(lambda _, x: x)
    odd = dataset.enumerate().filter(lambda i, _: i % 2 == 1).map(lambda _, x: x)
    even = even.apply(tf.data.experimental.assert_cardinality((count + 1) // 2))
    return even, odd.apply(tf.data.experimental.assert_cardinality(count // 2))


def _domain_stream(images, image_size, training, jitter, flip, seed, shuffle_buffer, cache):
    scale = PIX2PIX_JITTER_SCALE if training and jitter else 1.0
    working = (round(image_size[0] * scale), round(image_size[1] * scale))
    count = int(images.cardinality())
    ds = images.map(lambda im: resize(im, working), num_parallel_calls=tf.data.AUTOTUNE)
    channels = images.element_spec.shape[-1] or 3
    fits = 0 <= count and count * working[0] * working[1] * channels <= CACHE_BUDGET
    if cache not in ("auto", True, False):
        raise ValueError(f'cache must be "auto", True or False, got {cache!r}.')
    if cache is True or (cache == "auto" and fits):
        ds = ds.cache()
    if not training:
        return ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True).repeat()
    seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)

    def augment(image, element_seed):
        image = to_float(image)
        return random_jitter(image, image[:1, :1], image_size, scale, flip, element_seed)[0]

    return tf.data.Dataset.zip(ds, seeds).map(augment, num_parallel_calls=tf.data.AUTOTUNE)


def unpaired_batches(
    images_a,
    images_b,
    image_size=(256, 256),
    batch_size=1,
    training=True,
    jitter=True,
    flip=True,
    seed=0,
    shuffle_buffer=400,
    cache="auto",
):
    """Float (a, b) batches in [-1, 1] of two unrelated streams of images.

    In training each domain is shuffled and jittered on its own and repeated
    for ever, so the smaller domain comes round again while the larger one is
    still being read (use ``steps_per_epoch``); in evaluation both are resized
    only and zipped in order, as long as the shorter one.

    Args:
        images_a: `tf.data.Dataset` of uint8 (H, W, C) images of domain A.
        images_b: the same for domain B.
        image_size: (height, width) of the outputs.
        batch_size: images of each domain per batch.
        training: shuffle, augment and repeat.
        jitter: in training, upscale by 286/256 and random-crop back.
        flip: in training, mirror left-right with probability 0.5.
        seed: seed of the shuffles and the augmentation.
        shuffle_buffer: size of each domain's shuffle buffer.
        cache: "auto" keeps each domain's resized uint8 images in memory when
            they fit in `CACHE_BUDGET`; True always, False never (for a stream
            read only in part: a cache not read to its end is thrown away, with
            a warning).

    Returns:
        `tf.data.Dataset` of (a, b) float32 batches (B, height, width, C).
    """
    streams = [
        _domain_stream(
            images, tuple(image_size), training, jitter, flip, seed + i, shuffle_buffer, cache
        )
        for i, images in enumerate((images_a, images_b))
    ]
    ds = tf.data.Dataset.zip(*streams).batch(batch_size, drop_remainder=training)
    return ds.prefetch(tf.data.AUTOTUNE)
