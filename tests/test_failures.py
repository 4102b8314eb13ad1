"""What goes wrong in a training run gets a clear error and loses nothing."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.training import TrainConfig, load_trained, train
from pix2pix_tf.training.callbacks import StopOnNonFiniteLoss
from pix2pix_tf.training.checkpoints import RunCheckpoint, checkpoints_by_epoch


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
    with pytest.raises(PermissionError, match="Cannot write the run directory"):
        train(TrainConfig(image_size=(32, 32), steps=1), locked / "run")
    assert not (locked / "run").exists()


def test_run_directory_that_is_a_file_fails_before_any_work(tmp_path):
    (tmp_path / "run").write_text("not a folder")
    with pytest.raises(ValueError, match="--out .*run is a file, not a folder"):
        train(TrainConfig(image_size=(32, 32), steps=1), tmp_path / "run")
    assert (tmp_path / "run").read_text() == "not a folder"


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


# --- exact step counts, checkpoints that survive damage -------------------------------------

SHORT_LAST_EPOCH = {
    "task": "autoencoder",
    "image_size": (32, 32),
    "num_faces": 20,
    "batch_size": 2,
    "base_filters": 4,
    "disc_layers": 1,
    "steps": 7,
    "steps_per_epoch": 3,
}


def history_rows(run):
    return (run / "history.csv").read_text().splitlines()[1:]


def saved_state(run):
    return json.loads((run / "checkpoints" / "state.json").read_text())


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """A run of 7 steps in epochs of 3: two full epochs and one of a single step."""
    run = tmp_path_factory.mktemp("short") / "run"
    _, metrics = train(TrainConfig(**SHORT_LAST_EPOCH), run, verbose=0)
    return run, metrics


def copy_run(short_run, tmp_path):
    return Path(shutil.copytree(short_run[0], tmp_path / "run"))


def test_steps_that_are_no_multiple_of_the_epoch_train_exactly_that_many(short_run):
    run, metrics = short_run
    assert metrics["steps"] == 7 and saved_state(run)["step"] == 7
    assert saved_state(run)["epoch"] == 3 and len(history_rows(run)) == 3


def test_the_last_two_checkpoints_are_kept(short_run):
    run, _ = short_run
    names = sorted(p.name for p in (run / "checkpoints").glob("epoch_*.keras"))
    assert names == ["epoch_0002.keras", "epoch_0003.keras"]


def test_resuming_with_more_steps_stops_at_exactly_that_many(short_run, tmp_path):
    run = copy_run(short_run, tmp_path)
    _, metrics = train(TrainConfig(**{**SHORT_LAST_EPOCH, "steps": 9}), run, verbose=0)
    assert metrics["steps"] == 9 and saved_state(run) == {
        "epoch": 4,
        "step": 9,
        "checkpoint": "epoch_0004.keras",
    }


def test_a_truncated_latest_checkpoint_falls_back_to_the_one_before(short_run, tmp_path):
    run = copy_run(short_run, tmp_path)
    newest = run / "checkpoints" / "epoch_0003.keras"
    newest.write_bytes(newest.read_bytes()[:5000])
    with pytest.warns(UserWarning, match=r"epoch_0003.keras .*is damaged; using epoch_0002.keras"):
        _, model = load_trained(run)
    assert int(model.g_optimizer.iterations.numpy()) == 6
    with pytest.warns(UserWarning, match="epoch_0003.keras"):
        _, metrics = train(TrainConfig(**SHORT_LAST_EPOCH), run, verbose=0)
    assert metrics["steps"] == 7 and saved_state(run)["checkpoint"] == "epoch_0003.keras"
    assert len(history_rows(run)) == 3


def test_every_checkpoint_damaged_names_them_all(short_run, tmp_path):
    run = copy_run(short_run, tmp_path)
    for path in (run / "checkpoints").glob("epoch_*.keras"):
        path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"Every checkpoint .* damaged: .*epoch_0003.*epoch_0002"):
        load_trained(run)


def test_a_garbage_state_file_falls_back_to_the_newest_checkpoint(short_run, tmp_path):
    run = copy_run(short_run, tmp_path)
    (run / "checkpoints" / "state.json").write_text("\0\0\0")
    with pytest.warns(UserWarning, match=r"state.json is damaged \(not valid JSON"):
        _, model = load_trained(run)
    assert int(model.g_optimizer.iterations.numpy()) == 7


def test_a_garbage_config_file_is_named_with_what_to_do(short_run, tmp_path):
    run = copy_run(short_run, tmp_path)
    (run / "config.json").write_text("")
    with pytest.raises(ValueError, match=r"config.json is damaged.*delete config.json and run"):
        load_trained(run)


def test_checkpoints_are_ordered_by_epoch_number_not_by_name(tmp_path):
    """epoch_10000.keras sorts before epoch_9999.keras as text; the newest must stay."""

    class Step:
        def numpy(self):
            return 10000

    class Saved:
        g_optimizer = type("Optimizer", (), {"iterations": Step()})()

        def save(self, path):
            Path(path).write_bytes(b"model")

    for epoch in (9998, 9999):
        (tmp_path / f"epoch_{epoch:04d}.keras").write_bytes(b"model")
    callback = RunCheckpoint(tmp_path)
    callback.set_model(Saved())
    callback.on_epoch_end(9999)
    assert sorted(p.name for p in tmp_path.glob("epoch_*")) == [
        "epoch_10000.keras",
        "epoch_9999.keras",
    ]
    assert json.loads((tmp_path / "state.json").read_text())["checkpoint"] == "epoch_10000.keras"
    assert checkpoints_by_epoch(tmp_path)[-1].name == "epoch_10000.keras"


def test_depth_zero_is_refused_rather_than_replaced():
    with pytest.raises(ValueError, match="depth must be a positive number"):
        TrainConfig(image_size=(32, 32), depth=0)
