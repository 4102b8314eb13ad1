"""The ``pix2pix-tf`` command line: train, evaluate, export, predict, serve.

Over 400 lines because it is the argparse table of all seven commands (a parser
and a runner each, the work done in the layers below); several branches edit it
at once, so splitting it into a package waits for a quiet moment between merges.

Examples::

    pix2pix-tf train --task mugshot --data synthetic --out runs/mugshot --steps 2000
    pix2pix-tf train --model cyclegan --task age --data ~/utkface --out runs/age
    pix2pix-tf evaluate runs/mugshot
    pix2pix-tf export runs/mugshot --out exported/mugshot --format openvino onnx --int8
    pix2pix-tf predict exported/mugshot photo1.jpg photo2.png --out predictions/
    pix2pix-tf serve exported/mugshot --port 8000
    pix2pix-tf prepare ~/selfies --out datasets/selfies --size 256
    pix2pix-tf download facades --out datasets/facades --sha256 HEX
"""

import argparse
import json
import sys
from pathlib import Path


def _image_size(values):
    if len(values) == 1:
        return (values[0], values[0])
    return tuple(values)


# `train` options (argparse dest -> TrainConfig field) that a task's recipe may set.
_RECIPE_OPTIONS = {
    "epochs": "epochs",
    "batch_size": "batch_size",
    "depth": "depth",
    "base_filters": "base_filters",
    "disc_filters": "disc_filters",
    "norm": "norm",
    "dropout": "dropout",
    "disc_layers": "disc_layers",
    "gan_mode": "gan_mode",
    "l1_weight": "l1_weight",
    "lr": "learning_rate",
    "lr_decay": "lr_decay_fraction",
    "inference_mode": "inference_mode",
    "precision": "precision",
    "output_mode": "output_mode",
    "changed_weight": "changed_weight",
    "feature_matching_weight": "feature_matching_weight",
    "mask_weight": "mask_weight",
    "hard_mask": "hard_mask",
    "upsampling": "upsampling",
    "hole_fill": "hole_fill",
    "hole_l1": "hole_l1",
    "learn_found": "learn_found",
    "generator": "generator",
    "domain_weight": "domain_weight",
}


def _task_help(tasks):
    """The --task help: one line per task, the occlusion variants named together.

    ``%`` is doubled: argparse formats help strings with ``%`` (a task
    description such as "25%" would crash ``--help``).
    """
    variants = [
        name for name in tasks if name.startswith("occlusion-") and name != "occlusion-seed"
    ]
    lines = [f"{t.name}: {t.description}" for t in tasks.values() if t.name not in variants]
    lines.append(
        "occlusion-<kind> (one of the seed's kinds) and occlusion-without-<family> (the broad "
        f"mix less one shape or fill, to score it unseen): {', '.join(sorted(variants))}"
    )
    return "; ".join(lines).replace("%", "%%")


def _add_train(commands):
    from pix2pix_tf.models.blocks import UPSAMPLINGS
    from pix2pix_tf.models.generators import OUTPUT_MODES
    from pix2pix_tf.models.hole_fill import HOLE_FILLS
    from pix2pix_tf.tasks import TASKS, UNPAIRED_TASKS
    from pix2pix_tf.training import PRECISIONS, TrainConfig
    from pix2pix_tf.training.config import FIND_FILL, GENERATORS, MODELS
    from pix2pix_tf.training.distribute import STRATEGIES
    from pix2pix_tf.training.precision import JIT_COMPILE

    defaults = TrainConfig()
    p = commands.add_parser(
        "train",
        help="train a model (resumes if --out holds the same run)",
        description="Train pix2pix on a task. Running the same command again resumes it. "
        "Options left out take the task's recipe where it has one (e.g. occlusion), else "
        "the paper's values.",
    )
    every_task = {**TASKS, **UNPAIRED_TASKS}
    tasks = _task_help(every_task)
    p.add_argument(
        "--task", default=defaults.task, choices=sorted(every_task), help=tasks, metavar="TASK"
    )
    p.add_argument("--model", default=defaults.model, choices=MODELS, help="cyclegan: unpaired")
    p.add_argument("--generator", choices=GENERATORS, help="U-Net, or ResNet with 6 or 9 blocks")
    p.add_argument("--cycle-weight", type=float, default=defaults.cycle_weight, help="cyclegan")
    p.add_argument("--identity-weight", type=float, default=defaults.identity_weight)
    p.add_argument("--pool-size", type=int, default=defaults.pool_size, help="cyclegan")
    p.add_argument(
        "--domain-weight",
        type=float,
        help="cyclegan: weight of a domain critic's loss on the fakes (StarGAN's "
        "classifier; 0: none)",
    )
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
    p.add_argument(
        "--base-filters", type=int, default=defaults.base_filters, help="generator width (ngf)"
    )
    p.add_argument(
        "--disc-filters", type=int, help="discriminator width (ndf; default: --base-filters)"
    )
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
        help="final fraction of training with the rate decayed linearly to 0 "
        "(with --max-minutes, of this command's time or of the steps, whichever ends first)",
    )
    p.add_argument("--no-jitter", action="store_true", help="no random crops and flips")
    p.add_argument(
        "--inference-mode", default=defaults.inference_mode, choices=("standard", "paper")
    )
    p.add_argument(
        "--precision",
        default=defaults.precision,
        choices=PRECISIONS,
        help="auto: bfloat16 on CPUs with bfloat16 instructions, float16 on GPUs with "
        "tensor cores, float32 elsewhere (docs/performance.md)",
    )
    p.add_argument(
        "--jit-compile",
        default=defaults.jit_compile,
        choices=JIT_COMPILE,
        help="XLA-compile the training step (auto: where it measured faster)",
    )
    p.add_argument(
        "--strategy",
        default=defaults.strategy,
        choices=STRATEGIES,
        help="mirrored: all local GPUs; multiworker: the cluster in TF_CONFIG. "
        "--batch-size is the global batch",
    )
    p.add_argument(
        "--output-mode",
        default=defaults.output_mode,
        choices=(*OUTPUT_MODES, FIND_FILL),
        help="generator output: the image, input + correction, composited over the input, "
        "colour on the input's luma, a given mask filled (inpaint, with --mask-input), or "
        "find_fill: a detector finds the occlusion and an inpainter fills it",
    )
    p.add_argument(
        "--changed-weight",
        type=float,
        default=defaults.changed_weight,
        help="extra L1 weight on pixels where the input differs from the target",
    )
    p.add_argument(
        "--feature-matching-weight",
        type=float,
        default=defaults.feature_matching_weight,
        help="weight of L1 between discriminator features of real and generated pairs",
    )
    p.add_argument(
        "--mask-weight",
        type=float,
        default=defaults.mask_weight,
        help="composite output: weight of a cross-entropy teaching the blend mask the "
        "pixels the input changed",
    )
    p.add_argument(
        "--hard-mask",
        action=argparse.BooleanOptionalAction,
        help="composite output: round the blend mask to 0/1 outside training (kept pixels exact)",
    )
    p.add_argument(
        "--upsampling",
        choices=UPSAMPLINGS,
        help="transpose: the paper's transposed convolutions; resize: resize + convolution "
        "(no checkerboard)",
    )
    p.add_argument(
        "--mask-input",
        action="store_true",
        help="occlusion tasks: give the generator the occlusion's mask as a 4th channel "
        "(mask-given inpainting; exported with serve_masked signatures)",
    )
    p.add_argument(
        "--hole-fill",
        choices=HOLE_FILLS,
        help="--mask-input or find_fill: what the inpainting network sees in the hole: blank "
        "(mid-grey), smooth (filled from its border; the network corrects that fill) or "
        "smooth_and_input (that fill and the pixels the hole held) or smooth_or_input (the "
        "same, correcting a per-pixel blend of the two that it predicts)",
    )
    p.add_argument(
        "--hole-l1",
        action=argparse.BooleanOptionalAction,
        help="--mask-input or find_fill: take the L1 as a mean over each image's hole, not "
        "the whole image",
    )
    p.add_argument(
        "--learn-found",
        action=argparse.BooleanOptionalAction,
        help="find_fill: the inpainter also trains on the pixels its detector finds, so it "
        "learns to give back those found by mistake",
    )
    p.add_argument(
        "--max-minutes",
        type=float,
        help="stop training after this many minutes, then checkpoint, evaluate and export",
    )
    # Options left out take the task's recipe (Task.train_defaults), else the
    # defaults above: None tells _train that an option was not given.
    p.set_defaults(**{dest: None for dest in _RECIPE_OPTIONS})
    p.set_defaults(run=_train)


def _train_config(args):
    """The `TrainConfig` of parsed ``train`` arguments: the options given, else the
    task's recipe, else the defaults."""
    from pix2pix_tf.training import TrainConfig

    settings = dict(
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
        disc_filters=args.disc_filters,
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
        jit_compile=args.jit_compile,
        strategy=args.strategy,
        output_mode=args.output_mode,
        changed_weight=args.changed_weight,
        feature_matching_weight=args.feature_matching_weight,
        mask_weight=args.mask_weight,
        hard_mask=args.hard_mask,
        upsampling=args.upsampling,
        hole_fill=args.hole_fill,
        hole_l1=args.hole_l1,
        learn_found=args.learn_found,
        mask_input=args.mask_input,
        max_minutes=args.max_minutes,
        model=args.model,
        generator=args.generator,
        cycle_weight=args.cycle_weight,
        identity_weight=args.identity_weight,
        pool_size=args.pool_size,
        domain_weight=args.domain_weight,
    )
    given = {
        k: v for k, v in settings.items() if k not in _RECIPE_OPTIONS.values() or v is not None
    }
    return TrainConfig.for_task(**given)


def _train(args):
    from pix2pix_tf.training import train

    config = _train_config(args)
    # One line per epoch when the output is a log file rather than a terminal.
    _, metrics = train(config, args.out, verbose=1 if sys.stdout.isatty() else 2)
    print(json.dumps(metrics, indent=2))
    print(run_summary(metrics, args.out))


def run_summary(metrics, out):
    """What a finished run reached, against the trivial answer, and where its files are."""
    lines = []
    if "ssim" in metrics:
        lines.append(
            f"Test split, {metrics['pairs']} pairs: SSIM {metrics['ssim']:.3f}, PSNR "
            f"{metrics['psnr']:.1f} dB (higher is better; SSIM 1 and 100 dB are a perfect copy)."
        )
    trivial = metrics.get("input_as_output")
    if trivial:
        lines.append(
            f"The trivial answer, the input itself as the output, scores SSIM "
            f"{trivial['ssim']:.3f}, PSNR {trivial['psnr']:.1f} dB: the model "
            + (
                "does better than doing nothing."
                if metrics["ssim"] > trivial["ssim"] and metrics["psnr"] > trivial["psnr"]
                else "does not beat doing nothing yet; train longer (more --steps)."
            )
        )
    if "classifier_accuracy" in metrics:
        lines.append(
            f"The domain classifier trained on this data tells real test photos apart "
            f"{metrics['classifier_accuracy']:.0%} of the time; it judges the translations:"
        )
    for row in metrics.get("directions", []):  # CycleGAN: one row per direction
        share = row.get("in target")
        lines.append(
            f"{row['direction']}, {row['images']} test photos: "
            + (
                f"{share:.0%} judged in the target domain by the library's domain classifier "
                f"(the untranslated inputs: {row['inputs in target']:.0%}), "
                if share is not None
                else ""
            )
            + f"SSIM of input and output {row['ssim']:.3f} (is the person still there?), "
            f"round trip PSNR {row['cycle psnr']:.1f} dB."
        )
    layout = (
        "each direction: input / translated / translated back"
        if "directions" in metrics
        else "input / target / generated"
    )
    lines += [
        f"Pictures: {out / 'samples' / 'test.png'} ({layout}, test split), "
        f"{out / 'samples'}/epoch_*.png (the same validation faces after each epoch), "
        f"{out / 'loss_curve.png'}.",
        f"Numbers: {out / 'metrics.json'}, {out / 'history.csv'}; TensorBoard: {out / 'logs'}.",
        f"SavedModel: {out / 'saved_model'} (pix2pix-tf predict {out / 'saved_model'} "
        "PHOTO --out DIR; pix2pix-tf serve for a web page).",
    ]
    return "\n".join(lines)


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

    out = args.out or args.run_dir / "evaluation.json"
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder; give the path of a JSON file to write.")
    atomic.check_output_folder(out.parent, f"the evaluation {out.name}")
    config, model = load_trained(args.run_dir)
    grid = args.run_dir / "samples" / f"evaluation_{args.split}.png"
    results = evaluate(model, config, data=args.data, split=args.split, grid_path=grid)
    atomic.write_json(out, results)
    print(json.dumps(results, indent=2))
    print(f"Written to {out}; examples in {grid}.")


def _add_export(commands):
    from pix2pix_tf.serving.export import FORMATS

    p = commands.add_parser(
        "export",
        help="write the generator as a SavedModel, OpenVINO IR, ONNX or TFLite",
        description="The SavedModel is always written; the other formats are converted from "
        "it into the same folder. `predict` and `serve` run the fastest one installed.",
    )
    p.add_argument("run_dir", type=Path)
    p.add_argument("--out", required=True, type=Path, help="export folder")
    p.add_argument(
        "--format",
        nargs="+",
        default=["savedmodel"],
        choices=FORMATS,
        dest="formats",
        help="one or more formats (openvino, onnx: pip install 'pix2pix_tf[serving]')",
    )
    p.add_argument("--tflite", action="store_true", help="same as adding --format tflite")
    p.add_argument(
        "--int8",
        action="store_true",
        help="also an int8 OpenVINO IR (NNCF), calibrated on the run's training split; "
        "its PSNR/SSIM change on the test split goes to the folder's pix2pix_tf.json",
    )
    p.add_argument("--calibration-images", type=int, default=64, help="for --int8")
    p.add_argument(
        "--static-shape",
        nargs=3,
        type=int,
        metavar=("BATCH", "H", "W"),
        help="fix the OpenVINO IR's input shape (default: any batch, height and width)",
    )
    p.add_argument(
        "--inference-mode", choices=("standard", "paper"), help="default: the run's setting"
    )
    p.set_defaults(run=_export)


def _export(args):
    from pix2pix_tf import atomic
    from pix2pix_tf.serving.export import METADATA_FILE, export_generator, read_metadata
    from pix2pix_tf.training import load_trained
    from pix2pix_tf.training.run import sized_pairs
    from pix2pix_tf.training.unpaired import export_run

    formats = set(args.formats) | ({"tflite"} if args.tflite else set())
    if args.int8 and "openvino" not in formats:
        formats.add("openvino")  # int8 is a quantized copy of the OpenVINO IR
    config, model = load_trained(args.run_dir)
    mode = args.inference_mode or config.inference_mode
    if config.model == "cyclegan":
        export_run(model, config, args.out)
        print(f"SavedModel written to {args.out} (signatures: a_to_b, b_to_a, and _uint8).")
        return
    calibration = None
    if args.int8:
        calibration = [a for a, _ in sized_pairs(config, "train", args.calibration_images)]
    export_generator(
        model.generator,
        args.out,
        inference_mode=mode,
        formats=formats,
        calibration=calibration,
        static_shape=args.static_shape,
        mask_input=config.mask_input,  # `train --mask-input`: the masked signatures too
    )
    metadata = read_metadata(args.out)
    if args.int8:
        from pix2pix_tf.serving.runtimes import precision_quality

        quality = precision_quality(args.out, sized_pairs(config, "test", 64))
        metadata["int8_quality"] = quality
        atomic.write_json(args.out / METADATA_FILE, metadata)
        print(
            f"int8 against fp32 on {quality['images']} test images: PSNR "
            f"{quality['psnr_change']:+.2f} dB ({quality['fp32']['psnr']:.2f} -> "
            f"{quality['int8']['psnr']:.2f}), SSIM {quality['ssim_change']:+.4f}."
        )
    files = ", ".join(f"{k}: {v}" for k, v in metadata["formats"].items())
    print(f"Exported to {args.out} ({files}).")


def _add_predict(commands):
    from pix2pix_tf.serving.runtimes import PRECISIONS, RUNTIMES

    p = commands.add_parser("predict", help="run an exported generator on images of any size")
    p.add_argument("saved_model", type=Path, help="the export folder")
    p.add_argument("images", nargs="+", type=Path)
    p.add_argument("--out", required=True, type=Path, help="folder of the outputs (PNG)")
    p.add_argument(
        "--runtime", default="auto", choices=RUNTIMES, help="auto: the fastest installed"
    )
    p.add_argument("--precision", default="fp32", choices=PRECISIONS, help="int8: OpenVINO")
    p.add_argument("--direction", default="AtoB", choices=("AtoB", "BtoA"), help="of a CycleGAN")
    p.add_argument(
        "--mask",
        type=Path,
        metavar="FILE|DIR",
        help="for a model that fills in a mask: the mask of the one image, or a folder of "
        "masks named like the images (photo.jpg <- DIR/photo.png); white (any channel "
        "> 127) where to fill, the image's size",
    )
    p.set_defaults(run=_predict)


def _predict(args):
    from pix2pix_tf.serving.predict import predict_files

    endpoint = "serve_uint8" if args.direction == "AtoB" else "b_to_a_uint8"
    written = predict_files(
        args.saved_model,
        args.images,
        args.out,
        runtime=args.runtime,
        precision=args.precision,
        endpoint=endpoint,
        masks=args.mask,
    )
    for image, path in zip(args.images, written):
        if path.stem != image.stem:
            print(f"{image} -> {path.name} (another input has the name {image.stem}.png)")
    print(f"{len(written)} images written to {args.out}.")


def _add_serve(commands):
    from pix2pix_tf.serving.runtimes import PRECISIONS, RUNTIMES
    from pix2pix_tf.serving.server import MAX_REQUEST_BYTES, MAX_SIDE

    p = commands.add_parser(
        "serve",
        help="a local web page and HTTP endpoint for an exported generator",
        description="Open the printed address in a browser: drop a photo, see the output. "
        "POST /predict takes an image file (or JSON with base64) and answers a PNG.",
    )
    p.add_argument("exported", type=Path, help="the export folder")
    p.add_argument("--port", type=int, default=8000, help="0: any free port")
    p.add_argument("--host", default="127.0.0.1", help="default: loopback only")
    p.add_argument("--runtime", default="auto", choices=RUNTIMES)
    p.add_argument("--precision", default="fp32", choices=PRECISIONS)
    p.add_argument("--max-side", type=int, default=MAX_SIDE, help="largest image side, pixels")
    p.add_argument(
        "--max-mib", type=float, default=MAX_REQUEST_BYTES / 2**20, help="largest request, MiB"
    )
    p.set_defaults(run=_serve)


def _serve(args):
    from pix2pix_tf.serving.runtimes import open_exported
    from pix2pix_tf.serving.server import serve

    runner = open_exported(args.exported, args.runtime, args.precision)
    serve(
        runner,
        args.host,
        args.port,
        max_side=args.max_side,
        max_request_bytes=int(args.max_mib * 2**20),
    )


def _add_prepare(commands):
    from pix2pix_tf.data.faces import EYE_DISTANCE, EYE_HEIGHT, FACE_MODES
    from pix2pix_tf.data.prepare_items import FORMATS, KINDS

    p = commands.add_parser(
        "prepare",
        help="turn raw photos, CelebA, NIST SD18 or A|B images into a ready dataset",
        description="Cut and align faces, split train/val/test and write DIR/manifest.json. "
        "Rerunning on the same input gives the same output (and returns at once).",
    )
    p.add_argument("sources", nargs="+", type=Path, help="source folder(s)")
    p.add_argument("--out", required=True, type=Path, help="dataset folder (replaced whole)")
    p.add_argument("--kind", default="auto", choices=KINDS, help="default: from the layout")
    p.add_argument(
        "--size",
        nargs="+",
        type=int,
        default=[256, 256],
        metavar=("H", "W"),
        help="height and width of each face (one number for square), e.g. 320 256",
    )
    p.add_argument(
        "--faces",
        default="align",
        choices=FACE_MODES,
        help="align by the eyes (else the face box), crop by the face box, or none (resize)",
    )
    p.add_argument("--profiles", default="mirror", choices=("mirror", "keep"), help="NIST SD18")
    p.add_argument("--channels", type=int, default=3, choices=(1, 3))
    p.add_argument("--format", default="jpg", choices=FORMATS, dest="image_format")
    p.add_argument("--seed", type=int, default=0, help="seed of the train/val/test split")
    p.add_argument("--direction", default="AtoB", choices=("AtoB", "BtoA"), help="A|B sources")
    p.add_argument("--eye-distance", type=float, default=EYE_DISTANCE, help="fraction of the width")
    p.add_argument("--eye-height", type=float, default=EYE_HEIGHT, help="fraction of the height")
    p.add_argument("--limit", type=int, help="only this many images (a quick trial)")
    p.add_argument("--workers", type=int, default=1, help="processes cutting faces")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.set_defaults(run=_prepare)


def _prepare(args):
    import time

    from pix2pix_tf.data.prepare import prepare
    from pix2pix_tf.data.prepare_items import Settings

    settings = Settings(
        size=_image_size(args.size),
        faces=args.faces,
        profiles=args.profiles,
        channels=args.channels,
        image_format=args.image_format,
        seed=args.seed,
        direction=args.direction,
        eye_distance=args.eye_distance,
        eye_height=args.eye_height,
        limit=args.limit,
    )
    started = time.perf_counter()
    manifest = prepare(
        args.sources,
        args.out,
        kind=args.kind,
        settings=settings,
        workers=args.workers,
        force=args.force,
        progress=sys.stderr.isatty(),
    )
    seconds = time.perf_counter() - started
    if manifest.get("up_to_date"):
        print(f"{args.out} is up to date (same input and settings); --force rebuilds it.")
        return
    summary = {k: manifest[k] for k in ("kind", "splits", "counts", "reasons") if k in manifest}
    print(json.dumps(summary, indent=2))
    print(
        f"Prepared {manifest['counts']['written']} images in {seconds:.1f} s: {args.out} "
        f"({len(manifest['skipped'])} skipped, listed in manifest.json)."
    )


def _add_download(commands):
    from pix2pix_tf.data.download import DOWNLOADS

    p = commands.add_parser(
        "download",
        help="download, verify (SHA-256) and extract a dataset archive",
        description=f"Known datasets: {', '.join(DOWNLOADS)}; or give the URL of an archive.",
    )
    p.add_argument("dataset", help="a known dataset name or a URL")
    p.add_argument("--out", required=True, type=Path, help="folder to extract to")
    p.add_argument("--sha256", help="expected SHA-256 of the archive")
    p.add_argument("--keep-archive", action="store_true")
    p.set_defaults(run=_download)


def _download(args):
    import urllib.error

    from pix2pix_tf.data.download import fetch

    try:
        out = fetch(
            args.dataset,
            args.out,
            sha256=args.sha256,
            keep_archive=args.keep_archive,
            progress=sys.stderr.isatty(),
        )
    except urllib.error.URLError as error:
        raise ValueError(f"could not download {args.dataset}: {error.reason}") from None
    print(f"Verified and extracted to {out}.")


def parser():
    p = argparse.ArgumentParser(
        prog="pix2pix-tf", description="Image-to-image translation of faces with pix2pix."
    )
    # Read before TensorFlow is imported, by pix2pix_tf.tf_logs; here for --help and parsing.
    p.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's start-up lines (CUDA probing, oneDNN notices), hidden by "
        "default; put it before the command: pix2pix-tf --verbose train ...",
    )
    commands = p.add_subparsers(dest="command", required=True)
    _add_train(commands)
    _add_evaluate(commands)
    _add_export(commands)
    _add_predict(commands)
    _add_serve(commands)
    _add_prepare(commands)
    _add_download(commands)
    return p


def main(argv=None):
    from pix2pix_tf import atomic

    args = parser().parse_args(argv)
    atomic.exit_on_sigterm()  # so that an interrupted write removes its temporary files
    try:
        args.run(args)
    # OSError: a full disk or a failing drive says so with the file's name, not a traceback.
    # ImportError: a runtime that is not installed names the extra to install.
    except (ValueError, OSError, FloatingPointError, ImportError) as error:
        print(f"pix2pix-tf {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
