"""Precision ``auto`` and XLA ``auto``: what they choose on which hardware."""

import keras
import pytest

from pix2pix_tf.training import TrainConfig, build_model, compile_model, precision
from pix2pix_tf.training.precision import (
    cpu_flags,
    cpu_has_bfloat16,
    resolve_jit_compile,
    resolve_precision,
)

AVX2 = frozenset({"sse4_2", "avx", "avx2", "fma"})
SAPPHIRE_RAPIDS = AVX2 | {"avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}


@pytest.mark.parametrize(
    ("gpus", "flags", "expected"),
    [
        ([(8, 0)], AVX2, "mixed_float16"),  # A100: tensor cores
        ([(7, 0), (9, 0)], AVX2, "mixed_float16"),
        ([(6, 1)], SAPPHIRE_RAPIDS, "float32"),  # GTX 1080 Ti: float16 emulated
        ([(8, 0), (6, 1)], AVX2, "float32"),  # the slow GPU sets the pace
        ([], SAPPHIRE_RAPIDS, "mixed_bfloat16"),
        ([], AVX2 | {"avx512_bf16"}, "mixed_bfloat16"),  # Zen 4, Cooper Lake
        ([], AVX2, "float32"),
        ([], frozenset(), "float32"),  # unknown CPU
    ],
)
def test_auto_picks_the_fastest_native_precision(gpus, flags, expected):
    assert resolve_precision("auto", gpus=gpus, flags=flags) == expected


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16", "mixed_float16"])
def test_an_explicit_precision_overrides_auto(policy):
    assert resolve_precision(policy, gpus=[(8, 0)], flags=SAPPHIRE_RAPIDS) == policy


def test_unknown_precision_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("bfloat16")
    with pytest.raises(ValueError, match="precision must be one of"):
        TrainConfig(precision="half")


def test_xla_auto_is_off_on_cpu_and_follows_the_measurement_on_gpu(monkeypatch):
    assert resolve_jit_compile("auto", gpus=[]) is False
    monkeypatch.setattr(precision, "XLA_FASTER_ON_GPU", True)
    assert resolve_jit_compile("auto", gpus=[(8, 0)]) is True
    assert resolve_jit_compile("auto", gpus=[]) is False
    assert resolve_jit_compile("on", gpus=[]) is True
    assert resolve_jit_compile("off", gpus=[(8, 0)]) is False
    with pytest.raises(ValueError, match="jit_compile must be one of"):
        resolve_jit_compile("yes")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nprocessor\t: 1\n")
    cpu_flags.cache_clear()
    try:
        flags = cpu_flags(str(cpuinfo))
        assert flags == {"fpu", "avx2", "avx512_bf16"}
        assert cpu_has_bfloat16(flags)
        assert cpu_flags(str(tmp_path / "missing")) == frozenset()
    finally:
        cpu_flags.cache_clear()


def test_config_builds_the_model_in_the_resolved_policy():
    config = TrainConfig(image_size=(32, 32), base_filters=4, precision="mixed_bfloat16")
    model = build_model(config)
    compile_model(model, config, total_steps=10)
    conv = model.generator.get_layer("down2_conv")
    assert conv.compute_dtype == "bfloat16"
    assert conv.variable_dtype == "float32"
    assert model.generator.output.dtype == "float32"
    assert TrainConfig().dtype_policy == resolve_precision("auto")


def test_float16_training_gets_loss_scaling():
    config = TrainConfig(image_size=(32, 32), base_filters=4, precision="mixed_float16")
    model = build_model(config)
    compile_model(model, config, total_steps=10)
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
