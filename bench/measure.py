"""Measuring tools of the benchmark: interleaved timing, FLOPs, the matmul peak, memory."""

import resource
import statistics
import time
from pathlib import Path

import numpy as np
import tensorflow as tf


def timed(function):
    """Seconds that ``function()`` takes; it must return only once its work is done."""
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def interleaved(variants, rounds, calls_per_round):
    """Times every variant in turn, round by round (A B A B ...), so that a slow
    spell of the machine hits all variants alike.

    Args:
        variants: dict name -> function doing one step and waiting for its result.
        rounds: rounds over all variants.
        calls_per_round: timed calls of each variant per round.

    Returns:
        Dict name -> list of the per-round median seconds of a call.
    """
    per_round = {name: [] for name in variants}
    for _ in range(rounds):
        for name, function in variants.items():
            seconds = [timed(function) for _ in range(calls_per_round)]
            per_round[name].append(statistics.median(seconds))
    return per_round


def alternated(variants, rounds, calls_per_round):
    """Like `interleaved`, but alternating call by call (A B C A B C ...) within a
    round, so that a busy spell of a shared machine, shorter than a round, still
    hits every variant alike. Returns name -> per-round median seconds of a call."""
    per_round = {name: [] for name in variants}
    for _ in range(rounds):
        seconds = {name: [] for name in variants}
        for _ in range(calls_per_round):
            for name, function in variants.items():
                seconds[name].append(timed(function))
        for name in variants:
            per_round[name].append(statistics.median(seconds[name]))
    return per_round


def ratios(baseline, other):
    """Per-round speed-ups of ``other`` over ``baseline`` (seconds: larger is slower)."""
    return [b / o for b, o in zip(baseline, other)]


def matmul_peak_gflops(dtype=tf.float32, size=2048, repeats=20):
    """Best GFLOP/s of a square matmul on this machine's default device.

    The best of several runs rather than the median: it estimates what the
    hardware can do, the ceiling to compare a training step with.
    """
    a = tf.random.uniform((size, size), dtype=tf.float32)
    a = tf.cast(a, dtype)
    b = tf.cast(tf.random.uniform((size, size), dtype=tf.float32), dtype)
    matmul = tf.function(lambda: tf.reduce_sum(tf.cast(tf.matmul(a, b)[:1, :1], tf.float32)))
    matmul().numpy()
    best = min(timed(lambda: matmul().numpy()) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def forward_flops(model, *shapes):
    """Floating-point operations of one inference call of ``model`` on inputs of
    ``shapes``, counted by TensorFlow's profiler on the forward graph
    (convolutions and matmuls; elementwise ops are not counted, as usual)."""
    specs = [tf.TensorSpec(shape, tf.float32) for shape in shapes]
    function = tf.function(lambda *x: model(list(x) if len(x) > 1 else x[0], training=False))
    graph = function.get_concrete_function(*specs).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return int(tf.compat.v1.profiler.profile(graph, options=options).total_float_ops)


def step_flops(generator, discriminator, batch, size):
    """FLOPs of one pix2pix training step, from the networks' forward FLOPs.

    Forward: the generator once, the discriminator on the real and the fake
    pair. Backward, about twice a forward per network pass that needs both
    gradients: the generator's weights and activations (2G); the discriminator's
    weights and activations on both pairs for its own loss (4D), and its
    activations once more on the fake pair for the generator's loss (1D).
    So 3G + 7D, the count of the issue (about 80.5 GFLOP for the tutorial's
    networks at 256x256). The profiler run on the whole traced step counts its
    gradient ops far higher (117 GFLOP), so it is not used.
    """
    image = (batch, size, size, 3)
    g = forward_flops(generator, image)
    d = forward_flops(discriminator, image, image)
    return 3 * g + 7 * d


def peak_rss_mib():
    """Peak resident memory of this process so far, in MiB.

    Reads VmHWM where Linux has it: `getrusage` carries the parent's peak into
    a child started by fork and exec, so a small child would report a big parent.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def summary(per_round_seconds, images_per_call):
    """Median seconds per call and images per second of a variant's rounds."""
    median = float(np.median(per_round_seconds))
    return {
        "seconds_per_step": round(median, 4),
        "images_per_second": round(images_per_call / median, 3),
        "rounds": [round(s, 4) for s in per_round_seconds],
    }
