"""A training run SIGKILLed at random moments resumes to the same weights as one never stopped."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import pix2pix_tf  # noqa: F401  (registers the classes the checkpoints name)

pytestmark = pytest.mark.slow

STEPS = 12
ARGS = [
    "train",
    "--task",
    "autoencoder",
    "--image-size",
    "32",
    "--num-faces",
    "20",
    "--batch-size",
    "2",
    "--base-filters",
    "4",
    "--steps",
    str(STEPS),
    "--steps-per-epoch",
    "2",
]


def command(out):
    return [sys.executable, "-m", "pix2pix_tf.cli", *ARGS, "--out", str(out)]


def run_to_end(out):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(command(out), check=True, capture_output=True, timeout=600, env=env)


def saved_step(out):
    try:
        return json.loads((out / "checkpoints" / "state.json").read_text())["step"]
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def final_weights(out):
    state = json.loads((out / "checkpoints" / "state.json").read_text())
    assert state["step"] == STEPS
    model = keras.saving.load_model(out / "checkpoints" / state["checkpoint"])
    return model.get_weights() + [int(model.g_optimizer.iterations)]


def test_sigkill_at_random_points_then_resume_matches_uninterrupted(tmp_path):
    run_to_end(tmp_path / "uninterrupted")

    out = tmp_path / "killed"
    rng = np.random.default_rng(7)
    killed_at = []  # the saved step after each kill
    for _ in range(3):
        before = saved_step(out)
        process = subprocess.Popen(
            command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 240
        # Wait for progress past the last checkpoint, then kill at a random moment.
        while saved_step(out) <= before and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        killed = process.poll() is None
        if killed:
            process.send_signal(signal.SIGKILL)
        process.wait()
        if killed:
            killed_at.append(saved_step(out))
    assert len(killed_at) >= 2, "the run finished before it could be killed; make it longer"
    # Killed mid-run at least once (on a fast machine the last restart may finish the
    # run before its kill): the restarts after it resumed from a checkpoint.
    assert any(0 < step < STEPS for step in killed_at), killed_at
    run_to_end(out)

    expected, resumed = final_weights(tmp_path / "uninterrupted"), final_weights(out)
    assert resumed[-1] == expected[-1] == STEPS
    for a, b in zip(resumed[:-1], expected[:-1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    rows = (out / "history.csv").read_text().splitlines()
    assert len(rows) == 1 + STEPS // 2  # one row per epoch, none repeated
    assert not list((out / "checkpoints").glob(".*tmp*"))
