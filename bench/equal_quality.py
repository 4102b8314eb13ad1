"""Quality at an equal number of training images: our defaults against the tutorial.

A faster default (another precision, a larger batch) is only a gain if the model
learns as much from the same images. Both train on the same stream of synthetic
mugshot pairs at 256x256 (same seed, same order; ours groups them in its default
batch), then generate the test split; the table gives L1 (lower is better) and
SSIM (higher is better) against the targets.

The tutorial generates with ``training=True`` (batch statistics and dropout),
as its ``generate_images`` does; ours with its default inference mode, and
also in the paper's mode (the tutorial's way) for a like-for-like row.

One seed after a few hundred images is noisy (two runs of one setting differed
by 0.035 SSIM, docs/performance.md), so ``--seeds`` trains both once per seed
and compares the means.

Run::

    python -m bench.speed --mode quality --images 300 --seeds 0 1 2
"""

import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from bench.tutorial import Tutorial
from pix2pix_tf import atomic
from pix2pix_tf.models import metrics as quality
from pix2pix_tf.training import TrainConfig, build_model, compile_model, split_dataset
from pix2pix_tf.training.precision import resolve_jit_compile

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


def train_and_score(seed, images, tutorial_config, ours_config, test_data):
    """One seed: the tutorial and ours trained on the same stream of ``images`` pairs."""
    tutorial_config = dataclasses.replace(tutorial_config, seed=seed)
    ours_config = dataclasses.replace(ours_config, seed=seed)
    keras.utils.set_random_seed(seed)
    keras.mixed_precision.set_global_policy("float32")
    tutorial = Tutorial(SIZE)
    data, _ = split_dataset(tutorial_config, "train", training=True)
    tutorial_images, tutorial_seconds = train_on(tutorial.train_step, data, images)

    keras.utils.set_random_seed(seed)
    model = build_model(ours_config)
    compile_model(model, ours_config, total_steps=images)
    keras.mixed_precision.set_global_policy("float32")
    ours_step = tf.function(model.train_step, jit_compile=resolve_jit_compile("auto"))
    data, _ = split_dataset(ours_config, "train", training=True)
    ours_images, ours_seconds = train_on(lambda x, y: ours_step((x, y)), data, images)
    return {
        "seed": seed,
        "tutorial": {
            "images_trained": tutorial_images,
            "train_seconds": round(tutorial_seconds, 1),
            **scores(lambda x: tutorial.generator(x, training=True), test_data),
        },
        "ours": {
            "images_trained": ours_images,
            "train_seconds": round(ours_seconds, 1),
            **scores(lambda x: model(x, training=False), test_data),
        },
        "ours_paper_mode": scores(lambda x: model.generator(x, training=True), test_data),
    }


def mean_scores(runs, key):
    """Mean L1 and SSIM of ``runs[i][key]`` over the seeds."""
    return {
        metric: round(float(np.mean([run[key][metric] for run in runs])), 4)
        for metric in ("l1", "ssim")
    }


def no_worse(ours, tutorial):
    return bool(ours["l1"] <= tutorial["l1"] and ours["ssim"] >= tutorial["ssim"])


def main(args, defaults=None):
    """Trains both for every seed, scores both, prints the table and writes the JSON.

    Args:
        args: the benchmark's options (``images``, ``seeds``, ``json``).
        defaults: the `TrainConfig` whose precision, batch size and widths count as ours.
    """
    defaults = defaults or TrainConfig()
    ours_config = dataclasses.replace(
        defaults, image_size=(SIZE, SIZE), num_faces=max(400, args.images // 2)
    )
    tutorial_config = dataclasses.replace(
        ours_config, batch_size=1, precision="float32", base_filters=64, disc_filters=None
    )
    test_data, _ = split_dataset(tutorial_config, "test")
    seeds = args.seeds
    runs = []
    for seed in seeds:
        runs.append(train_and_score(seed, args.images, tutorial_config, ours_config, test_data))
        print(f"  seed {seed}: {runs[-1]}", flush=True)

    means = {key: mean_scores(runs, key) for key in ("tutorial", "ours", "ours_paper_mode")}
    results = {
        "images": args.images,
        "seeds": list(seeds),
        "test_pairs": int(sum(1 for _ in test_data)),
        "ours_config": {
            "precision": ours_config.dtype_policy,
            "batch_size": ours_config.batch_size,
            "base_filters": ours_config.base_filters,
            "disc_filters": ours_config.disc_filters or ours_config.base_filters,
        },
        "runs": runs,
        "means": means,
        "ours_no_worse": no_worse(means["ours"], means["tutorial"]),
        "ours_paper_mode_no_worse": no_worse(means["ours_paper_mode"], means["tutorial"]),
    }
    o = results["ours_config"]
    print(
        f"\nQuality after {args.images} training images, {results['test_pairs']} test pairs, "
        f"mean of seeds {', '.join(map(str, seeds))}"
    )
    print("| model | L1 (lower better) | SSIM (higher better) | L1 per seed | SSIM per seed |")
    print("| --- | --- | --- | --- | --- |")
    labels = {
        "tutorial": "tutorial (float32, batch 1, 64 filters)",
        "ours": f"ours (defaults: {o['precision']}, batch {o['batch_size']}, "
        f"filters {o['base_filters']}/{o['disc_filters']})",
        "ours_paper_mode": "ours, paper's inference mode",
    }
    for key, label in labels.items():
        per_seed = [run[key] for run in runs]
        print(
            f"| {label} | {means[key]['l1']} | {means[key]['ssim']} "
            f"| {' '.join(str(r['l1']) for r in per_seed)} "
            f"| {' '.join(str(r['ssim']) for r in per_seed)} |"
        )
    print(f"ours no worse on both: {results['ours_no_worse']}")
    print(f"ours in the paper's mode no worse on both: {results['ours_paper_mode_no_worse']}")
    path = args.json.with_name(f"{args.json.stem}_quality.json")
    atomic.write_json(path, results)
    print(f"Written to {path}.")
