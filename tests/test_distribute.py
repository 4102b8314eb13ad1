"""tf.distribute: several replicas train as one device does on the whole batch.

Each test runs its TensorFlow in fresh processes: logical devices and
multi-worker collectives must be set up before TensorFlow starts, which the
other tests of the session have already done.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from pix2pix_tf.training.distribute import agreed_clock, is_chief, make_strategy, tf_config

SUBPROCESS_TIMEOUT_S = 240

# Two logical CPUs; one model trained on each of: one device, MirroredStrategy
# over both. SGD rather than Adam, whose update hardly depends on the gradient's
# scale: a loss not divided by the number of replicas would go unnoticed.
MIRRORED_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.training.distribute import make_strategy, set_synchronized_batch_norm, shard_by_data
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix

STEPS, BATCH = 3, 4

def build():
    keras.utils.set_random_seed(0)
    generator = UNetGenerator(image_size=(32, 32), depth=5, base_filters=8, dropout=0.0)
    discriminator = PatchDiscriminator(image_size=(32, 32), base_filters=8, n_layers=2)
    model = Pix2Pix(generator, discriminator)
    model.compile(keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05))
    return model

rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, (STEPS * BATCH, 32, 32, 3)).astype("float32")
y = np.tanh(2 * x[..., ::-1])  # a learnable mapping
data = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH)

single = build()
initial = single.get_weights()
single.fit(data, epochs=1, shuffle=False, verbose=0)

strategy = make_strategy("mirrored", ["/cpu:0", "/cpu:1"])
with strategy.scope():
    mirrored = build()
    mirrored.set_weights(initial)
set_synchronized_batch_norm(mirrored)
mirrored.fit(shard_by_data(data), epochs=1, shuffle=False, verbose=0)

def flat(weights):
    return np.concatenate([np.ravel(w) for w in weights])

a, b, start = flat(single.get_weights()), flat(mirrored.get_weights()), flat(initial)
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "max_difference": float(np.max(np.abs(a - b))),
    "max_update": float(np.max(np.abs(a - start))),
    "steps": [int(single.g_optimizer.iterations.numpy()),
              int(mirrored.g_optimizer.iterations.numpy())],
}))
"""

# One worker of a MultiWorkerMirroredStrategy cluster: `train`, as `pix2pix-tf
# train --strategy multiworker` runs it, then its weights to a file.
# argv[4], a JSON object: TrainConfig fields to change, and "fast_clock": this
# worker's time.perf_counter moves 20 s a read (a worker whose budget ends early).
WORKER_SCRIPT = """
import json, os, sys, time
import numpy as np

os.environ["TF_CONFIG"] = sys.argv[1]
from pix2pix_tf.training import TrainConfig, train

changes = json.loads(sys.argv[4])
if changes.pop("fast_clock", False):
    reads = iter(range(10**6))
    time.perf_counter = lambda: 20.0 * next(reads)
fields = dict(
    task="mugshot", image_size=(32, 32), num_faces=20, base_filters=8, batch_size=4,
    steps=3, precision="float32", strategy="multiworker",
)
config = TrainConfig(**{**fields, **changes})
model, metrics = train(config, sys.argv[2], verbose=0)
np.savez(sys.argv[3], *model.get_weights())
print("steps", int(model.g_optimizer.iterations.numpy()), "ssim", metrics["ssim"])
print("rate", float(np.asarray(model.g_optimizer.learning_rate)))
"""


def _env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    # One thread pool each: the workers share the CI machine's two cores.
    env.setdefault("TF_NUM_INTEROP_THREADS", "1")
    return env


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _check(process, output):
    assert process.returncode == 0, f"exit {process.returncode}:\n{output[-4000:]}"


def test_mirrored_over_two_devices_matches_one_device_on_the_global_batch():
    run = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    _check(run, run.stdout + run.stderr)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["steps"] == [3, 3]
    # The updates are large next to float32 rounding, so equal weights mean equal training.
    assert result["max_update"] > 1e-2
    assert result["max_difference"] < 1e-3 * result["max_update"]


def _run_two_workers(tmp_path, *changes):
    """Runs WORKER_SCRIPT as workers 0 and 1 with ``changes[i]``; returns their outputs."""
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    processes = []
    for index in range(2):
        command = [
            sys.executable,
            "-c",
            WORKER_SCRIPT,
            tf_config(workers, index),
            str(tmp_path / f"run_{index}"),
            str(tmp_path / f"weights_{index}.npz"),
            json.dumps(changes[index]),
        ]
        processes.append(
            subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env()
            )
        )
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=SUBPROCESS_TIMEOUT_S)[0])
    finally:
        for process in processes:
            process.kill()  # a worker left waiting for its peer would hang the suite
    for process, output in zip(processes, outputs):
        _check(process, output)
    return outputs


def _equal_weights(tmp_path):
    chief, other = (np.load(tmp_path / f"weights_{i}.npz") for i in range(2))
    assert len(chief.files) == len(other.files) > 0
    for name in chief.files:
        np.testing.assert_allclose(chief[name], other[name], rtol=0, atol=1e-6)


def test_two_workers_on_loopback_train_to_equal_weights(tmp_path):
    for output in _run_two_workers(tmp_path, {}, {}):
        assert "steps 3" in output
    _equal_weights(tmp_path)
    # Only the chief writes its run directory; the other leaves its own alone.
    assert (tmp_path / "run_0" / "saved_model" / "saved_model.pb").is_file()
    assert (tmp_path / "run_0" / "metrics.json").is_file()
    assert not (tmp_path / "run_1").exists()


def test_workers_whose_clocks_differ_stop_at_the_same_step(tmp_path):
    # By worker 1's clock (2 reads a step, 20 s each) the 10-minute budget ends
    # after about 15 steps and the rate decays from about the 8th; by worker 0's
    # it would take 10 minutes. Each following its own clock, worker 1 stopped
    # first and the next all-reduce failed on mismatched tensors.
    budget = {"steps": 40, "steps_per_epoch": 40, "max_minutes": 10, "lr_decay_fraction": 0.5}
    outputs = _run_two_workers(tmp_path, budget, {**budget, "fast_clock": True})
    steps = [int(output.split("steps ")[-1].split()[0]) for output in outputs]
    rates = [float(output.split("rate ")[-1].split()[0]) for output in outputs]
    assert 5 < steps[0] == steps[1] < 40, outputs[0][-2000:]
    assert rates[0] == rates[1] < 0.5 * 2e-4  # decayed alike (from the default 2e-4)
    _equal_weights(tmp_path)


def test_one_process_reads_its_own_clock():
    def clock():
        return 5.0

    assert agreed_clock(clock=clock) is clock


def test_multiworker_without_tf_config_is_explained(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        make_strategy("multiworker")


def test_unknown_strategy_is_rejected():
    with pytest.raises(ValueError, match="strategy must be one of"):
        make_strategy("tpu")


def test_chief_is_the_chief_task_or_worker_zero_of_a_cluster_without_one():
    class Resolver:
        def __init__(self, task_type, task_id, cluster):
            self.task_type, self.task_id, self.cluster = task_type, task_id, cluster

        def cluster_spec(self):
            return type("Spec", (), {"as_dict": lambda _: self.cluster})()

    def strategy(*args):
        return type("Strategy", (), {"cluster_resolver": Resolver(*args)})()

    workers = {"worker": ["a:1", "b:1"]}
    with_chief = {"chief": ["c:1"], **workers}
    assert is_chief(strategy("worker", 0, workers))
    assert not is_chief(strategy("worker", 1, workers))
    assert is_chief(strategy("chief", 0, with_chief))
    assert not is_chief(strategy("worker", 0, with_chief))
    assert is_chief(make_strategy("default"))


def test_tf_config_names_the_cluster_and_this_task():
    config = json.loads(tf_config(["h1:1", "h2:2"], 1))
    assert config == {
        "cluster": {"worker": ["h1:1", "h2:2"]},
        "task": {"type": "worker", "index": 1},
    }
