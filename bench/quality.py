"""Reconstruction quality at a fixed training budget, beside what a user gets for free.

Trains a task through ``pix2pix-tf train`` (a subprocess, as a user would) on a
folder of aligned faces for a wall-time budget, then scores the model on the
test split next to free baselines, per group:

- occlusion: one group per occlusion type ("mask", "blur", "partial", "full"),
  each image of the test split occluded once per type with fixed seeds; the
  baselines are the occluded input and OpenCV's Telea inpainting given the
  true mask.
- colorization: the grayscale input; superres: the input, which is the bicubic
  upscaling; denoise and noise2noise: the noisy input and OpenCV's
  non-local-means denoising (scored on the clean photo in both).

A flat folder is split 80/10/10 by file with ``--seed`` (the library's folder
split); a prepared dataset keeps its own split. Prints the per-group table
(SSIM, PSNR of each method, and a mean row counting each group once) and writes
it with the run's timings to ``OUT/quality.json``.

Run::

    python -m bench.quality --data ../shared/data/utkface --minutes 25 --out runs/quality
    python -m bench.quality --data DIR --task denoise --minutes 10 --out runs/q-denoise
    python -m bench.quality --data DIR --minutes 4 --ablation --out runs/ablation \\
        --doc docs/quality.md

Extra ``pix2pix-tf train`` options go after ``--``, e.g. ``-- --batch-size 4``.
"""

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pix2pix_tf  # noqa: F401  (before TensorFlow: its quiet start, see tf_logs)

# isort: split

from pix2pix_tf import atomic  # noqa: E402
from pix2pix_tf.data.degradations import OCCLUSIONS  # noqa: E402
from pix2pix_tf.evaluation.baselines import (  # noqa: E402
    compare,
    inpaint_telea,
    input_as_output,
    markdown_table,
    masked_batches,
    model_method,
    nl_means_denoise,
    wide_table,
)
from pix2pix_tf.tasks.pairs import masked_pairs, task_pairs  # noqa: E402

TASKS = ("occlusion", "colorization", "superres", "denoise", "noise2noise")
MEAN_ROW = "all"
# Issue 19: task -> (the baseline to beat, by how many dB of PSNR, and whether
# the model's SSIM must be at least the baseline's too).
RESTORATION_TARGETS = {
    "colorization": ("gray input", 4.0, True),
    "superres": ("bicubic", 1.5, True),
    "denoise": ("nl-means", 1.0, False),
}
# Each variant's `pix2pix-tf train` options on top of the task's recipe; the
# first is the recipe itself, the others take one of its choices away or
# return to the paper's settings.
ABLATIONS = {
    "occlusion": {
        "recipe (task defaults)": [],
        "direct output": ["--output-mode", "direct"],
        "residual output": ["--output-mode", "residual"],
        "+ extra L1 on changed pixels (4), L1 over the image": [
            *("--changed-weight", "4", "--no-hole-l1"),
        ],
        "vanilla GAN": ["--gan-mode", "vanilla"],
        "+ feature matching (10)": ["--feature-matching-weight", "10"],
        "lr 2e-4, dropout 0.5 (paper)": ["--lr", "2e-4", "--dropout", "0.5"],
        "32 base filters": ["--base-filters", "32"],
        "paper (direct, vanilla, lr 2e-4, dropout 0.5, batch 1, 64 filters)": [
            *("--output-mode", "direct", "--gan-mode", "vanilla"),
            *("--lr", "2e-4", "--dropout", "0.5", "--batch-size", "1", "--base-filters", "64"),
        ],
        # The recipe before find-fill (issue 13): one network, a blend mask taught the
        # changed pixels and rounded at inference.
        "composite output, mask weight 3, hard mask": [
            *("--output-mode", "composite", "--mask-weight", "3", "--hard-mask"),
        ],
    },
    # Issue 19 (3 minutes each at 128x128, docs/quality.md).
    "colorization": {
        "recipe (task defaults)": [],
        "direct output": ["--output-mode", "direct"],
    },
    "superres": {
        "recipe (task defaults)": [],
        "batches of 16": ["--batch-size", "16"],
        "direct output, batches of 16": ["--output-mode", "direct", "--batch-size", "16"],
        "32 base filters, batches of 16": ["--base-filters", "32", "--batch-size", "16"],
    },
    "denoise": {
        "recipe (task defaults)": [],
        "residual output": ["--output-mode", "residual"],
        "32 base filters": ["--base-filters", "32"],
    },
    "noise2noise": {
        "recipe (task defaults)": [],
        "the denoise recipe (L1 weight 100, with the GAN)": ["--l1-weight", "100"],
    },
}


def telea(images, masks):
    return inpaint_telea(images, masks)


def train_command(task, data, out, image_size, minutes, seed, extra, steps=None):
    """The ``pix2pix-tf train`` command line of one run: a time budget, or ``steps``."""
    # Many epochs: the time budget ends the run.
    length = ["--epochs", "1000", "--max-minutes", f"{minutes:g}"]
    return [
        *("pix2pix-tf", "train", "--task", task, "--data", str(data), "--out", str(out)),
        *("--image-size", str(image_size), "--seed", str(seed)),
        *(["--steps", str(steps)] if steps else length),
        *extra,
    ]


def run_training(command, log_path):
    """Runs ``command`` (a `train_command`), its output to ``log_path``; returns wall seconds."""
    executable = [sys.executable, "-m", "pix2pix_tf.cli", *command[1:]]
    print("$ " + shlex.join(command), flush=True)
    started = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        done = subprocess.run(executable, stdout=log, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        tail = Path(log_path).read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"training failed (exit {done.returncode}); end of {log_path}:\n{tail}")
    return seconds


def evaluation_groups(task, data, image_size, seed, limit):
    """Group name -> float batches of (input, target[, mask]) of the test split."""
    size = (image_size, image_size)
    if task == "occlusion":
        # The same photos once per occlusion type; the seeds fix each occlusion.
        return {
            kind: masked_batches(
                masked_pairs(f"occlusion-{kind}", data, "test", size, seed).take(limit), size
            )
            for kind in OCCLUSIONS
        }
    pairs = task_pairs(task, data, "test", size, seed).take(limit)
    triples = pairs.map(lambda a, b: (a, b, a[..., :1]))  # masks unused outside inpainting
    return {task: masked_batches(triples, size).map(lambda a, b, m: (a, b))}


def baselines(task):
    """The free methods that the model must beat, by name."""
    if task == "occlusion":
        return {"input": input_as_output, "telea": telea}
    if task == "colorization":
        return {"gray input": input_as_output}
    if task == "superres":
        return {"bicubic": input_as_output}
    if task in ("denoise", "noise2noise"):
        return {"noisy input": input_as_output, "nl-means": nl_means_denoise}
    raise ValueError(f"No baselines for task {task!r}; known: {', '.join(TASKS)}.")


def score_run(run_dir, task, data, image_size, seed, limit):
    """Rows of `compare` for the last checkpoint of ``run_dir`` and the baselines."""
    from pix2pix_tf.training import load_trained

    _, model = load_trained(run_dir)
    methods = {"model": model_method(model), **baselines(task)}
    rows = []
    for name, batches in evaluation_groups(task, data, image_size, seed, limit).items():
        for row in compare(batches, methods):
            rows.append({**row, "group": name})
    return rows


def quality_table(rows):
    """The wide per-group table with a mean row (each group counts once)."""
    return wide_table(rows, group="group", mean_row=MEAN_ROW)


def targets_hold(table, task):
    """The targets of issues 7 and 19, each as name -> bool, for a `quality_table`.

    Noise2Noise's own target (within 1 dB of denoise) compares two runs; see
    docs/quality.md.
    """
    groups = [line for line in table if line["group"] != MEAN_ROW]
    mean = next(line for line in table if line["group"] == MEAN_ROW)
    checks = {}
    for name in baselines(task):
        checks[f"PSNR above {name} in every group"] = all(
            g["model psnr"] > g[f"{name} psnr"] for g in groups
        )
    if task == "occlusion":
        checks["SSIM above input in every group"] = all(
            g["model ssim"] > g["input ssim"] for g in groups
        )
        checks["mean SSIM >= 0.93"] = mean["model ssim"] >= 0.93
        checks["mean PSNR >= 27 dB"] = mean["model psnr"] >= 27.0
    if task in RESTORATION_TARGETS:
        baseline, gain_db, same_ssim = RESTORATION_TARGETS[task]
        checks[f"PSNR >= {baseline} + {gain_db:g} dB"] = (
            mean["model psnr"] >= mean[f"{baseline} psnr"] + gain_db
        )
        if same_ssim:
            checks[f"SSIM >= {baseline}'s"] = mean["model ssim"] >= mean[f"{baseline} ssim"]
    return checks


def benchmark(args, out, extra):
    """Trains one run in ``out`` and scores it; returns the result dict."""
    out.mkdir(parents=True, exist_ok=True)
    run_dir = out / "run"
    command = train_command(
        args.task, args.data, run_dir, args.image_size, args.minutes, args.seed, extra, args.steps
    )
    wall = run_training(command, out / "train.log")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    started = time.perf_counter()
    rows = score_run(run_dir, args.task, args.data, args.image_size, args.seed, args.eval_images)
    table = quality_table(rows)
    result = {
        "task": args.task,
        "data": str(args.data),
        "image_size": args.image_size,
        "command": shlex.join(command),
        "train_seconds": metrics["train_seconds_this_session"],
        "train_steps": metrics["steps"],
        "train_images_per_second": metrics["train_images_per_second"],
        "stopped_by_time_budget": metrics.get("stopped_by_time_budget"),
        "generator_parameters": metrics["generator_parameters"],
        "command_seconds": round(wall, 1),
        "evaluation_seconds": round(time.perf_counter() - started, 1),
        "config": json.loads((run_dir / "config.json").read_text()),
        "rows": rows,
        "table": table,
        "targets": targets_hold(table, args.task),
    }
    atomic.write_json(out / "quality.json", result)
    return result


def report(result):
    """The table and the timings as Markdown text."""
    lines = [
        markdown_table(result["table"]),
        "",
        f"Training: {result['train_seconds'] / 60:.1f} min wall time, "
        f"{result['train_images_per_second']} images/s, {result['config']['batch_size']} per "
        f"batch; command: `{result['command']}`",
    ]
    lines += [f"- {name}: {'yes' if ok else 'NO'}" for name, ok in result["targets"].items()]
    return "\n".join(lines)


def ablation(args, extra):
    """Runs each variant of `ABLATIONS` for ``args.minutes``; returns the summary rows."""
    if args.task not in ABLATIONS:
        raise ValueError(f"No ablation for task {args.task!r}; known: {', '.join(ABLATIONS)}.")
    summary = []
    for i, (name, options) in enumerate(ABLATIONS[args.task].items()):
        if args.variants and i not in args.variants:
            continue
        result = benchmark(args, args.out / f"variant{i}", [*options, *extra])
        print(f"\n## {name}\n\n{report(result)}", flush=True)
        mean = next(line for line in result["table"] if line["group"] == MEAN_ROW)
        row = {"variant": name, "images/s": result["train_images_per_second"]}
        row.update({"SSIM": mean["model ssim"], "PSNR": mean["model psnr"]})
        for line in result["table"]:
            if line["group"] != MEAN_ROW:
                row[f"{line['group']} PSNR"] = line["model psnr"]
        summary.append(row)
        atomic.write_json(args.out / "ablation.json", summary)
    return summary


def write_doc(path, args, summary):
    """Replaces the ablation section of ``path`` (or writes the page) with ``summary``."""
    path = Path(path)
    begin, end = "<!-- ablation:begin -->", "<!-- ablation:end -->"
    block = "\n".join(
        [
            begin,
            f"`python -m bench.quality --data {args.data} --task {args.task} --image-size "
            f"{args.image_size} "
            + (f"--steps {args.steps}" if args.steps else f"--minutes {args.minutes:g}")
            + " --ablation` "
            f"(evaluation: {args.eval_images} test images per group; SSIM and PSNR are the "
            "model's means over groups):",
            "",
            markdown_table(summary, digits={"SSIM": 3}),
            end,
        ]
    )
    text = path.read_text() if path.is_file() else f"# Reconstruction quality\n\n{begin}\n{end}\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
    atomic.write_text(path, text)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="folder of aligned face photos")
    p.add_argument("--task", default="occlusion", choices=TASKS)
    p.add_argument("--minutes", type=float, default=25.0, help="training wall-time budget")
    p.add_argument(
        "--steps",
        type=int,
        help="train this many steps instead (a fair comparison on a CPU shared with others)",
    )
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0, help="seed of the split and the degradations")
    p.add_argument("--eval-images", type=int, default=1000, help="test images per group (at most)")
    p.add_argument("--out", type=Path, default=Path("runs/quality"))
    p.add_argument("--ablation", action="store_true", help="train each variant of ABLATIONS")
    p.add_argument("--doc", type=Path, help="with --ablation: write the table into this page")
    p.add_argument(
        "--variants",
        type=lambda text: [int(i) for i in text.split(",")],
        help="with --ablation: only these variants (indices, e.g. 0,2,5)",
    )
    args = p.parse_args(argv)
    if not args.data.is_dir():
        p.error(f"--data {args.data} is not a folder")
    if args.ablation:
        summary = ablation(args, extra)
        print("\n" + markdown_table(summary, digits={"SSIM": 3}))
        if args.doc:
            write_doc(args.doc, args, summary)
            print(f"Ablation table written to {args.doc}.")
        return 0
    result = benchmark(args, args.out, extra)
    print(report(result))
    print(f"Written to {args.out / 'quality.json'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
