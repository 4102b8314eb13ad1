"""Baselines and side-by-side scoring: is the model better than doing nothing?

A number means little alone. These helpers score a model next to simple
alternatives on the same images: the input itself returned as the output (for
super-resolution that is the bicubic upscaling, which the task's input already
is), classical inpainting (OpenCV's Telea method, Telea 2004) when the damaged
pixels are known, and non-local-means denoising (Buades et al., 2005). Scores
are the library's metrics (`pix2pix_tf.models.metrics`) per image, averaged,
optionally grouped (e.g. by occlusion type).

Example:
    >>> methods = {"input": input_as_output, "pix2pix": model_method(model)}
    >>> rows = compare(test_batches, methods)
    >>> print(markdown_table(rows))
"""

import cv2
import numpy as np
import tensorflow as tf

from pix2pix_tf.data.transforms import resize, to_float
from pix2pix_tf.models import metrics as quality
from pix2pix_tf.models.pix2pix import PSNR_CAP_DB

METRICS = ("ssim", "psnr", "l1")


def score_images(targets, outputs):
    """SSIM, PSNR (dB, capped as in training) and L1 of each image.

    Args:
        targets: (batch, H, W, C) in [-1, 1].
        outputs: the same shape and range.

    Returns:
        Dict metric -> float array (batch,).
    """
    targets = tf.convert_to_tensor(targets, tf.float32)
    outputs = tf.convert_to_tensor(outputs, tf.float32)
    if targets.shape != outputs.shape:
        raise ValueError(f"targets {targets.shape} and outputs {outputs.shape} differ in shape.")
    return {
        "ssim": quality.ssim(targets, outputs).numpy(),
        "psnr": tf.minimum(quality.psnr(targets, outputs), PSNR_CAP_DB).numpy(),
        "l1": quality.l1(targets, outputs).numpy(),
    }


def input_as_output(inputs, masks=None):
    """The do-nothing baseline: the input is the answer (gray inputs become RGB)."""
    inputs = np.asarray(inputs, np.float32)
    return np.repeat(inputs, 3, axis=-1) if inputs.shape[-1] == 1 else inputs


def inpaint_telea(images, masks, radius=3):
    """OpenCV inpainting (Telea's fast marching method) of the masked pixels.

    Args:
        images: (batch, H, W, 3) float in [-1, 1] or uint8.
        masks: (batch, H, W) or (batch, H, W, 1), true (or non-zero) where
            pixels are missing.
        radius: neighbourhood radius in pixels.

    Returns:
        The inpainted images, in the dtype and range of ``images``.
    """
    images = np.asarray(images)
    masks = np.asarray(masks)
    if masks.ndim == 4:
        masks = masks[..., 0]
    if masks.shape != images.shape[:3]:
        raise ValueError(f"masks {masks.shape} must be (batch, H, W) of images {images.shape[:3]}.")
    floats = images.dtype != np.uint8
    as_uint8 = (
        np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8) if floats else images
    )
    filled = np.stack(
        [
            cv2.inpaint(
                np.ascontiguousarray(image), (mask != 0).astype(np.uint8), radius, cv2.INPAINT_TELEA
            )
            for image, mask in zip(as_uint8, masks)
        ]
    )
    return filled.astype(np.float32) / 127.5 - 1.0 if floats else filled


def _as_uint8(images):
    return np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


# h = hColor = 10 tied for the best on UTKFace's denoise test split at 128x128 (sigma
# 25 at the photo's size, about 16 after the resize): 29.55 dB over 100 images, against
# 29.57 for 12, 29.00 for 8 and 28.99 for 15; docs/quality.md.
NL_MEANS_STRENGTH = 10


def nl_means_denoise(images, masks=None, strength=NL_MEANS_STRENGTH):
    """OpenCV's non-local-means colour denoising (`cv2.fastNlMeansDenoisingColored`).

    Args:
        images: (batch, H, W, 3) float in [-1, 1].
        masks: unused (the signature of a `compare` method).
        strength: filter strength ``h`` of the luminance and of the colour, in 0-255 units.

    Returns:
        The denoised images, float32 in [-1, 1].
    """
    denoised = [
        cv2.fastNlMeansDenoisingColored(image, None, strength, strength, 7, 21)
        for image in _as_uint8(np.asarray(images))
    ]
    return np.stack(denoised).astype(np.float32) / 127.5 - 1.0


def model_method(model):
    """A method for `compare` that runs ``model`` (in inference mode) on the inputs."""

    def run(inputs, masks=None):
        return np.asarray(model(inputs, training=False))

    return run


def compare(batches, methods, group=None):
    """Mean scores of several methods on the same batches.

    Args:
        batches: iterable of ``(inputs, targets)`` or ``(inputs, targets, masks)``
            batches in [-1, 1] (a `tf.data.Dataset` or a list).
        methods: dict name -> ``fn(inputs, masks) -> outputs`` (``masks`` is
            None when the batches have none), e.g. `input_as_output`,
            `inpaint_telea`, `model_method(model)`.
        group: optional ``fn(batch_index, batch) -> name`` to score groups
            separately (e.g. one occlusion type per batch).

    Returns:
        List of rows ``{"method", "group" (if grouped), "images", "ssim", "psnr", "l1"}``.
    """
    scores = {}
    for index, batch in enumerate(batches):
        inputs, targets = np.asarray(batch[0]), np.asarray(batch[1])
        masks = np.asarray(batch[2]) if len(batch) > 2 else None
        key_group = group(index, batch) if group else None
        for name, method in methods.items():
            outputs = method(inputs, masks)
            per_image = score_images(targets, outputs)
            bucket = scores.setdefault((key_group, name), {m: [] for m in METRICS})
            for metric in METRICS:
                bucket[metric].extend(per_image[metric].tolist())
    if not scores:
        raise ValueError("compare got no batches to score.")
    rows = []
    for (key_group, name), bucket in scores.items():
        row = {"method": name}
        if group:
            row["group"] = key_group
        row["images"] = len(bucket["ssim"])
        row.update({metric: float(np.mean(bucket[metric])) for metric in METRICS})
        rows.append(row)
    return rows


def masked_batches(triples, image_size, batch_size=16):
    """Float batches of (input, target, mask) triples, for `compare` with inpainting.

    Args:
        triples: `tf.data.Dataset` of uint8 (input, target, mask), e.g. from
            `pix2pix_tf.tasks.pairs.masked_pairs`.
        image_size: (height, width) the model works at; images are resized as
            the training pipeline resizes them, and a mask covers every pixel
            its occlusion reached in the resized input (as in training, see
            `pix2pix_tf.data.transforms.widen_resized_mask`).
        batch_size: images per batch.

    Returns:
        `tf.data.Dataset` of (input, target) in [-1, 1] and (H, W, 1) uint8 masks.
    """

    def prepare(inputs, targets, masks):
        reached = tf.image.resize(tf.cast(masks > 0, tf.float32), image_size) > 1e-3
        masks = tf.cast(reached, tf.uint8)
        return resize(to_float(inputs), image_size), resize(to_float(targets), image_size), masks

    return triples.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size)


def wide_table(rows, metrics=("ssim", "psnr"), group="group", method="method", mean_row=None):
    """One row per group and a column per (method, metric): rows of `compare`, side by side.

    Args:
        rows: rows of `compare` with groups.
        metrics: the metrics to show.
        group: the key whose values become rows.
        method: the key whose values become column prefixes.
        mean_row: if given, the label of a last row averaging each column over
            the groups (each group counts once).

    Returns:
        List of dicts ``{group: ..., "<method> <metric>": value, ...}``.
    """
    methods = list(dict.fromkeys(r[method] for r in rows))
    wide = {}
    for r in rows:
        line = wide.setdefault(r[group], {group: r[group]})
        for metric in metrics:
            line[f"{r[method]} {metric}"] = r[metric]
    table = list(wide.values())
    if mean_row is not None:
        keys = [f"{m} {metric}" for m in methods for metric in metrics]
        table.append(
            {group: mean_row, **{k: float(np.mean([line[k] for line in table])) for k in keys}}
        )
    return table


def markdown_table(rows, columns=None, digits=None):
    """Rows of dicts as a Markdown table (for notebooks, READMEs and logs).

    Args:
        rows: list of dicts with the same keys.
        columns: the keys to show, in order; all keys of the first row if None.
        digits: dict key -> decimals for floats; by default 3 for SSIM and L1
            (also "<method> ssim" columns of `wide_table`), 2 otherwise.
    """
    if not rows:
        raise ValueError("markdown_table needs at least one row.")
    columns = list(columns or rows[0])
    digits = digits or {}

    def decimals(key):
        if key in digits:
            return digits[key]
        return 3 if key.split(" ")[-1] in ("ssim", "l1") else 2

    def cell(key, value):
        if isinstance(value, float):
            return f"{value:.{decimals(key)}f}"
        return str(value)

    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(k, row.get(k, "")) for k in columns) + " |" for row in rows]
    return "\n".join(lines)
