"""Chroma and residual outputs for colorization, super-resolution and denoising (issue 19)."""

import numpy as np
import pytest
import tensorflow as tf

from bench import quality
from pix2pix_tf.cli import _train_config, parser
from pix2pix_tf.data.transforms import to_float
from pix2pix_tf.evaluation.baselines import nl_means_denoise, score_images
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import ChromaOutput, UNetGenerator, chroma_offsets
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.serving.export import export_generator, load_exported
from pix2pix_tf.tasks import (
    COLORIZATION_RECIPE,
    DENOISE_RECIPE,
    NOISE2NOISE_RECIPE,
    SUPERRES_RECIPE,
    get_task,
)
from pix2pix_tf.training import TrainConfig, train

LUMA = np.array([0.2989, 0.5870, 0.1140], "float32") / np.float32(0.9999)


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32")


def _luma(rgb):
    return (np.asarray(rgb) * LUMA).sum(-1, keepdims=True)


def _chroma_generator(input_channels=1, seed=1):
    return UNetGenerator(
        image_size=(32, 32),
        input_channels=input_channels,
        depth=5,
        base_filters=4,
        output_mode="chroma",
        seed=seed,
    )


# --- chroma output --------------------------------------------------------------------------


@pytest.mark.parametrize("input_channels", [1, 3])
def test_chroma_output_is_colour_with_exactly_the_inputs_luma(input_channels):
    g = _chroma_generator(input_channels)
    x = _images((2, 32, 32, input_channels))
    out = np.asarray(g(x, training=False))
    assert out.shape == (2, 32, 32, 3) and np.all(np.abs(out) <= 1.0)
    gray = x if input_channels == 1 else _luma(x)
    np.testing.assert_allclose(_luma(out), gray, atol=1e-5)
    direct = UNetGenerator(image_size=(32, 32), input_channels=1, depth=5, base_filters=4)
    assert np.abs(_luma(direct(x[..., :1], training=False)) - x[..., :1]).max() > 0.1


def test_chroma_layer_keeps_luma_and_hue_where_the_colour_leaves_the_gamut():
    gray = tf.constant(_images((4, 8, 8, 1), 1))
    chroma = tf.constant(_images((4, 8, 8, 2), 2))  # saturated: most leave [-1, 1]
    out = np.asarray(ChromaOutput()([gray, chroma]))
    assert np.all(np.abs(out) <= 1.0)
    np.testing.assert_allclose(_luma(out), gray, atol=1e-5)
    # Scaled, not clipped: the colour offset points the way the chroma asked for.
    offsets = np.asarray(chroma_offsets(chroma))
    moved = out - np.asarray(gray)
    cosine = (moved * offsets).sum(-1) / (
        np.linalg.norm(moved, axis=-1) * np.linalg.norm(offsets, axis=-1) + 1e-12
    )
    assert np.all(cosine[np.linalg.norm(moved, axis=-1) > 1e-3] > 0.999)
    zero = np.asarray(ChromaOutput()([gray, tf.zeros_like(chroma)]))
    np.testing.assert_allclose(zero, np.repeat(gray, 3, -1), atol=1e-6)


def test_chroma_offsets_have_zero_luma_and_cb_cr_are_blue_and_red():
    offsets = np.asarray(chroma_offsets(tf.constant([[0.5, 0.0], [0.0, 0.5]])))
    np.testing.assert_allclose(_luma(offsets), 0.0, atol=1e-6)
    assert offsets[0].argmax() == 2 and offsets[1].argmax() == 0


def test_chroma_mode_errors_say_what_to_do():
    with pytest.raises(ValueError, match="output_mode 'chroma' colours a gray input"):
        UNetGenerator(
            image_size=(32, 32), depth=5, base_filters=4, output_mode="chroma", output_channels=1
        )
    with pytest.raises(ValueError, match="input_channels 1"):
        UNetGenerator(
            image_size=(32, 32), input_channels=2, depth=5, base_filters=4, output_mode="chroma"
        )


def test_exported_chroma_generator_gives_colour_on_the_luma_of_any_size(tmp_path):
    # Config, .keras and export round trips: tests/test_quality_options.py.
    export_generator(_chroma_generator(seed=2), tmp_path / "saved")
    served = load_exported(tmp_path / "saved")
    odd = _images((1, 40, 24, 1), 4)  # padded to multiples of 32, cropped back
    out = np.asarray(served.serve(tf.constant(odd)))
    assert out.shape == (1, 40, 24, 3)  # the colour image, not the chroma
    np.testing.assert_allclose(_luma(out), odd, atol=1e-5)


def test_pix2pix_with_chroma_output_trains_and_its_discriminator_sees_colour():
    g = _chroma_generator()
    d = PatchDiscriminator(image_size=(32, 32), input_channels=1, target_channels=3, base_filters=4)
    model = Pix2Pix(g, d, gan_mode="lsgan")
    model.compile()
    x = _images((4, 32, 32, 1), 5)
    y = np.clip(np.repeat(x, 3, -1) + [0.2, 0.0, -0.2], -1, 1).astype("float32")
    history = model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    np.testing.assert_allclose(_luma(model.predict(x, verbose=0)), x, atol=1e-5)


# --- residual output for super-resolution and denoising -------------------------------------


@pytest.mark.parametrize("task", ["superres", "denoise"])
def test_residual_generator_starts_as_its_input_the_bicubic_or_noisy_face(task):
    pairs = get_task(task).pairs_from_images(
        tf.data.Dataset.from_tensor_slices(
            np.round((_images((2, 32, 32, 3), 6) + 1) * 127.5).astype("uint8")
        )
    )
    inputs = np.stack([to_float(a).numpy() for a, _ in pairs])
    scores = {}
    for mode in ("residual", "direct"):
        g = UNetGenerator(image_size=(32, 32), depth=5, base_filters=4, output_mode=mode, seed=1)
        scores[mode] = score_images(inputs, g(inputs, training=False))["psnr"].mean()
    assert scores["residual"] > 30.0 > scores["direct"]


# --- baselines, targets, recipes ------------------------------------------------------------


def test_nl_means_removes_noise():
    ramp = np.linspace(-0.8, 0.8, 32, dtype="float32")
    clean = np.stack([np.stack([*np.meshgrid(ramp, ramp), np.zeros((32, 32), "float32")], -1)])
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 0.15, clean.shape), -1, 1)
    before = score_images(clean, noisy)["psnr"][0]
    after = score_images(clean, nl_means_denoise(noisy))["psnr"][0]
    assert after > before + 3.0


def _table(task, model, baseline):
    name, *_ = quality.RESTORATION_TARGETS[task]
    rows = [{"method": "model", "group": task, "ssim": model[0], "psnr": model[1]}]
    for other in quality.baselines(task):  # the others score lower
        ssim, psnr = baseline if other == name else (0.5, 15.0)
        rows.append({"method": other, "group": task, "ssim": ssim, "psnr": psnr})
    return quality.quality_table(rows)


def test_restoration_targets_need_the_gain_in_psnr_and_the_baselines_ssim():
    checks = quality.targets_hold(
        _table("colorization", (0.95, 25.0), (0.94, 20.9)), "colorization"
    )
    assert all(checks.values())
    checks = quality.targets_hold(
        _table("colorization", (0.93, 25.0), (0.94, 21.1)), "colorization"
    )
    assert not checks["PSNR >= gray input + 4 dB"] and not checks["SSIM >= gray input's"]
    checks = quality.targets_hold(_table("superres", (0.96, 35.9), (0.955, 34.5)), "superres")
    assert not checks["PSNR >= bicubic + 1.5 dB"] and checks["SSIM >= bicubic's"]
    checks = quality.targets_hold(_table("denoise", (0.8, 30.9), (0.86, 29.8)), "denoise")
    assert checks["PSNR >= nl-means + 1 dB"] and checks["PSNR above nl-means in every group"]
    checks = quality.targets_hold(_table("denoise", (0.9, 30.7), (0.86, 29.8)), "denoise")
    assert not checks["PSNR >= nl-means + 1 dB"] and checks["PSNR above nl-means in every group"]
    assert set(quality.baselines("noise2noise")) == {"noisy input", "nl-means"}


@pytest.mark.parametrize(
    "task, recipe",
    [
        ("colorization", COLORIZATION_RECIPE),
        ("superres", SUPERRES_RECIPE),
        ("denoise", DENOISE_RECIPE),
        ("noise2noise", NOISE2NOISE_RECIPE),
    ],
)
def test_each_restoration_task_trains_with_its_recipe_by_default(task, recipe, tmp_path):
    config = TrainConfig.for_task(task)
    assert {field: getattr(config, field) for field in recipe} == recipe
    assert TrainConfig(task=task).output_mode == "direct"  # the paper's
    args = parser().parse_args(["train", "--task", task, "--out", str(tmp_path)])
    assert _train_config(args) == config


def test_colorization_run_exports_a_colour_image_with_the_inputs_luma(tmp_path):
    config = TrainConfig.for_task(
        "colorization", image_size=(32, 32), num_faces=20, base_filters=4, batch_size=2, steps=2
    )
    train(config, tmp_path, verbose=0)
    served = load_exported(tmp_path / "saved_model")
    gray = np.random.default_rng(8).integers(0, 256, (1, 40, 36, 1), dtype=np.uint8)
    colour = np.asarray(served.serve_uint8(tf.constant(gray)))
    assert colour.shape == (1, 40, 36, 3)
    assert np.abs(_luma(colour.astype("float32")) - gray).max() <= 1.0  # uint8 rounding
