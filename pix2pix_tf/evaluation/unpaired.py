"""Scores of an unpaired translation, with no pretrained network: did it work, and what survived?

Per direction (A -> B and B -> A) on real test photos:

- ``in target``: the share of translated faces that a `domain_classifier`
  (trained by the library on the same data) puts in the target domain, beside
  ``inputs in target``, the share of the untranslated inputs it puts there
  (the free baseline: doing nothing);
- ``ssim``: SSIM of input and output, how much of the face survives;
- ``cycle psnr``: PSNR of the input and its round trip (A -> B -> A);
- ``paired ssim`` / ``paired psnr``: against true targets, where the task has
  pairs (`mugshot-unpaired`).
"""

import numpy as np
import tensorflow as tf

from pix2pix_tf.evaluation import plots
from pix2pix_tf.models import metrics as quality

PSNR_CAP_DB = 100.0
COLUMNS = (
    "direction",
    "images",
    "in target",
    "inputs in target",
    "ssim",
    "cycle psnr",
    "paired ssim",
    "paired psnr",
)


def _in_domain_b(classifier, images):
    size = tuple(classifier.input_shape[1:3])
    if tuple(images.shape[1:3]) != size:
        images = tf.image.resize(images, size)
    return np.asarray(classifier(images, training=False))[:, 0] > 0.0


def _direction_scores(forward, backward, images, classifier, target_is_b, batch_size):
    in_target, inputs_in_target, ssim, psnr = [], [], [], []
    for batch in images.batch(batch_size):
        out = forward(batch, training=False)
        back = backward(out, training=False)
        ssim.append(quality.ssim(batch, out).numpy())
        psnr.append(np.minimum(quality.psnr(batch, back).numpy(), PSNR_CAP_DB))
        if classifier is not None:
            in_target.append(_in_domain_b(classifier, out) == target_is_b)
            inputs_in_target.append(_in_domain_b(classifier, batch) == target_is_b)
    ssim = np.concatenate(ssim)
    row = {"images": len(ssim), "ssim": float(ssim.mean())}
    row["cycle psnr"] = float(np.concatenate(psnr).mean())
    if classifier is not None:
        row["in target"] = float(np.concatenate(in_target).mean())
        row["inputs in target"] = float(np.concatenate(inputs_in_target).mean())
    return row


def _paired_scores(generator, pairs, batch_size):
    ssim, psnr = [], []
    for source, target in pairs.batch(batch_size):
        out = generator(source, training=False)
        ssim.append(quality.ssim(target, out).numpy())
        psnr.append(np.minimum(quality.psnr(target, out).numpy(), PSNR_CAP_DB))
    return {
        "paired ssim": float(np.concatenate(ssim).mean()),
        "paired psnr": float(np.concatenate(psnr).mean()),
    }


def translation_scores(
    model, images_a, images_b, classifier=None, domains=("A", "B"), pairs=None, batch_size=16
):
    """One row of scores per direction of a trained `CycleGAN`.

    Args:
        model: a `CycleGAN` (anything with ``generator_ab`` and ``generator_ba``).
        images_a: `tf.data.Dataset` of float32 (H, W, C) test photos of A in [-1, 1].
        images_b: the same for B.
        classifier: a trained `domain_classifier` (logit > 0: B), or None to skip
            the domain shares.
        domains: names of A and B for the ``direction`` column.
        pairs: `tf.data.Dataset` of true float (a, b) pairs, or None.
        batch_size: images per call.

    Returns:
        [row of A -> B, row of B -> A], dicts with the keys of `COLUMNS` that apply.
    """
    rows = []
    directions = (
        (model.generator_ab, model.generator_ba, images_a, True, 0),
        (model.generator_ba, model.generator_ab, images_b, False, 1),
    )
    for forward, backward, images, target_is_b, source in directions:
        row = {"direction": f"{domains[source]} -> {domains[1 - source]}"}
        row.update(
            _direction_scores(forward, backward, images, classifier, target_is_b, batch_size)
        )
        if pairs is not None:
            swapped = pairs if source == 0 else pairs.map(lambda a, b: (b, a))
            row.update(_paired_scores(forward, swapped, batch_size))
        rows.append(row)
    return rows


def cyclegan_grid(model, a, b, domains=("A", "B"), title=None):
    """Figure: A, A -> B, A -> B -> A, B, B -> A, B -> A -> B, one example per row.

    Args:
        model: a `CycleGAN`.
        a: float (N, H, W, C) photos of A in [-1, 1].
        b: float (N, H, W, C) photos of B.
        domains: names of A and B for the titles.
        title: figure title.
    """
    fake_b = model.generator_ab(a, training=False)
    fake_a = model.generator_ba(b, training=False)
    name_a, name_b = domains
    columns = [
        a,
        fake_b,
        model.generator_ba(fake_b, training=False),
        b,
        fake_a,
        model.generator_ab(fake_a, training=False),
    ]
    titles = [
        name_a,
        f"-> {name_b}",
        f"-> {name_a} again",
        name_b,
        f"-> {name_a}",
        f"-> {name_b} again",
    ]
    return plots.image_grid([np.asarray(c) for c in columns], titles, suptitle=title)
