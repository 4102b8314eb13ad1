"""The `tf.data` input pipeline: from uint8 pairs to batches for `fit()`.

Order of stages, and why:
    shrink (images larger than needed are resized first, so that neither the
        cache nor the shuffle buffer holds full-size photos)
    -> cache (uint8, 4x smaller than float, decoded once; only when it fits in
        `CACHE_BUDGET`, so memory stays flat however large the dataset)
    -> shuffle (seeded, reshuffled each epoch)
    -> augment with a per-element seed (reproducible, new each epoch)
    -> batch -> prefetch.
"""

import os

import tensorflow as tf

from pix2pix_tf.data.transforms import (
    PIX2PIX_JITTER_SCALE,
    check_size,
    random_jitter,
    resize,
    to_float,
    widen_resized_mask,
)

# Bytes of decoded uint8 pairs that cache="auto" keeps in memory; larger datasets stream.
CACHE_BUDGET = 1 << 30


def _check_int(value, name, minimum=1):
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}.")


def _shrink(image, size):
    """``image`` resized to ``size`` if it has more pixels, else unchanged.

    Later stages resize to ``size`` anyway; doing it first keeps full-size
    photos out of the cache and the shuffle buffer.
    """
    shape = tf.shape(image)
    larger = shape[0] * shape[1] > size[0] * size[1]
    return tf.cond(larger, lambda: resize(image, size), lambda: image)


def _pair_bytes(size, element_spec):
    """The most bytes one shrunk uint8 pair of ``element_spec`` takes at ``size``."""
    channels = sum(spec.shape[-1] for spec in element_spec)
    return size[0] * size[1] * channels


def _cache_file(cache, count, size, element_spec, budget):
    """Where to cache: "" for memory, a file path for disk, None for no cache."""
    if isinstance(cache, os.PathLike) or (isinstance(cache, str) and cache != "auto"):
        return os.fspath(cache)
    if cache == "auto":
        # Unknown or infinite sizes stream: nothing says they would fit.
        fits = 0 <= count and count * _pair_bytes(size, element_spec) <= budget
        return "" if fits else None
    if not isinstance(cache, bool):
        raise ValueError(f'cache must be "auto", True, False or a file path, got {cache!r}.')
    return "" if cache else None


def _check_pairs(pairs):
    spec = pairs.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise ValueError(
            f"pairs must be a Dataset of (input, target) tuples, got elements {spec}; "
            "build one with the functions in pix2pix_tf.data.sources."
        )
    for name, s in zip(("input", "target"), spec):
        if not isinstance(s, tf.TensorSpec) or s.dtype != tf.uint8:
            raise ValueError(
                f"The {name} images must be uint8 tensors, got {s}; convert float images in "
                "[-1, 1] with pix2pix_tf.data.transforms.to_uint8."
            )
        if s.shape.rank != 3 or s.shape[-1] is None:
            raise ValueError(
                f"The {name} images must be (H, W, C) with a known C, got shape {s.shape}; "
                "fix C with pix2pix_tf.data.transforms.ensure_channels."
            )


def make_dataset(
    pairs,
    image_size=(256, 256),
    batch_size=1,
    training=True,
    jitter=True,
    flip=True,
    shuffle_buffer=400,
    cache="auto",
    seed=0,
    drop_remainder=None,
    jitter_scale=PIX2PIX_JITTER_SCALE,
    cache_budget=CACHE_BUDGET,
    mask_channel=False,
):
    """Turns ``(input, target)`` uint8 pairs into float batches for training or evaluation.

    Training applies the pix2pix augmentation (`random_jitter`); evaluation only
    resizes to ``image_size``. Images come out as float32 in ``[-1, 1]``.

    Args:
        pairs: `tf.data.Dataset` of uint8 ``(input, target)`` images, shapes
            ``(H, W, C_in)`` and ``(H, W, C_out)`` with known channel counts
            (see `pix2pix_tf.data.sources`).
        image_size: ``(height, width)`` of the outputs.
        batch_size: images per batch.
        training: shuffle and augment; otherwise keep the order and only resize.
        jitter: in training, upscale by ``jitter_scale`` and random-crop back.
        flip: in training, mirror pairs left-right with probability 0.5.
        shuffle_buffer: size of the shuffle buffer in training; 0 or 1 keeps
            the order (400 holds all of facades).
        cache: "auto" keeps the decoded uint8 pairs in memory after the first
            epoch when they fit in ``cache_budget`` bytes (judged from the
            dataset's size and the largest pair the pipeline keeps), and
            otherwise reads them again each epoch, so that memory does not
            grow with the dataset; True always caches in memory, False never;
            a file path caches on disk (`tf.data.Dataset.cache`).
        seed: int seed of the shuffle and the augmentation: the same seed gives
            the same batches, epoch by epoch. None for a fresh random seed.
        drop_remainder: drop a last, smaller batch; None means True in training
            (every step sees ``batch_size`` images) and False in evaluation
            (every image is scored).
        jitter_scale: upscaling factor of the jitter, 286/256 in the paper.
        cache_budget: bytes that cache="auto" may use.
        mask_channel: the input's last channel is a hole mask (255 fill, 0 keep,
            `pix2pix_tf.tasks.pairs.with_mask_channel`): after resizing, every
            pixel the hole reached is in it (`widen_resized_mask`).

    Returns:
        `tf.data.Dataset` of float32 ``(input, target)`` batches, shapes
        ``(B, height, width, C_in)`` and ``(B, height, width, C_out)``.

    Example:
        >>> pairs = side_by_side_dataset("datasets/facades/train", direction="BtoA")
        >>> train = make_dataset(pairs, batch_size=1, training=True)
        >>> model.fit(train, epochs=200)
    """
    image_size = check_size(image_size, "image_size")
    _check_int(batch_size, "batch_size")
    _check_int(shuffle_buffer, "shuffle_buffer", minimum=0)
    _check_pairs(pairs)
    if drop_remainder is None:
        drop_remainder = training
    count = int(pairs.cardinality())
    if drop_remainder and 0 <= count < batch_size:
        raise ValueError(
            f"The dataset holds {count} pairs, fewer than batch_size={batch_size}, so "
            "drop_remainder leaves no batch; lower batch_size or pass drop_remainder=False."
        )

    scale = jitter_scale if training and jitter else 1.0
    # The largest images later stages need: anything larger is resized right away.
    working = (round(image_size[0] * scale), round(image_size[1] * scale))
    ds = pairs.map(
        lambda inp, tar: (_shrink(inp, working), _shrink(tar, working)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    cache_file = _cache_file(cache, count, working, pairs.element_spec, cache_budget)
    if cache_file is not None:
        ds = ds.cache(cache_file)
    if training:
        if shuffle_buffer > 1:
            ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        # One stateless seed per element; a new stream every epoch, the same streams
        # for the same `seed`.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(
            2, drop_remainder=True
        )

        def augment(pair, element_seed):
            inp, tar = to_float(pair[0]), to_float(pair[1])
            inp, tar = random_jitter(inp, tar, image_size, scale, flip=flip, seed=element_seed)
            return (widen_resized_mask(inp) if mask_channel else inp), tar

        ds = tf.data.Dataset.zip(ds, seeds).map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    else:

        def prepare(inp, tar):
            inp, tar = resize(to_float(inp), image_size), resize(to_float(tar), image_size)
            return (widen_resized_mask(inp) if mask_channel else inp), tar

        ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
