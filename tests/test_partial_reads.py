"""No "calling iterator did not fully read the dataset being cached" warning from a run.

TensorFlow prints it (C++, level W) when an iterator stops before the end of a
dataset it was caching: the sample grids read four pairs of a split, and a run
shorter than one pass reads part of the training split. Its absence is checked
in child processes that show TensorFlow's warnings, beside a control that reads a
cached split in part and must print it.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARNING = "did not fully read the dataset being cached"
CONFIG = """
from pix2pix_tf.training import TrainConfig
config = TrainConfig(task="colorization", image_size=(32, 32), num_faces=1200, batch_size=2,
                     base_filters=4, steps=4, steps_per_epoch=2, precision="float32")
"""


def _stderr_of(script):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}  # warnings shown
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CONFIG) + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def test_reading_part_of_a_cached_split_warns():  # the control: the warning is seen
    stderr = _stderr_of(
        """
        import gc
        from pix2pix_tf.training import split_dataset
        batches, _ = split_dataset(config, "val")  # 120 pairs, cached
        for batch in batches.take(1):
            pass
        del batches, batch
        gc.collect()
        """
    )
    assert WARNING in stderr


def test_a_short_run_and_its_sample_grids_read_no_cache_in_part(tmp_path):
    stderr = _stderr_of(
        f"""
        import dataclasses, gc
        from pix2pix_tf.training import train
        from pix2pix_tf.training.run import fixed_batch
        # 4 steps of 2 of 960 training pairs (more than the shuffle buffer), grids of 4 of 120.
        train(config, {str(tmp_path / "run")!r}, verbose=0)
        cyclegan = dataclasses.replace(config, model="cyclegan", task="mugshot-unpaired")
        inputs, targets = fixed_batch(cyclegan, "val")
        assert inputs.shape == targets.shape == (4, 32, 32, 3), inputs.shape
        gc.collect()
        """
    )
    assert WARNING not in stderr
    assert (tmp_path / "run" / "samples" / "test.png").is_file()
