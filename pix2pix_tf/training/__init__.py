"""Training runs: config, run directory, callbacks, checkpoints, precision, devices.

`TrainConfig` holds every setting; `train` runs one in a run directory (`run`),
resuming from its checkpoints.
"""

from pix2pix_tf.training.callbacks import TimeBudget, truncate_history
from pix2pix_tf.training.config import RESUMABLE_CHANGES, TrainConfig, auto_depth
from pix2pix_tf.training.precision import PRECISIONS
from pix2pix_tf.training.run import (
    build_model,
    compile_model,
    evaluate,
    load_trained,
    schedule,
    split_dataset,
    train,
)

__all__ = [
    "PRECISIONS",
    "RESUMABLE_CHANGES",
    "TimeBudget",
    "TrainConfig",
    "auto_depth",
    "build_model",
    "compile_model",
    "evaluate",
    "load_trained",
    "schedule",
    "split_dataset",
    "train",
    "truncate_history",
]
