"""Keras callbacks of a training run: sample grids and GIFs, loss curves, progress
lines inside long epochs, stop on a non-finite loss or at a time budget, decay
the learning rate towards the end of the steps or of the time, whichever comes first."""

import csv
import math
import time
from pathlib import Path

import keras
import numpy as np

from pix2pix_tf import atomic
from pix2pix_tf.evaluation import plots


class SampleGrid(keras.callbacks.Callback):
    """Saves an input / target / output grid of fixed examples after each epoch.

    Args:
        inputs: batch of inputs in [-1, 1] (the same examples every epoch, so the
            grids show progress).
        targets: the matching targets.
        out_dir: folder of the PNGs (``epoch_0001.png``, ...).
        every: save every this many epochs.
    """

    def __init__(self, inputs, targets, out_dir, every=1):
        super().__init__()
        self.inputs = np.asarray(inputs)
        self.targets = np.asarray(targets)
        self.out_dir = Path(out_dir)
        self.every = every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        outputs = self.model(self.inputs, training=False)
        fig = plots.image_grid(
            [self.inputs, self.targets, np.asarray(outputs)],
            ["input", "target", "generated"],
            suptitle=f"epoch {epoch + 1}",
        )
        plots.save_figure(fig, self.out_dir / f"epoch_{epoch + 1:04d}.png")


def read_history_csv(path):
    """The per-epoch logs that `keras.callbacks.CSVLogger` wrote, as name -> list."""
    history = {}
    if not Path(path).is_file():
        return history
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                if key != "epoch" and value not in (None, ""):
                    history.setdefault(key, []).append(float(value))
    return history


def truncate_history(path, epochs):
    """Keeps the header and the first ``epochs`` rows of a history CSV, atomically
    (a resumed run trains the epochs after its checkpoint again)."""
    path = Path(path)
    if not path.is_file():
        return
    lines = path.read_text().splitlines(keepends=True)
    if len(lines) > epochs + 1:
        atomic.write_text(path, "".join(lines[: epochs + 1]))


class LossCurvePlot(keras.callbacks.Callback):
    """Redraws the loss-curve PNG after each epoch from the run's history CSV.

    Put it after the `CSVLogger` in the callback list, so the epoch just ended
    is in the file.
    """

    def __init__(self, history_csv, path):
        super().__init__()
        self.history_csv = history_csv
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        history = read_history_csv(self.history_csv)
        if history:
            plots.save_figure(plots.loss_curves(history), self.path)


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training with an explanation when a loss becomes NaN or infinite.

    The last checkpoint stays as it was: it holds the weights of the last epoch
    that ended with finite losses.
    """

    def __init__(self, checkpoint_dir=None):
        super().__init__()
        self.checkpoint_dir = checkpoint_dir
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: v for k, v in (logs or {}).items() if not math.isfinite(float(v))}
        if not bad:
            return
        step = int(self.model.g_optimizer.iterations.numpy())
        kept = (
            f" The last good checkpoint is in {self.checkpoint_dir}." if self.checkpoint_dir else ""
        )
        raise FloatingPointError(
            f"Non-finite loss at step {step} (epoch {self.epoch + 1}, batch {batch + 1}): "
            f"{', '.join(f'{k}={v}' for k, v in bad.items())}. Likely causes: a learning rate "
            "too high, float16 without loss scaling, or input images that are not in [-1, 1] "
            f"(NaN or blank images in the data).{kept}"
        )


class SampleGif(keras.callbacks.Callback):
    """Animates the model's outputs on fixed inputs through training, as a GIF.

    Works for any model whose call maps inputs to images: a `Pix2Pix` (fixed
    input images) or a `DCGAN` (fixed noise vectors). The first frame shows the
    untrained model; the GIF is rewritten after each recorded epoch, so it can
    be watched while training runs.

    Args:
        inputs: fixed batch fed to the model each time.
        path: the GIF file.
        title: title of each frame; the epoch is appended.
        every: record every this many epochs.
        columns: images per row of a frame.
        seconds_per_frame: display time of each frame.
    """

    def __init__(self, inputs, path, title="samples", every=1, columns=8, seconds_per_frame=0.4):
        super().__init__()
        self.inputs = inputs
        self.path = Path(path)
        self.title = title
        self.every = every
        self.columns = columns
        self.seconds_per_frame = seconds_per_frame
        self.frames = []

    def _record(self, label):
        outputs = np.asarray(self.model(self.inputs, training=False))
        fig = plots.image_mosaic(outputs, f"{self.title}, {label}", columns=self.columns)
        self.frames.append(plots.figure_to_array(fig))
        plots.save_gif(self.frames, self.path, self.seconds_per_frame)

    def on_train_begin(self, logs=None):
        if not self.frames:
            self._record("before training")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._record(f"epoch {epoch + 1}")


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` after the batch during which ``seconds`` of wall time run out.

    Keras then ends the epoch as usual (validation, checkpoint), so a run cut
    short by its budget is evaluated and exported like any other.

    Args:
        seconds: wall time from the start of `fit`, tracing and the first pass
            over the data included.
        clock: seconds now (default ``time.perf_counter``; several workers pass
            ``distribute.agreed_clock(strategy)``).
    """

    def __init__(self, seconds, clock=None):
        super().__init__()
        self.seconds = float(seconds)
        self.clock = clock or time.perf_counter
        self.stopped = False
        self.steps = 0

    def on_train_begin(self, logs=None):
        self.started = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.clock() - self.started >= self.seconds:
            self.stopped = True
            self.model.stop_training = True


class DecayToBudget(keras.callbacks.Callback):
    """Decays the learning rate of both optimizers linearly to zero over the
    last ``fraction`` of training, where training ends after ``total_steps``
    steps or ``seconds`` of wall time, whichever comes first.

    A step-based schedule cannot know where a time budget (``--max-minutes``)
    will stop a run, so there it would never decay; this callback follows the
    clock as well as the step count. The optimizers must hold a constant rate
    (a variable this sets before each batch). A resumed command decays over its
    own budget: resumed with ``--max-minutes``, the rate starts high again.

    Args:
        learning_rate: the rate before the decay.
        fraction: final fraction of training with the rate decayed (0, 1].
        total_steps: steps of the whole run.
        seconds: wall time from the start of `fit` (as `TimeBudget`); None: steps only.
        done: steps already trained (by the checkpoint a run resumes from).
        clock: seconds now (default ``time.perf_counter``; several workers pass
            ``distribute.agreed_clock(strategy)``; tests a fake).
    """

    def __init__(self, learning_rate, fraction, total_steps, seconds=None, done=0, clock=None):
        super().__init__()
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
        self.learning_rate = float(learning_rate)
        self.fraction = float(fraction)
        self.total_steps = int(total_steps)
        self.seconds = None if seconds is None else float(seconds)
        self.done = int(done)
        self.clock = clock or time.perf_counter
        self.rate = None  # the rate the optimizers hold now

    def progress(self):
        """Fraction of the run behind us: of its steps or of its time, the larger."""
        progress = self.done / max(1, self.total_steps)
        if self.seconds is not None:
            progress = max(progress, (self.clock() - self.started) / self.seconds)
        return progress

    def on_train_begin(self, logs=None):
        if self.seconds is not None:  # steps only: no clock to read
            self.started = self.clock()

    def on_train_batch_begin(self, batch, logs=None):
        scale = min(1.0, max(0.0, (1.0 - self.progress()) / self.fraction))
        rate = self.learning_rate * scale
        if rate != self.rate:  # an assignment per step only while decaying
            for optimizer in (self.model.g_optimizer, self.model.d_optimizer):
                optimizer.learning_rate = rate
            self.rate = rate

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1


class StopAtStep(keras.callbacks.Callback):
    """Stops `fit` after the batch that brings training to ``steps`` steps in all.

    Epochs hold a fixed number of steps; with this callback the last one may be
    shorter, so that ``--steps 7 --steps-per-epoch 3`` trains 7 steps, not 9.
    Keras then ends that epoch as usual (validation, checkpoint).

    Args:
        steps: total steps of the run.
        done: steps already trained (by the checkpoint a run resumes from).
    """

    def __init__(self, steps, done=0):
        super().__init__()
        self.steps = int(steps)
        self.done = int(done)

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        if self.done >= self.steps:
            self.model.stop_training = True


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressLines(keras.callbacks.Callback):
    """Prints a line every ``every_seconds`` inside epochs: steps, images/s, losses, ETA.

    With ``verbose=2`` Keras prints one line per epoch, and a run of one long epoch
    (``--steps 900`` on a small dataset) says nothing for minutes; this fills the gap.
    For example::

        step 240/900 (27%), 41.3 images/s, g_gan 0.52, g_l1 0.081, d 0.49; 4:16 left

    Args:
        total_steps: steps of the whole run.
        batch_size: images per step.
        steps_done: steps already trained (by the checkpoint a run resumes from).
        every_seconds: seconds between lines (the first comes after that long too).
        clock: a seconds counter (``time.monotonic``; a fake one in tests).
        print_fn: a function of one line (default: print it, flushed).
    """

    def __init__(
        self,
        total_steps,
        batch_size,
        steps_done=0,
        every_seconds=30.0,
        clock=time.monotonic,
        print_fn=None,
    ):
        super().__init__()
        self.total_steps = int(total_steps)
        self.batch_size = int(batch_size)
        self.step = int(steps_done)
        self.every_seconds = float(every_seconds)
        self.clock = clock
        self.print_fn = print_fn or (lambda line: print(line, flush=True))

    def on_train_begin(self, logs=None):
        self.started_at = self.last_at = self.clock()
        self.started_step = self.last_step = self.step

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        now = self.clock()
        if now - self.last_at < self.every_seconds or self.step >= self.total_steps:
            return
        rate = (self.step - self.last_step) / max(now - self.last_at, 1e-9)  # steps/s, recent
        overall = (self.step - self.started_step) / max(now - self.started_at, 1e-9)
        losses = ", ".join(
            f"{name} {float(value):.4g}"
            for name, value in (logs or {}).items()
            if np.ndim(value) == 0 and math.isfinite(float(value))
        )
        left = (self.total_steps - self.step) / max(overall, 1e-9)
        self.print_fn(
            f"step {self.step}/{self.total_steps} ({100 * self.step / self.total_steps:.0f}%), "
            f"{rate * self.batch_size:.1f} images/s"
            + (f", {losses}" if losses else "")
            + f"; {_duration(left)} left"
        )
        self.last_at, self.last_step = now, self.step
