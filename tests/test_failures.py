"""What goes wrong in a training run gets a clear error and loses nothing."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.training import TrainConfig, train
from pix2pix_tf.training.callbacks import StopOnNonFiniteLoss


def test_non_finite_loss_names_the_step_and_causes():
    model = Pix2Pix(
        UNetGenerator(image_size=(32, 32), depth=5, base_filters=4),
        PatchDiscriminator(image_size=(32, 32), base_filters=4, n_layers=2),
    )
    model.compile()
    good = np.zeros((2, 32, 32, 3), "float32")
    bad = np.full((2, 32, 32, 3), np.nan, "float32")
    data = tf.data.Dataset.from_tensor_slices((np.stack([good, good, bad]), np.stack([good] * 3)))
    with pytest.raises(FloatingPointError, match=r"step 3 \(epoch 1, batch 3\).*learning rate"):
        model.fit(data, epochs=1, callbacks=[StopOnNonFiniteLoss()], verbose=0)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_run_directory_fails_before_any_work(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    with pytest.raises(PermissionError, match="Cannot write to the run directory"):
        train(TrainConfig(image_size=(32, 32), steps=1), locked / "run")


def test_run_directory_that_is_a_file_fails_before_any_work(tmp_path):
    (tmp_path / "run").write_text("not a folder")
    with pytest.raises(PermissionError, match="Cannot write to the run directory"):
        train(TrainConfig(image_size=(32, 32), steps=1), tmp_path / "run")


def test_a_corrupt_checkpoint_state_is_explained(tmp_path):
    config = TrainConfig(
        task="autoencoder", image_size=(32, 32), steps=1, num_faces=20, base_filters=4, batch_size=2
    )
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "config.json").write_text(json.dumps(config.to_json()))
    (tmp_path / "checkpoints" / "state.json").write_text(
        json.dumps({"epoch": 1, "step": 1, "checkpoint": "epoch_0001.keras"})
    )
    with pytest.raises(FileNotFoundError, match="names epoch_0001.keras, which is missing"):
        train(config, tmp_path)
