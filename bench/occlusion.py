"""Occlusions the model never saw: the generalization protocol of issue 13.

Trains ``pix2pix-tf train --task occlusion`` (a subprocess, as a user would) on a
folder of aligned faces for a wall-time budget, then scores the exported
SavedModel (``serve_uint8``, or ``serve_masked_uint8`` with ``--mask-input``)
on the test split, per group, beside the occluded input and OpenCV's Telea
inpainting given the true mask:

- the seed's four types ("mask", "blur", "partial", "full", `degradations.occlude`);
- one group per occlusion family ("family: strokes", ...; `occluders.OcclusionMix.only`).

``--leave-out FAMILY`` trains on ``occlusion-without-FAMILY`` (no draw of that
shape or fill, nor the seed's types of it) and scores that family and the seed's
four: leave-one-family-out. Blind models with a hard mask (or a found one)
also get the mask IoU: the pixels the model changed against the visible
occlusion (`mask_iou`); a find-fill export is also scored given the true mask
("given" columns: its inpainter told where the hole is).
Writes ``OUT/occlusion.json`` and ``OUT/grid.png`` (input, changed pixels,
output, Telea, target per group).

Run::

    python -m bench.occlusion --data ../shared/data/utkface --minutes 25 --out runs/occ
    python -m bench.occlusion --data DIR --minutes 25 --mask-input --out runs/occ-given
    python -m bench.occlusion --data DIR --minutes 25 --leave-out texture --out runs/lofo-texture

Extra ``pix2pix-tf train`` options go after ``--``.
"""

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import pix2pix_tf  # noqa: F401  (before TensorFlow: its quiet start, see tf_logs)

# isort: split

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from bench.quality import MEAN_ROW, run_training, train_command  # noqa: E402
from pix2pix_tf import atomic  # noqa: E402
from pix2pix_tf.data.degradations import OCCLUSIONS  # noqa: E402
from pix2pix_tf.data.occluders import FAMILIES, OcclusionMix, check_family  # noqa: E402
from pix2pix_tf.evaluation.baselines import (  # noqa: E402
    compare,
    inpaint_telea,
    input_as_output,
    markdown_table,
    masked_batches,
    wide_table,
)
from pix2pix_tf.tasks.catalogue import occlusion_task  # noqa: E402
from pix2pix_tf.tasks.pairs import masked_pairs  # noqa: E402
from pix2pix_tf.training.config import FIND_FILL  # noqa: E402

FAMILY_PREFIX = "family: "


def _as_uint8(images):
    return np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def exported_method(saved_model, mask_input):
    """A `compare` method running an exported generator on uint8 images, as users do."""
    import tensorflow as tf

    exported = tf.saved_model.load(str(saved_model))

    def run(inputs, masks):
        photos = tf.constant(_as_uint8(inputs))
        if mask_input:
            given = tf.constant((np.asarray(masks) > 0).astype(np.uint8) * 255)
            outputs = exported.serve_masked_uint8(photos, given)
        else:
            outputs = exported.serve_uint8(photos)
        return outputs.numpy().astype(np.float32) / 127.5 - 1.0

    return run


def evaluation_groups(data, image_size, seed, limit, families):
    """Group name -> float (input, target, mask) batches of the test split."""
    size = (image_size, image_size)
    tasks = {kind: f"occlusion-{kind}" for kind in OCCLUSIONS}
    for family in families:
        mix = OcclusionMix().only(family)
        tasks[FAMILY_PREFIX + family] = occlusion_task(name=f"only-{family}", mix=mix)
    return {
        group: masked_batches(masked_pairs(task, data, "test", size, seed).take(limit), size)
        for group, task in tasks.items()
    }


def mask_iou(inputs, outputs, masks, targets):
    """Per image: intersection over union of the pixels the output changed and the
    visible occlusion: the true mask where the occluded input differs from the
    clean photo (a weak blur or a coarse pixelation leaves some masked pixels as
    they were, which no model can find and none needs to change)."""
    changed = np.any(_as_uint8(outputs) != _as_uint8(inputs), axis=-1)
    visible = np.any(_as_uint8(inputs) != _as_uint8(targets), axis=-1)
    truth = (np.asarray(masks)[..., 0] > 0) & visible
    union = np.logical_or(changed, truth).sum(axis=(1, 2))
    both = np.logical_and(changed, truth).sum(axis=(1, 2))
    return np.where(union > 0, both / np.maximum(union, 1), 1.0)


def score(saved_model, groups, mask_input, mask_optional=False):
    """Rows of `compare` per group, each group's mask IoU, and one example per group.

    A find-fill export (``mask_optional``) is also scored given the true mask
    ("given" columns): the same inpainter, told where the hole is.
    """
    model = exported_method(saved_model, mask_input)
    methods = {"model": model, "input": input_as_output, "telea": inpaint_telea}
    if mask_optional:
        methods["given"] = exported_method(saved_model, mask_input=True)
    rows, iou, examples = [], {}, {}
    for name, batches in groups.items():
        batches = list(batches.as_numpy_iterator())
        rows += [{**row, "group": name} for row in compare(batches, methods)]
        ious = [mask_iou(a, model(a, m), m, b) for a, b, m in batches]
        iou[name] = float(np.mean(np.concatenate(ious)))
        a, b, m = (x[:1] for x in batches[0])
        examples[name] = (a, b, m, model(a, m), inpaint_telea(a, m))
    return rows, iou, examples


def example_grid(examples, path):
    """One row per group: input, changed pixels, output, Telea, target (uint8 PNG)."""
    rows = []
    for name, (a, b, _, out, telea) in examples.items():
        changed = np.any(_as_uint8(out) != _as_uint8(a), axis=-1)[0]
        changed = np.repeat((changed * 255).astype(np.uint8)[..., None], 3, -1)
        tiles = [_as_uint8(a)[0], changed, _as_uint8(out)[0], _as_uint8(telea)[0], _as_uint8(b)[0]]
        row = np.concatenate(tiles, axis=1)
        label = np.full((16, row.shape[1], 3), 255, np.uint8)
        cv2.putText(label, name, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
        rows += [label, row]
    header = np.full((18, rows[1].shape[1], 3), 255, np.uint8)
    width = rows[1].shape[1] // 5
    for i, title in enumerate(
        ("input", "changed by model", "output", "Telea (true mask)", "target")
    ):
        cv2.putText(header, title, (i * width + 3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
    grid = np.concatenate([header, *rows], axis=0)
    ok, png = cv2.imencode(".png", grid[..., ::-1])
    atomic.write_bytes(path, png.tobytes())


def targets_hold(table, iou, mask_input, scored_families):
    """Issue 13's targets, name -> bool, for a table of this protocol."""
    groups = [line for line in table if line["group"] != MEAN_ROW]
    mean = next(line for line in table if line["group"] == MEAN_ROW)
    checks = {}
    if mask_input:
        checks["PSNR >= Telea + 1.5 dB in every group"] = all(
            g["model psnr"] >= g["telea psnr"] + 1.5 for g in groups
        )
        checks["SSIM >= Telea's in every group"] = all(
            g["model ssim"] >= g["telea ssim"] for g in groups
        )
        return checks
    checks["PSNR above input and Telea in every group"] = all(
        g["model psnr"] > max(g["input psnr"], g["telea psnr"]) for g in groups
    )
    checks["SSIM above input in every group"] = all(
        g["model ssim"] > g["input ssim"] for g in groups
    )
    checks["mean PSNR >= Telea's + 1 dB"] = mean["model psnr"] >= mean["telea psnr"] + 1.0
    if iou:  # blind models with a hard mask
        left_out = [FAMILY_PREFIX + f for f in scored_families]
        checks["mask IoU >= 0.8 on the scored families"] = all(iou[g] >= 0.8 for g in left_out)
    return checks


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="folder of aligned face photos")
    p.add_argument("--minutes", type=float, default=25.0, help="training wall-time budget")
    p.add_argument("--steps", type=int, help="train this many steps instead")
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0, help="seed of the split and the occlusions")
    p.add_argument("--eval-images", type=int, default=300, help="test images per group (at most)")
    p.add_argument("--leave-out", type=check_family, help=f"one of {', '.join(FAMILIES)}")
    p.add_argument("--mask-input", action="store_true", help="train and score mask-given")
    p.add_argument("--score-only", action="store_true", help="score OUT/run as it is")
    p.add_argument("--out", type=Path, default=Path("runs/occlusion"))
    args = p.parse_args(argv)
    if not args.data.is_dir():
        p.error(f"--data {args.data} is not a folder")
    task = f"occlusion-without-{args.leave_out}" if args.leave_out else "occlusion"
    run_dir = args.out / "run"
    options = [*(["--mask-input"] if args.mask_input else []), *extra]
    command = train_command(
        task, args.data, run_dir, args.image_size, args.minutes, args.seed, options, args.steps
    )
    args.out.mkdir(parents=True, exist_ok=True)
    wall = None if args.score_only else run_training(command, args.out / "train.log")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    families = [args.leave_out] if args.leave_out else list(FAMILIES)
    started = time.perf_counter()
    groups = evaluation_groups(args.data, args.image_size, args.seed, args.eval_images, families)
    metadata = json.loads((run_dir / "saved_model" / "pix2pix_tf.json").read_text())
    mask_optional = bool(metadata.get("mask_optional"))
    rows, iou, examples = score(run_dir / "saved_model", groups, args.mask_input, mask_optional)
    table = wide_table(rows, group="group", mean_row=MEAN_ROW)
    config = json.loads((run_dir / "config.json").read_text())
    # Only a hard mask (or a found one) leaves the pixels it does not paint exactly as they were.
    if args.mask_input or not (config.get("hard_mask") or config.get("output_mode") == FIND_FILL):
        iou = {}
    for line in table:
        if line["group"] in iou:
            line["mask IoU"] = iou[line["group"]]
    result = {
        "task": task,
        "mask_input": args.mask_input,
        "left_out": args.leave_out,
        "data": str(args.data),
        "command": shlex.join(command),
        "train_seconds": metrics["train_seconds_this_session"],
        "train_steps": metrics["steps"],
        "images_seen": metrics["steps"] * config["batch_size"],
        "train_images_per_second": metrics["train_images_per_second"],
        "command_seconds": None if wall is None else round(wall, 1),
        "evaluation_seconds": round(time.perf_counter() - started, 1),
        "eval_images_per_group": rows[0]["images"],
        "table": table,
        "mask_iou": iou,
        "targets": targets_hold(table, iou, args.mask_input, families),
    }
    atomic.write_json(args.out / "occlusion.json", result)
    example_grid(examples, args.out / "grid.png")
    print(markdown_table(table, digits={k: 3 for k in table[0] if "ssim" in k or "IoU" in k}))
    print(
        f"\n{result['train_steps']} steps, {result['images_seen']} images in "
        f"{result['train_seconds'] / 60:.1f} min; command: `{result['command']}`"
    )
    for name, ok in result["targets"].items():
        print(f"- {name}: {'yes' if ok else 'NO'}")
    print(f"Written to {args.out / 'occlusion.json'} and {args.out / 'grid.png'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
