"""Numeric precision and XLA: what ``"auto"`` means on this machine.

``resolve_precision("auto")`` picks the fastest Keras dtype policy that the
hardware runs natively:

* ``mixed_float16`` (with loss scaling) on GPUs of compute capability 7.0 or
  more (tensor cores: V100, T4, A100, H100, ...);
* ``mixed_bfloat16`` on CPUs with bfloat16 instructions (AVX512_BF16 or AMX:
  Intel Cooper Lake, Sapphire Rapids and later; AMD Zen 4 and later);
* ``float32`` otherwise: older GPUs, and CPUs without those instructions, where
  bfloat16 is emulated: on an AVX2 CPU a bfloat16 training step measured
  about 7x slower than float32 (docs/performance.md).

``resolve_jit_compile("auto")`` is off everywhere: on CPU XLA measured no faster
and doubled the first step (docs/performance.md). It has not been measured on
a GPU yet: ``python -m bench.speed --gpu`` measures it there.

Both are overridable: pass ``"float32"``, ``"mixed_bfloat16"`` or
``"mixed_float16"``, and ``"on"`` or ``"off"``.
"""

import functools
from pathlib import Path

import tensorflow as tf

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
JIT_COMPILE = ("auto", "on", "off")
# CPU flags (as /proc/cpuinfo spells them) of native bfloat16 arithmetic.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
# Tensor cores, which make float16 matmuls and convolutions fast, came with Volta.
FLOAT16_MIN_COMPUTE_CAPABILITY = (7, 0)
# Whether XLA makes training faster on GPUs; False until the benchmark shows it.
XLA_FASTER_ON_GPU = False


@functools.lru_cache(maxsize=1)
def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The instruction-set flags of the first CPU, or an empty set where unknown."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:  # not Linux: no way to tell without extra packages
        return frozenset()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def cpu_has_bfloat16(flags=None):
    """True if the CPU computes in bfloat16 natively (AVX512_BF16 or AMX)."""
    flags = cpu_flags() if flags is None else flags
    return any(flag in flags for flag in BF16_CPU_FLAGS)


def gpu_compute_capabilities():
    """(major, minor) of each visible GPU; (0, 0) where TensorFlow does not say."""
    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capabilities.append(tuple(details.get("compute_capability", (0, 0))))
    return capabilities


def check_precision(precision):
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}.")


def check_jit_compile(jit_compile):
    if jit_compile not in JIT_COMPILE:
        raise ValueError(f"jit_compile must be one of {JIT_COMPILE}, got {jit_compile!r}.")


def resolve_precision(precision="auto", gpus=None, flags=None):
    """The Keras dtype policy name that ``precision`` stands for here.

    Args:
        precision: "auto", or a policy name, returned as it is.
        gpus: compute capabilities of the GPUs; None to ask TensorFlow.
        flags: CPU flags; None to read them from /proc/cpuinfo.

    Returns:
        "float32", "mixed_bfloat16" or "mixed_float16".

    Example:
        >>> resolve_precision("auto", gpus=[(8, 0)])
        'mixed_float16'
    """
    check_precision(precision)
    if precision != "auto":
        return precision
    gpus = gpu_compute_capabilities() if gpus is None else gpus
    if gpus:
        # Training runs on the GPUs; one without tensor cores holds the others back.
        fast = all(tuple(c) >= FLOAT16_MIN_COMPUTE_CAPABILITY for c in gpus)
        return "mixed_float16" if fast else "float32"
    return "mixed_bfloat16" if cpu_has_bfloat16(flags) else "float32"


def resolve_jit_compile(jit_compile="auto", gpus=None):
    """Whether to XLA-compile the training step: "on" -> True, "off" -> False.

    "auto" is on only on GPUs, and only once the benchmark has shown XLA faster
    there (`XLA_FASTER_ON_GPU`); on CPU it measured slower than the default.
    """
    check_jit_compile(jit_compile)
    if jit_compile != "auto":
        return jit_compile == "on"
    gpus = gpu_compute_capabilities() if gpus is None else gpus
    return bool(gpus) and XLA_FASTER_ON_GPU
