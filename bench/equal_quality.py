"""Quality at an equal number of training images: our defaults against the tutorial.

A faster default (another precision, a larger batch) is only a gain if the model
learns as much from the same images. Both train on the same stream of synthetic
mugshot pairs at 256x256 (same seed, same order; ours groups them in its default
batch), then generate the test split; the table gives L1 (lower is better) and
SSIM (higher is better) against the targets.

The tutorial generates with ``training=True`` (batch statistics and dropout),
as its ``generate_images`` does; ours with its default inference mode, and
also in the paper's mode (the tutorial's way) for a like-for-like row.

One seed after a few hundred images is noisy: ours on the tutorial's own
network and batch scored SSIM 0.685 (0.700 in the paper's mode) against the
tutorial's 0.713 after 300 images (docs/performance.md).

Run::

    python -m bench.speed --mode quality --images 200
"""

import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from bench.tutorial import Tutorial
from pix2pix_tf import atomic
from pix2pix_tf import metrics as quality
from pix2pix_tf.precision import resolve_jit_compile
from pix2pix_tf.training import TrainConfig, build_model, compile_model, split_dataset

SIZE = 256


def train_on(step, dataset, images):
    """Calls ``step(inputs, targets)`` on batches of ``dataset`` until ``images`` are seen."""
    seen = 0
    started = time.perf_counter()
    for inputs, targets in dataset.repeat():
        if seen >= images:
            break
        step(inputs, targets)
        seen += int(inputs.shape[0])
    return seen, time.perf_counter() - started


def scores(generate, dataset):
    """Mean L1 and SSIM of ``generate(inputs)`` against the targets of ``dataset``."""
    l1, ssim = [], []
    for inputs, targets in dataset:
        generated = tf.cast(generate(inputs), tf.float32)
        l1.extend(np.asarray(quality.l1(targets, generated)))
        ssim.extend(np.asarray(quality.ssim(targets, generated)))
    return {"l1": round(float(np.mean(l1)), 4), "ssim": round(float(np.mean(ssim)), 4)}


def main(args, defaults=None):
    """Trains both, scores both, prints the table and writes the JSON.

    Args:
        args: the benchmark's options (``images``, ``json``).
        defaults: the `TrainConfig` whose precision and batch size count as ours.
    """
    defaults = defaults or TrainConfig()
    ours_config = dataclasses.replace(
        defaults, image_size=(SIZE, SIZE), num_faces=max(400, args.images // 2)
    )
    tutorial_config = dataclasses.replace(ours_config, batch_size=1, precision="float32")
    test_data, _ = split_dataset(tutorial_config, "test")

    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy("float32")
    tutorial = Tutorial(SIZE)
    data, _ = split_dataset(tutorial_config, "train", training=True)
    tutorial_images, tutorial_seconds = train_on(tutorial.train_step, data, args.images)

    keras.utils.set_random_seed(0)
    model = build_model(ours_config)
    compile_model(model, ours_config, total_steps=args.images)
    keras.mixed_precision.set_global_policy("float32")
    ours_step = tf.function(model.train_step, jit_compile=resolve_jit_compile("auto"))
    data, _ = split_dataset(ours_config, "train", training=True)
    ours_images, ours_seconds = train_on(lambda x, y: ours_step((x, y)), data, args.images)

    results = {
        "images": args.images,
        "test_pairs": int(sum(1 for _ in test_data)),
        "tutorial": {
            "images_trained": tutorial_images,
            "train_seconds": round(tutorial_seconds, 1),
            **scores(lambda x: tutorial.generator(x, training=True), test_data),
        },
        "ours": {
            "precision": ours_config.dtype_policy,
            "batch_size": ours_config.batch_size,
            "images_trained": ours_images,
            "train_seconds": round(ours_seconds, 1),
            **scores(lambda x: model(x, training=False), test_data),
            "paper_mode": scores(lambda x: model.generator(x, training=True), test_data),
        },
    }
    results["ours_no_worse"] = bool(
        results["ours"]["l1"] <= results["tutorial"]["l1"]
        and results["ours"]["ssim"] >= results["tutorial"]["ssim"]
    )
    print(f"\nQuality after {args.images} training images, {results['test_pairs']} test pairs")
    print("| model | precision | batch | L1 (lower better) | SSIM (higher better) | train s |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| tutorial | float32 | 1 | {results['tutorial']['l1']} | {results['tutorial']['ssim']} "
        f"| {results['tutorial']['train_seconds']} |"
    )
    o = results["ours"]
    print(
        f"| ours (defaults) | {o['precision']} | {o['batch_size']} | {o['l1']} | {o['ssim']} "
        f"| {o['train_seconds']} |"
    )
    p = o["paper_mode"]
    print(
        f"| ours, paper's inference mode | {o['precision']} | {o['batch_size']} | {p['l1']} "
        f"| {p['ssim']} | |"
    )
    print(f"ours no worse on both: {results['ours_no_worse']}")
    path = args.json.with_name(f"{args.json.stem}_quality.json")
    atomic.write_json(path, results)
    print(f"Written to {path}.")
