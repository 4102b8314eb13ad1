"""Unpaired translation (CycleGAN) on faces, scored without any pretrained network.

Trains an unpaired task through ``pix2pix-tf train --model cyclegan`` (a
subprocess, as a user would) for a wall-time budget, or takes a finished run
with ``--run``, then scores the test split per direction:

- ``classifier accuracy``: a small domain classifier that the library trains on
  the training split's real photos, tested on the test split's real photos;
- ``in target``: the share of translated test faces it puts in the target
  domain, beside ``inputs in target``, the share of the untranslated inputs
  (doing nothing);
- ``ssim``: SSIM of input and output (how much of the person survives);
- ``cycle psnr``: PSNR of A -> B -> A against A.

Prints the table and writes it, with the run's timings, to ``OUT/unpaired.json``.

Run::

    python -m bench.unpaired --data ../shared/data/utkface --task age --minutes 60 \\
        --image-size 128 --out runs/age
    python -m bench.unpaired --run runs/age        # score a finished run again

Extra ``pix2pix-tf train`` options go after ``--``, e.g. ``-- --generator resnet6``.
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
from pix2pix_tf.evaluation.baselines import markdown_table  # noqa: E402
from pix2pix_tf.evaluation.unpaired import COLUMNS  # noqa: E402

TARGETS = {"classifier_accuracy": 0.85, "in target": 0.70, "ssim": 0.6, "cycle psnr": 25.0}


def train_command(args, extra):
    """The ``pix2pix-tf train`` command line of a bench run."""
    command = [sys.executable, "-m", "pix2pix_tf.cli", "train", "--model", "cyclegan"]
    command += ["--task", args.task, "--data", str(args.data), "--out", str(args.out / "run")]
    command += ["--image-size", str(args.image_size), "--seed", str(args.seed)]
    command += ["--max-minutes", str(args.minutes)]
    if (
        "--steps" not in extra
    ):  # plan the decay over --steps where given, else train until the budget
        command += ["--epochs", "1000"]
    return command + list(extra)


def score(run_dir):
    """The test split's scores of a finished run (trains the domain classifier)."""
    from pix2pix_tf.training import evaluate, load_trained

    config, model = load_trained(run_dir)
    grid = Path(run_dir) / "samples" / "bench_test.png"
    return evaluate(model, config, split="test", grid_path=grid)


def table_rows(scores):
    """The per-direction rows of ``scores`` (a run's metrics), with the `COLUMNS` they have."""
    return [{k: row[k] for k in COLUMNS if k in row} for row in scores["directions"]]


def table(scores):
    """The per-direction Markdown table, with the classifier's accuracy above it."""
    rows = table_rows(scores)
    head = (
        f"domain classifier accuracy on real test photos: {scores['classifier_accuracy']:.3f} "
        f"(A {scores['classifier_accuracy_a']:.3f}, B {scores['classifier_accuracy_b']:.3f}; "
        f"{scores['images_a']} + {scores['images_b']} photos)"
    )
    return head + "\n\n" + markdown_table(rows, digits={"in target": 3, "inputs in target": 3})


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="folder of face photos (e.g. UTKFace)")
    p.add_argument("--task", default="age", help="an unpaired task (age, glasses, smile, ...)")
    p.add_argument("--minutes", type=float, default=60.0, help="training wall-time budget")
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("runs/unpaired"))
    p.add_argument("--run", type=Path, help="score this finished run instead of training")
    args = p.parse_args(argv)
    timings = {}
    run_dir = args.run
    if run_dir is None:
        if args.data is None:
            p.error("--data is needed to train (or pass --run RUN_DIR)")
        command = train_command(args, extra)
        print("$", shlex.join(command), flush=True)
        started = time.perf_counter()
        subprocess.run(command, check=True)
        timings["train_command_seconds"] = round(time.perf_counter() - started, 1)
        run_dir = args.out / "run"
    metrics_file = Path(run_dir) / "metrics.json"
    run_metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    if args.run is None:  # the run has just scored its test split: keep those scores
        scores = run_metrics
    else:
        started = time.perf_counter()
        scores = score(run_dir)
        timings["score_seconds"] = round(time.perf_counter() - started, 1)
    keep = ("steps", "epochs", "train_seconds_this_session", "train_images_per_second")
    result = {
        "run": str(run_dir),
        "config": json.loads((Path(run_dir) / "config.json").read_text()),
        "training": {k: run_metrics.get(k) for k in keep},
        "timings": timings,
        "targets": TARGETS,
        **{k: v for k, v in scores.items() if k not in keep},
    }
    out = (args.out if args.run is None else Path(run_dir)) / "unpaired.json"
    atomic.write_json(out, result)
    print(table(scores))
    print(f"Written to {out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
