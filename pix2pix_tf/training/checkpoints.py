"""A run's checkpoints: whole-model ``.keras`` files, and ``state.json`` naming the newest."""

import json
import os
from pathlib import Path

import keras

from pix2pix_tf import atomic

CHECKPOINT_STATE = "state.json"


class RunCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (weights and both optimizers) after each epoch, atomically.

    Each checkpoint is a new file, ``epoch_0005.keras``, written in full before
    ``state.json`` points to it, and older files are removed only after that: a
    crash at any moment leaves the last good checkpoint and a state that names it.

    Args:
        directory: folder of the checkpoints.
        keep: how many recent checkpoints to keep.
    """

    def __init__(self, directory, keep=1):
        super().__init__()
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
        for old in sorted(self.directory.glob("epoch_*.keras"))[: -self.keep]:
            old.unlink(missing_ok=True)


def latest_checkpoint(directory):
    """(path, state) of the newest complete checkpoint in ``directory``, or (None, None)."""
    state_file = Path(directory) / CHECKPOINT_STATE
    if not state_file.is_file():
        return None, None
    state = json.loads(state_file.read_text())
    path = Path(directory) / state["checkpoint"]
    if not path.is_file():
        raise FileNotFoundError(
            f"{state_file} names {path.name}, which is missing. Restore it, or delete "
            f"{state_file} to start this run from scratch."
        )
    return path, state
