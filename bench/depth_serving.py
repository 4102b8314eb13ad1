"""Serving speed of one task's export at several U-Net depths, in one run.

The occlusion recipe went from the deepest U-Net that fits (7 at 128x128) to
depth 5 for its training speed; this measures what that did to serving. For each
depth it builds the generator of ``--task``'s recipe with fresh weights (serving
speed does not depend on them), exports it (SavedModel and, if installed, the
OpenVINO IR), then times ``serve_uint8`` on random photos at batch 1 and 8,
alternating every depth and runtime call by call (`measure.alternated`). A
figure is the median over rounds of each round's median call; a ratio is the
median of the per-round ratios against the first of ``--depths`` in TensorFlow.

Run::

    python -m bench.depth_serving                      # occlusion, 128x128, depths 7 6 5
    python -m bench.depth_serving --depths 6 5 --rounds 3

Writes ``--json`` (default ``bench/results/depth_serving.json``).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pix2pix_tf  # noqa: F401  (before TensorFlow: its quiet start, see tf_logs)

# isort: split

import numpy as np

from bench import measure
from pix2pix_tf.serving import runtimes
from pix2pix_tf.serving.export import export_generator
from pix2pix_tf.training import TrainConfig, build_model


def export_at_depth(task, size, depth, folder, runtime_names):
    """The generator of ``task``'s recipe at ``depth``, with fresh weights, exported
    for ``runtime_names`` as `pix2pix-tf export` would; returns the export folder."""
    config = TrainConfig.for_task(task, image_size=(size, size), depth=depth)
    model = build_model(config)
    return export_generator(
        model.generator,
        folder / f"exported_depth{depth}",
        inference_mode=config.inference_mode,
        formats=["savedmodel"] + (["openvino"] if "openvino" in runtime_names else []),
        mask_input=config.mask_input,
    )


def folder_mb(folder):
    """Megabytes of the files under ``folder``."""
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file()) / 1e6


def measure_depths(exports, size, batches, rounds, runtime_names):
    """Rows of images/s and ratio against the first depth in TensorFlow, per batch."""
    rows = []
    for batch in batches:
        variants = {}
        for depth, exported in exports.items():
            for name in runtime_names:
                runner = runtimes.open_exported(exported, name)
                shape = (batch, size, size, runner.input_channels)
                photos = np.random.default_rng(batch).integers(0, 256, shape, dtype=np.uint8)
                call = lambda runner=runner, photos=photos: np.asarray(runner.serve_uint8(photos))  # noqa: E731
                call()  # the first call compiles
                variants[(depth, name)] = call
        per_round = measure.alternated(variants, rounds, calls_per_round=8 if batch == 1 else 4)
        baseline = per_round[next(iter(variants))]
        for (depth, name), seconds in per_round.items():
            rows.append(
                {
                    "batch": batch,
                    "depth": depth,
                    "runtime": name,
                    "images_per_second": round(batch / statistics.median(seconds), 2),
                    "ratio": round(statistics.median(measure.ratios(baseline, seconds)), 2),
                }
            )
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", default="occlusion")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--depths", type=int, nargs="+", default=[7, 6, 5])
    p.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    p.add_argument("--rounds", type=int, default=5)
    installed = [n for n in ("tensorflow", "openvino") if runtimes.installed(n)]
    p.add_argument("--runtimes", nargs="+", choices=installed, default=installed)
    p.add_argument("--json", type=Path, default=Path("bench/results/depth_serving.json"))
    args = p.parse_args(argv)
    names = ["tensorflow", *(n for n in args.runtimes if n != "tensorflow")]  # the baseline first
    started, load_before = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        exports = {
            d: export_at_depth(args.task, args.size, d, Path(tmp), names) for d in args.depths
        }
        sizes = {d: round(folder_mb(e), 1) for d, e in exports.items()}
        rows = measure_depths(exports, args.size, args.batches, args.rounds, names)
    load_after = os.getloadavg()[0]
    load = f"load average {load_before:.2f} before, {load_after:.2f} after"
    print(f"{args.task} export, {args.size}x{args.size}, random photos, {args.rounds} rounds")
    print(f"started {started}, {load}")
    print(f"ratio: against depth {args.depths[0]} in TensorFlow at the same batch")
    print("| batch | depth | runtime | images/s | ratio |\n| --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['batch']} | {row['depth']} | {row['runtime']} | "
            f"{row['images_per_second']:.1f} | {row['ratio']:.2f}x |"
        )
    print("export folder MB: " + ", ".join(f"depth {d}: {mb}" for d, mb in sizes.items()))
    result = {"task": args.task, "size": args.size, "rounds": args.rounds, "started": started}
    result["load_average"] = [round(load_before, 2), round(load_after, 2)]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({**result, "export_mb": sizes, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
