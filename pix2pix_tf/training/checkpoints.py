"""A run's checkpoints: whole-model ``.keras`` files, and ``state.json`` naming the newest.

The last two checkpoints are kept: if the newest is damaged (a disk that filled
up, a copy cut short), `load_checkpoint` falls back to the one before it and
warns, naming the damaged file.
"""

import json
import os
import re
import warnings
import zipfile
from pathlib import Path

import keras

from pix2pix_tf import atomic

CHECKPOINT_STATE = "state.json"
_CHECKPOINT_NAME = re.compile(r"epoch_(\d+)\.keras")


def checkpoint_epoch(path):
    """The epoch number in a checkpoint's name (``epoch_0012.keras`` -> 12), or None."""
    match = _CHECKPOINT_NAME.fullmatch(Path(path).name)
    return int(match.group(1)) if match else None


def checkpoints_by_epoch(directory):
    """The ``epoch_*.keras`` files of ``directory``, oldest first by epoch number.

    By number, not by name: ``epoch_10000.keras`` comes after ``epoch_9999.keras``.
    """
    found = [p for p in Path(directory).glob("epoch_*.keras") if checkpoint_epoch(p) is not None]
    return sorted(found, key=checkpoint_epoch)


class RunCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (weights and both optimizers) after each epoch, atomically.

    Each checkpoint is a new file, ``epoch_0005.keras``, written in full before
    ``state.json`` points to it, and older files are removed only after that: a
    crash at any moment leaves the last good checkpoint and a state that names it.

    Args:
        directory: folder of the checkpoints.
        keep: how many recent checkpoints to keep; two, so that a damaged
            newest one has one to fall back to.
    """

    def __init__(self, directory, keep=2):
        super().__init__()
        if keep < 1:
            raise ValueError(f"keep must be at least 1 checkpoint, got {keep}.")
        self.directory = Path(directory)
        self.keep = keep

    def on_train_begin(self, logs=None):
        # A process killed while saving leaves its temporary file behind.
        for stale in self.directory.glob(".epoch_*.tmp.keras"):
            stale.unlink(missing_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"epoch_{epoch + 1:04d}.keras"
        tmp = self.directory / f".{name}.{os.getpid()}.tmp.keras"
        self.model.save(tmp)
        os.replace(tmp, self.directory / name)
        state = {
            "epoch": epoch + 1,
            "step": int(self.model.g_optimizer.iterations.numpy()),
            "checkpoint": name,
        }
        atomic.write_json(self.directory / CHECKPOINT_STATE, state)
        # Only older ones: after a resume, a later epoch's file may still be on disk.
        older = [
            p for p in checkpoints_by_epoch(self.directory) if checkpoint_epoch(p) <= epoch + 1
        ]
        for old in older[: -self.keep]:
            old.unlink(missing_ok=True)


def _read_state(state_file):
    """The dict in ``state.json``, or None with a warning if it is damaged."""
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if isinstance(state, dict) and isinstance(state.get("checkpoint"), str):
            return state
        problem = "it does not name a checkpoint"
    except (ValueError, UnicodeDecodeError) as error:
        problem = f"not valid JSON: {error}"
    warnings.warn(
        f"{state_file} is damaged ({problem}); using the newest checkpoint file beside it "
        "instead. It is written anew at the end of the next epoch.",
        UserWarning,
        stacklevel=3,
    )
    return None


def latest_checkpoint(directory):
    """(path, state) of the newest checkpoint in ``directory``, or (None, None).

    The newest is the one ``state.json`` names; if ``state.json`` is damaged, the
    ``epoch_*.keras`` file of the highest epoch (with a warning).

    Raises:
        FileNotFoundError: ``state.json`` names a file that is missing and no
            other checkpoint is there.
    """
    directory = Path(directory)
    state_file = directory / CHECKPOINT_STATE
    on_disk = checkpoints_by_epoch(directory)
    if not state_file.is_file():
        return None, None
    state = _read_state(state_file)
    if state is None:
        if not on_disk:
            raise FileNotFoundError(
                f"{state_file} is damaged and no checkpoint file is beside it. Delete "
                f"{state_file} to start this run from scratch."
            )
        return on_disk[-1], {"epoch": checkpoint_epoch(on_disk[-1]), "checkpoint": on_disk[-1].name}
    path = directory / state["checkpoint"]
    if not path.is_file() and not on_disk:
        raise FileNotFoundError(
            f"{state_file} names {path.name}, which is missing. Restore it, or delete "
            f"{state_file} to start this run from scratch."
        )
    return path, state


def _damage(path):
    """Why a ``.keras`` file cannot be a whole checkpoint, or None if it looks whole."""
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()  # reads every member, checking its CRC
    except FileNotFoundError:
        return "missing"
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f"not a complete .keras file ({error})"
    return f"its member {broken} fails its checksum" if broken else None


def load_checkpoint(directory, policy=None, strategy=None):
    """(model, state) of the newest whole checkpoint in ``directory``, or (None, None).

    A damaged newest checkpoint (truncated, failing its checksums, or missing
    though ``state.json`` names it) is passed over for the one before it, with a
    warning naming the damaged file.

    Args:
        directory: the run's ``checkpoints/`` folder.
        policy: the Keras dtype policy to load under (the run's precision).
        strategy: a `tf.distribute` strategy to load the model in its scope.

    Returns:
        The loaded model and ``{"epoch": ..., "step": ..., "checkpoint": ...}``.

    Raises:
        ValueError: every checkpoint there is damaged; the message names them.
    """
    newest, state = latest_checkpoint(directory)
    if newest is None:
        return None, None
    named_epoch = state.get("epoch") or checkpoint_epoch(newest) or 0
    candidates = [newest] + [
        p
        for p in reversed(checkpoints_by_epoch(directory))
        if p != newest and (checkpoint_epoch(p) or 0) <= named_epoch
    ]
    damaged = []
    for path in candidates:
        why = _damage(path)
        if why is not None:
            damaged.append(f"{path} ({why})")
            continue
        if damaged:
            warnings.warn(
                f"Checkpoint {damaged[0]} is damaged; using {path.name} instead (training "
                "resumed from it trains the epochs after it again).",
                UserWarning,
                stacklevel=2,
            )
        if policy is not None:
            keras.mixed_precision.set_global_policy(policy)
        if strategy is None:
            model = keras.saving.load_model(path, safe_mode=True)
        else:
            with strategy.scope():
                model = keras.saving.load_model(path, safe_mode=True)
        step = int(model.g_optimizer.iterations.numpy()) if hasattr(model, "g_optimizer") else 0
        return model, {
            "epoch": checkpoint_epoch(path) or named_epoch,
            "step": step,
            "checkpoint": path.name,
        }
    raise ValueError(
        f"Every checkpoint in {directory} is damaged: {'; '.join(damaged)}. Restore one from a "
        f"backup, or delete {Path(directory) / CHECKPOINT_STATE} to start this run from scratch."
    )
