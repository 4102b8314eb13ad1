"""The ``pix2pix-tf`` command line: train, evaluate, export, predict.

Examples::

    pix2pix-tf train --task mugshot --data synthetic --out runs/mugshot --steps 2000
    pix2pix-tf evaluate runs/mugshot
    pix2pix-tf export runs/mugshot --out exported/mugshot --tflite
    pix2pix-tf predict exported/mugshot photo1.jpg photo2.png --out predictions/
"""

import argparse
import json
import os
import sys
from pathlib import Path

# Quiet TensorFlow's start-up chatter unless the user asked for it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _image_size(values):
    if len(values) == 1:
        return (values[0], values[0])
    return tuple(values)


def _add_train(commands):
    from pix2pix_tf.tasks import TASKS
    from pix2pix_tf.training import PRECISIONS, TrainConfig

    defaults = TrainConfig()
    p = commands.add_parser(
        "train",
        help="train a model (resumes if --out holds the same run)",
        description="Train pix2pix on a task. Running the same command again resumes it.",
    )
    tasks = "; ".join(f"{t.name}: {t.description}" for t in TASKS.values())
    p.add_argument("--task", default=defaults.task, choices=sorted(TASKS), help=tasks)
    p.add_argument("--data", default=defaults.data, help="'synthetic' (built in) or a folder")
    p.add_argument("--out", required=True, type=Path, help="run directory")
    p.add_argument(
        "--image-size",
        nargs="+",
        type=int,
        default=list(defaults.image_size),
        metavar=("H", "W"),
        help="height and width (one number for square), multiples of 2**depth",
    )
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="total training steps")
    length.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the data")
    p.add_argument("--steps-per-epoch", type=int, help="steps between checkpoints and samples")
    p.add_argument("--batch-size", type=int, default=defaults.batch_size)
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--num-faces", type=int, default=defaults.num_faces, help="synthetic people")
    p.add_argument("--direction", default=defaults.direction, choices=("AtoB", "BtoA"))
    p.add_argument("--depth", type=int, help="U-Net depth (default: deepest that fits, max 8)")
    p.add_argument("--base-filters", type=int, default=defaults.base_filters)
    p.add_argument("--norm", default=defaults.norm, choices=("batch", "instance", "none"))
    p.add_argument("--dropout", type=float, default=defaults.dropout)
    p.add_argument("--disc-layers", type=int, default=defaults.disc_layers, help="0: PixelGAN")
    p.add_argument("--gan-mode", default=defaults.gan_mode, choices=("vanilla", "lsgan"))
    p.add_argument("--l1-weight", type=float, default=defaults.l1_weight)
    p.add_argument("--lr", type=float, default=defaults.learning_rate)
    p.add_argument(
        "--lr-decay",
        type=float,
        default=defaults.lr_decay_fraction,
        help="final fraction of training with the rate decayed linearly to 0",
    )
    p.add_argument("--no-jitter", action="store_true", help="no random crops and flips")
    p.add_argument(
        "--inference-mode", default=defaults.inference_mode, choices=("standard", "paper")
    )
    p.add_argument("--precision", default=defaults.precision, choices=PRECISIONS)
    p.set_defaults(run=_train)


def _train(args):
    from pix2pix_tf.training import TrainConfig, train

    config = TrainConfig(
        task=args.task,
        data=args.data,
        image_size=_image_size(args.image_size),
        batch_size=args.batch_size,
        epochs=args.epochs,
        steps=args.steps,
        steps_per_epoch=args.steps_per_epoch,
        seed=args.seed,
        num_faces=args.num_faces,
        direction=args.direction,
        depth=args.depth,
        base_filters=args.base_filters,
        norm=args.norm,
        dropout=args.dropout,
        disc_layers=args.disc_layers,
        gan_mode=args.gan_mode,
        l1_weight=args.l1_weight,
        learning_rate=args.lr,
        lr_decay_fraction=args.lr_decay,
        jitter=not args.no_jitter,
        inference_mode=args.inference_mode,
        precision=args.precision,
    )
    # One line per epoch when the output is a log file rather than a terminal.
    _, metrics = train(config, args.out, verbose=1 if sys.stdout.isatty() else 2)
    print(json.dumps(metrics, indent=2))
    print(f"Run written to {args.out} (samples/, loss_curve.png, metrics.json, saved_model/).")


def _add_evaluate(commands):
    p = commands.add_parser("evaluate", help="SSIM, PSNR and L1 of a run on held-out data")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--data", help="another data source (default: the run's own)")
    p.add_argument("--split", default="test", choices=("train", "val", "test"))
    p.add_argument("--out", type=Path, help="JSON file (default: RUN_DIR/evaluation.json)")
    p.set_defaults(run=_evaluate)


def _evaluate(args):
    from pix2pix_tf import atomic
    from pix2pix_tf.training import evaluate, load_trained

    config, model = load_trained(args.run_dir)
    grid = args.run_dir / "samples" / f"evaluation_{args.split}.png"
    results = evaluate(model, config, data=args.data, split=args.split, grid_path=grid)
    out = args.out or args.run_dir / "evaluation.json"
    atomic.write_json(out, results)
    print(json.dumps(results, indent=2))
    print(f"Written to {out}; examples in {grid}.")


def _add_export(commands):
    p = commands.add_parser("export", help="write the generator as a SavedModel")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--out", required=True, type=Path, help="SavedModel directory")
    p.add_argument("--tflite", action="store_true", help="also write model.tflite")
    p.add_argument(
        "--inference-mode", choices=("standard", "paper"), help="default: the run's setting"
    )
    p.set_defaults(run=_export)


def _export(args):
    from pix2pix_tf.export import export_generator
    from pix2pix_tf.training import load_trained

    config, model = load_trained(args.run_dir)
    mode = args.inference_mode or config.inference_mode
    export_generator(model.generator, args.out, inference_mode=mode, tflite=args.tflite)
    print(f"SavedModel written to {args.out} (signatures: serve, serve_uint8).")


def _add_predict(commands):
    p = commands.add_parser("predict", help="run an exported generator on images of any size")
    p.add_argument("saved_model", type=Path)
    p.add_argument("images", nargs="+", type=Path)
    p.add_argument("--out", required=True, type=Path, help="folder of the outputs (PNG)")
    p.set_defaults(run=_predict)


def _predict(args):
    from pix2pix_tf.predict import predict_files

    written = predict_files(args.saved_model, args.images, args.out)
    print(f"{len(written)} images written to {args.out}.")


def parser():
    p = argparse.ArgumentParser(
        prog="pix2pix-tf", description="Image-to-image translation of faces with pix2pix."
    )
    commands = p.add_subparsers(dest="command", required=True)
    _add_train(commands)
    _add_evaluate(commands)
    _add_export(commands)
    _add_predict(commands)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, FileNotFoundError, PermissionError, FloatingPointError) as error:
        print(f"pix2pix-tf {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
