"""A training run: config, models, data, callbacks and `fit`, in one run directory.

The run directory holds everything a run writes::

    config.json         the TrainConfig
    checkpoints/        epoch_NNNN.keras and state.json (the resume point)
    samples/            input / target / output grids per epoch, and test.png
    logs/               TensorBoard
    history.csv         per-epoch losses and validation metrics
    loss_curve.png      the same as a picture
    metrics.json        SSIM, PSNR and L1 on the test split, and timings
    saved_model/        the exported generator (see `pix2pix_tf.serving.export`)

Running the same command again resumes from the last checkpoint.
"""

import dataclasses
import math
import time
from pathlib import Path

import cv2
import keras
import numpy as np

from pix2pix_tf import atomic
from pix2pix_tf.data.photos import SYNTHETIC, source_kind
from pix2pix_tf.data.pipeline import make_dataset
from pix2pix_tf.data.sources import check_side_by_side
from pix2pix_tf.evaluation import plots
from pix2pix_tf.evaluation.baselines import compare, input_as_output
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.models.schedules import has_schedule, pix2pix_adam
from pix2pix_tf.serving.export import export_generator
from pix2pix_tf.tasks import get_task
from pix2pix_tf.tasks.pairs import task_pairs
from pix2pix_tf.training import unpaired
from pix2pix_tf.training.callbacks import (
    DecayToBudget,
    LossCurvePlot,
    ProgressLines,
    SampleGrid,
    StopAtStep,
    StopOnNonFiniteLoss,
    TimeBudget,
    truncate_history,
)
from pix2pix_tf.training.checkpoints import RunCheckpoint, load_checkpoint
from pix2pix_tf.training.config import RESUMABLE_CHANGES, TrainConfig
from pix2pix_tf.training.distribute import (
    agreed_clock,
    is_chief,
    make_strategy,
    set_synchronized_batch_norm,
    shard_by_data,
)
from pix2pix_tf.training.precision import resolve_jit_compile

# Seconds between progress lines inside an epoch, with verbose=2 (a line per epoch).
PROGRESS_SECONDS = 30.0


def build_model(config):
    """The `Pix2Pix` (or `CycleGAN`) model that ``config`` describes."""
    keras.mixed_precision.set_global_policy(config.dtype_policy)
    if config.model == "cyclegan":
        return unpaired.build_cyclegan(config)
    task = get_task(config.task)
    generator = unpaired.build_generator(config, config.input_channels, task.target_channels)
    discriminator = PatchDiscriminator(
        image_size=config.image_size,
        input_channels=config.input_channels,
        target_channels=task.target_channels,
        base_filters=config.disc_filters or config.base_filters,
        n_layers=config.disc_layers,
        norm=config.norm,
        name="discriminator",
    )
    model = Pix2Pix(
        generator,
        discriminator,
        l1_weight=config.l1_weight,
        gan_mode=config.gan_mode,
        inference_mode=config.inference_mode,
        changed_weight=config.changed_weight,
        feature_matching_weight=config.feature_matching_weight,
        mask_weight=config.mask_weight,
        hole_l1=config.hole_l1,
    )
    return model


def compile_model(model, config, total_steps):
    """Compiles ``model`` with the paper's Adam, decayed over the last
    ``config.lr_decay_fraction`` of ``total_steps``; under ``config.max_minutes``
    at a constant rate, which `DecayToBudget` (added by `train`) decays."""
    fraction = 0.0 if config.max_minutes is not None else config.lr_decay_fraction
    decay_steps = round(total_steps * fraction)
    optimizer = lambda: pix2pix_adam(config.learning_rate, total_steps - decay_steps, decay_steps)  # noqa: E731
    model.compile(
        g_optimizer=optimizer(),
        d_optimizer=optimizer(),
        jit_compile=resolve_jit_compile(config.jit_compile),
    )


def run_pairs(config, split):
    """`task_pairs` of a run's task and data for one split: uint8 (input, target)."""
    return task_pairs(
        config.task,
        config.data,
        split,
        image_size=config.image_size,
        seed=config.seed,
        num_faces=config.num_faces,
        direction=config.direction,
        mask_input=config.data_mask,
    )


def sized_pairs(config, split, count):
    """Up to ``count`` (input, target) uint8 NumPy arrays of a split at the run's
    image size (folders keep their own sizes; these are resized), e.g. to
    calibrate or score an export."""
    height, width = config.image_size

    def sized(image, has_mask=False):
        image = image.numpy()
        if image.shape[:2] != (height, width):
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        image = image.reshape(height, width, -1)
        if has_mask and not config.mask_input:
            image = image[..., :-1]  # a find-fill model's mask is to learn from, not an input
        elif has_mask:
            # Every pixel the hole reached, as training saw it (`widen_resized_mask`).
            hole = np.where(image[..., -1:] > 0, 255, 0).astype(np.uint8)
            image = np.concatenate([image[..., :-1], hole], axis=-1)
        return image

    pairs = run_pairs(config, split).take(count)
    return [(sized(a, has_mask=config.data_mask), sized(b)) for a, b in pairs]


def split_dataset(config, split, training=False, cache="auto"):
    """Batched float pairs of one split, and its number of pairs.

    Args:
        config: the `TrainConfig`.
        split: "train", "val" or "test".
        training: shuffled and augmented batches for `fit`.
        cache: as for `make_dataset`; False for a dataset that will be read only
            in part (a few batches to look at): a cache that is not read to its
            end is thrown away, with TensorFlow's warning "the calling iterator
            did not fully read the dataset being cached".

    Example:
        >>> inputs, targets = next(iter(split_dataset(config, "val", cache=False)[0]))
    """
    if config.model == "cyclegan":
        return unpaired.unpaired_dataset(config, split, training, cache=cache)
    task = get_task(config.task)
    if (
        task.paired
        and config.data != SYNTHETIC
        and source_kind(config.data) in ("folder", "prepared")
    ):
        check_side_by_side(config.data)  # single photos would be cut in half, silently
    pairs = run_pairs(config, split)
    count = int(pairs.cardinality())
    if training and cache == "auto" and config.steps and config.steps * config.batch_size < count:
        cache = False  # a run shorter than one pass would fill a cache only to throw it away
    dataset = make_dataset(
        pairs,
        image_size=config.image_size,
        batch_size=config.batch_size,
        training=training,
        jitter=config.jitter and training,
        flip=task.flip,
        seed=config.seed,
        cache=cache,
        mask_channel=config.data_mask,
    )
    return dataset, count


def schedule(config, train_count, epochs_done=0, steps_done=0):
    """(epochs, steps_per_epoch) for ``config`` on ``train_count`` training pairs.

    With ``config.steps``, the last epoch may hold fewer steps than the others
    (`StopAtStep` ends it): ``epochs`` counts it, and training stops at exactly
    ``config.steps`` steps.

    Args:
        config: the `TrainConfig`.
        train_count: pairs in the training split.
        epochs_done, steps_done: where the checkpoint a run resumes from is.
    """
    per_pass = max(1, train_count // config.batch_size)
    steps_per_epoch = config.steps_per_epoch or per_pass
    if config.steps is None:
        return config.epochs, steps_per_epoch
    steps_per_epoch = min(steps_per_epoch, config.steps)
    steps_left = max(0, config.steps - steps_done)
    return epochs_done + math.ceil(steps_left / steps_per_epoch), steps_per_epoch


def _check_same_run(run_dir, config):
    saved = TrainConfig.load(run_dir)
    differences = {
        key: (getattr(saved, key), getattr(config, key))
        for key in saved.to_json()
        if key not in RESUMABLE_CHANGES and getattr(saved, key) != getattr(config, key)
    }
    if differences:
        shown = "; ".join(
            f"{k}: {old!r} there, {new!r} now" for k, (old, new) in differences.items()
        )
        raise ValueError(
            f"{run_dir} holds a run with other settings ({shown}). Use another --out folder, "
            "or the same settings to resume it."
        )


def fixed_batch(config, split, count=4):
    """The first ``count`` (input, target) pairs of a split as NumPy arrays in [-1, 1]:
    the examples of the sample grids (a find-fill model's inputs without the true
    mask: shown, and run, blind).

    Read from a dataset without a cache, as only its start is read (see `split_dataset`).
    """
    dataset, _ = split_dataset(config, split, cache=False)
    inputs, targets = [], []
    for x, y in dataset.unbatch().take(count):
        inputs.append(x.numpy())
        targets.append(y.numpy())
    inputs = np.stack(inputs)
    return (inputs[..., :-1] if config.finds_mask else inputs), np.stack(targets)


def train(config, run_dir, verbose="auto", extra_callbacks=()):
    """Trains (or resumes) the run of ``config`` in ``run_dir`` with `Model.fit`.

    Args:
        config: a `TrainConfig`.
        run_dir: the run directory (created if missing).
        verbose: Keras progress output (``"auto"``, 0, 1 or 2); with 2 (a line per
            epoch, for logs) a line every `PROGRESS_SECONDS` inside epochs too.
        extra_callbacks: more Keras callbacks.

    Under ``config.strategy`` "multiworker" every worker runs this with the same
    config; only the chief writes ``run_dir`` (the others read it to resume).

    Returns:
        (model, metrics dict) after training, test evaluation and export.
    """
    # First: MultiWorkerMirroredStrategy must exist before TensorFlow starts its devices.
    strategy = make_strategy(config.strategy)
    chief = is_chief(strategy)
    run_dir = Path(run_dir)
    if chief:
        _check_run_dir(run_dir)
    if (run_dir / "config.json").is_file():
        _check_same_run(run_dir, config)
    keras.utils.set_random_seed(config.seed)

    # The data first: a wrong --data fails before config.json ties the run directory to it.
    train_data, train_count = split_dataset(config, "train", training=True)
    val_data, _ = split_dataset(config, "val")
    if chief:
        atomic.write_json(run_dir / "config.json", config.to_json())
    train_data, val_data = shard_by_data(train_data), shard_by_data(val_data)

    checkpoint_dir = run_dir / "checkpoints"
    model, state = load_checkpoint(checkpoint_dir, config.dtype_policy, strategy)
    if model is not None:
        initial_epoch, steps_done = state["epoch"], state["step"]
        epochs, steps_per_epoch = schedule(config, train_count, initial_epoch, steps_done)
        where = f"epoch {initial_epoch}, step {steps_done}"
        print(f"Resuming {run_dir} from {state['checkpoint']} ({where}).")
        # Epochs logged after the checkpoint will be trained again: drop their rows.
        truncate_history(run_dir / "history.csv", initial_epoch)
    else:
        initial_epoch, steps_done = 0, 0
        epochs, steps_per_epoch = schedule(config, train_count)
        with strategy.scope():
            model = build_model(config)
            compile_model(model, config, config.steps or epochs * steps_per_epoch)
    if strategy.num_replicas_in_sync > 1:
        set_synchronized_batch_norm(model)

    sample_inputs, sample_targets = fixed_batch(config, "val")
    writers = [
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=initial_epoch > 0),
        LossCurvePlot(run_dir / "history.csv", run_dir / "loss_curve.png"),
        SampleGrid(sample_inputs, sample_targets, run_dir / "samples"),
        keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False),
    ]
    callbacks = [
        *(writers if chief else []),
        StopOnNonFiniteLoss(checkpoint_dir),
        *([RunCheckpoint(checkpoint_dir)] if chief else []),
        *extra_callbacks,
    ]
    planned_steps = config.steps or epochs * steps_per_epoch
    if verbose == 2 and chief:
        every = PROGRESS_SECONDS
        callbacks.append(ProgressLines(planned_steps, config.batch_size, steps_done, every))
    if config.steps is not None:
        # First, so that the checkpoint and the other callbacks see the short last epoch end.
        callbacks.insert(0, StopAtStep(config.steps, steps_done))
    clock = agreed_clock(strategy)  # every worker must stop and decay at the same step
    if config.lr_decay_fraction and not has_schedule(model.g_optimizer):
        seconds = None if config.max_minutes is None else config.max_minutes * 60.0
        decay = DecayToBudget(
            config.learning_rate,
            config.lr_decay_fraction,
            planned_steps,
            seconds,
            steps_done,
            clock,
        )
        callbacks.insert(0, decay)  # first, as the budget next: their clocks start together
    budget = None
    if config.max_minutes is not None:
        # First, so that the checkpoint and the other callbacks see the last epoch end.
        budget = TimeBudget(config.max_minutes * 60.0, clock)
        callbacks.insert(0, budget)
    started = time.perf_counter()
    if initial_epoch < epochs:
        model.fit(
            # The batch stream is a function of the seed alone; skipping what the
            # checkpoint has seen continues it where an uninterrupted run would be.
            train_data.repeat().skip(steps_done),
            epochs=epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_data=val_data,
            callbacks=callbacks,
            shuffle=False,  # the pipeline shuffles, seeded
            verbose=verbose,
        )
    train_seconds = time.perf_counter() - started
    # Counted, not computed: a short last epoch or the time budget ends training early.
    total_steps = int(model.g_optimizer.iterations.numpy())
    trained_steps = total_steps - steps_done

    # Evaluation runs on every worker (its metrics are all-reduced), writing on the chief.
    grid_path = run_dir / "samples" / "test.png" if chief else None
    metrics = evaluate(model, config, grid_path=grid_path)
    metrics.update(
        {
            "epochs": epochs,
            "steps": total_steps,
            "train_seconds_this_session": round(train_seconds, 2),
            "train_images_per_second": round(trained_steps * config.batch_size / train_seconds, 3)
            if trained_steps
            else None,
            "stopped_by_time_budget": bool(budget and budget.stopped),
            "generator_parameters": model.generator.count_params(),
            "discriminator_parameters": model.discriminator.count_params(),
        }
    )
    if chief:
        atomic.write_json(run_dir / "metrics.json", metrics)
        if config.model == "cyclegan":
            unpaired.export_run(model, config, run_dir / "saved_model")
        else:
            export_generator(
                model.generator,
                run_dir / "saved_model",
                inference_mode=config.inference_mode,
                mask_input=config.mask_input,
            )
    return model, metrics


def evaluate(model, config, data=None, split="test", grid_path=None):
    """SSIM, PSNR and L1 of ``model`` on a split, with the input-as-output baseline.

    A CycleGAN run is scored by `unpaired.evaluate_cyclegan` instead.

    Args:
        model: a trained `Pix2Pix`.
        config: its `TrainConfig`.
        data: another data source than the one it trained on, or None.
        split: "train", "val" or "test".
        grid_path: also write a grid of test examples to this PNG.

    Returns:
        Dict with the split's size and mean metrics, and under "input_as_output"
        those of the trivial answer, the input itself as the output, where input
        and target have the same shape (e.g. mugshot: the front view as the
        profile; occlusion: the occluded photo).
    """
    if config.model == "cyclegan":
        return unpaired.evaluate_cyclegan(model, config, data, split, grid_path)
    if data is not None:
        config = dataclasses.replace(config, data=str(data))
    dataset, count = split_dataset(config, split)
    results = model.evaluate(shard_by_data(dataset), verbose=0, return_dict=True)
    summary = {
        "split": split,
        "data": config.data,
        "pairs": count,
        "ssim": float(results["ssim"]),
        "psnr": float(results["psnr"]),
        "l1": float(results["l1"]),
    }
    task = get_task(config.task)
    # input_as_output shows a gray input as RGB: scored where that is the target's shape.
    # A mask-input run's photo is its input without the mask channel.
    if (3 if task.input_channels == 1 else task.input_channels) == task.target_channels:
        photos = dataset.map(lambda a, b: (a[..., : task.input_channels], b))
        (trivial,) = compare(photos, {"input": input_as_output})
        summary["input_as_output"] = {k: trivial[k] for k in ("ssim", "psnr", "l1")}
    if grid_path is not None:
        inputs, targets = fixed_batch(config, split)
        outputs = model(inputs, training=False)
        fig = plots.image_grid(
            [inputs, targets, np.asarray(outputs)],
            ["input", "target", "generated"],
            suptitle=f"{config.task}: {split} split",
        )
        plots.save_figure(fig, grid_path)
    return summary


def load_trained(run_dir):
    """(config, model) of the last whole checkpoint of a run directory (see `load_checkpoint`)."""
    config = TrainConfig.load(run_dir)
    model, _ = load_checkpoint(Path(run_dir) / "checkpoints", config.dtype_policy)
    if model is None:
        raise FileNotFoundError(f"{run_dir} has no checkpoint yet: train at least one epoch first.")
    return config, model


def _check_run_dir(run_dir):
    """Raises unless ``run_dir`` can be the run's folder; creates nothing, so that a
    start that fails later leaves no empty folder behind."""
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(
            f"--out {run_dir} is a file, not a folder; give a new folder for the run, or the "
            "folder of the run to resume."
        )
    atomic.check_output_folder(run_dir, "the run directory")
