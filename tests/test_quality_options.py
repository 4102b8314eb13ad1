"""Generator output modes, loss options, task recipes and the time budget (issue 7)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from bench import quality
from pix2pix_tf.cli import _train_config, parser
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import CompositeOutput, ResidualOutput, UNetGenerator
from pix2pix_tf.models.losses import (
    changed_pixels,
    feature_matching_loss,
    l1_loss,
    mask_loss,
    weighted_l1_loss,
)
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.serving.export import export_generator, load_exported
from pix2pix_tf.tasks import OCCLUSION_RECIPE
from pix2pix_tf.training import TimeBudget, TrainConfig, train

MODES = ("direct", "residual", "composite")


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32")


# --- generator output modes -----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("input_channels", [3, 1])
def test_output_modes_shapes_and_range(mode, input_channels):
    g = UNetGenerator(
        image_size=(32, 32),
        input_channels=input_channels,
        depth=5,
        base_filters=4,
        output_mode=mode,
    )
    out = np.asarray(g(_images((2, 32, 32, input_channels)), training=False))
    assert out.shape == (2, 32, 32, 3)
    assert np.all(np.abs(out) <= 1.0)


def test_residual_and_composite_start_near_the_input_and_direct_does_not():
    x = _images((2, 32, 32, 3))
    gaps = {}
    for mode in MODES:
        g = UNetGenerator(image_size=(32, 32), depth=5, base_filters=4, output_mode=mode, seed=1)
        gaps[mode] = float(np.abs(np.asarray(g(x, training=False)) - x).mean())
    assert max(gaps["residual"], gaps["composite"]) < 0.05 < gaps["direct"]


def test_residual_layer_is_the_input_for_a_zero_correction_and_moves_with_it():
    image = tf.constant([[[[-0.9, 0.0, 0.5]]]])
    layer = ResidualOutput()
    np.testing.assert_allclose(layer([image, tf.zeros_like(image)]), image, atol=1e-3)
    assert np.all(np.asarray(layer([image, tf.ones_like(image)])) > np.asarray(image))
    gray = tf.constant([[[[0.25]]]])
    np.testing.assert_allclose(layer([gray, tf.zeros((1, 1, 1, 3))]), [[[[0.25] * 3]]], atol=1e-3)


def test_composite_layer_keeps_the_input_where_the_mask_is_zero():
    image = tf.constant(_images((1, 4, 4, 3), 1))
    generated = tf.constant(_images((1, 4, 4, 3), 2))
    mask = tf.constant(np.array([1.0, 0.0, 0.25, 0.0] * 4, "float32").reshape(1, 4, 4, 1))
    out = np.asarray(CompositeOutput()([image, generated, mask]))
    np.testing.assert_allclose(out[mask.numpy()[..., 0] == 0], image.numpy()[mask[..., 0] == 0])
    np.testing.assert_allclose(out[0, 0, 0], generated[0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(
        out[0, 0, 2], 0.75 * image[0, 0, 2] + 0.25 * generated[0, 0, 2], atol=1e-6
    )


def test_output_mode_errors_say_what_to_do():
    with pytest.raises(ValueError, match="output_mode must be one of"):
        UNetGenerator(image_size=(32, 32), depth=5, base_filters=4, output_mode="blend")
    with pytest.raises(ValueError, match="input_channels must be 1 or output_channels"):
        UNetGenerator(
            image_size=(32, 32), input_channels=2, depth=5, base_filters=4, output_mode="composite"
        )


@pytest.mark.parametrize("mode", ["residual", "composite", "chroma"])
def test_output_modes_round_trip_save_and_export(mode, tmp_path):
    channels = 1 if mode == "chroma" else 3  # chroma colours a gray input
    settings = dict(input_channels=channels, output_mode=mode, seed=2)
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, **settings)
    clone = UNetGenerator.from_config(g.get_config())
    assert clone.get_config() == g.get_config()
    assert clone.get_config()["output_mode"] == mode
    x = _images((2, 32, 32, channels), 3)
    g.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(g(x)), atol=1e-6)
    export_generator(g, tmp_path / "saved")
    served = load_exported(tmp_path / "saved")
    np.testing.assert_allclose(
        np.asarray(served.serve(tf.constant(x))), np.asarray(g(x, training=False)), atol=1e-5
    )


# --- losses ---------------------------------------------------------------------------------


def test_changed_pixels_marks_what_the_input_changed():
    targets = np.zeros((1, 2, 2, 3), "float32")
    inputs = targets.copy()
    inputs[0, 0, 1, 2] = 0.5  # one channel of one pixel
    inputs[0, 1, 1] = 0.5 / 127.5  # below one uint8 step: unchanged
    expected = np.array([[0.0, 1.0], [0.0, 0.0]], "float32").reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(changed_pixels(inputs, targets), expected)
    gray = np.full((1, 2, 2, 1), 0.2, "float32")
    colour = np.full((1, 2, 2, 3), 0.2, "float32")
    colour[0, 1, 0, 0] = -0.2
    assert float(np.sum(changed_pixels(gray, colour))) == 1.0


def test_weighted_l1_weights_each_pixel():
    target = np.zeros((1, 1, 2, 1), "float32")
    generated = np.array([0.2, 0.4], "float32").reshape(1, 1, 2, 1)
    assert float(weighted_l1_loss(target, generated, np.ones((1, 1, 2, 1)))) == pytest.approx(
        float(l1_loss(target, generated))
    )
    weights = np.array([1.0, 5.0], "float32").reshape(1, 1, 2, 1)
    assert float(weighted_l1_loss(target, generated, weights)) == pytest.approx((0.2 + 2.0) / 2)


def test_feature_matching_is_zero_for_equal_features_and_blocks_real_gradients():
    real = [tf.ones((1, 4, 4, 2)), tf.zeros((1, 2, 2, 3))]
    assert float(feature_matching_loss(real, real)) == 0.0
    fake = [tf.Variable(tf.zeros((1, 4, 4, 2))), tf.Variable(tf.zeros((1, 2, 2, 3)))]
    real_vars = [tf.Variable(r) for r in real]
    with tf.GradientTape() as tape:
        loss = feature_matching_loss(real_vars, fake)
    assert float(loss) == pytest.approx(0.5)  # layer means 1 and 0
    grads = tape.gradient(loss, [*real_vars, *fake])
    assert grads[0] is None and grads[1] is None
    assert float(tf.reduce_sum(tf.abs(grads[2]))) > 0
    with pytest.raises(ValueError, match="same non-empty list"):
        feature_matching_loss(real, real[:1])


def _model(changed_weight=0.0, feature_matching_weight=0.0, mode="composite", mask_weight=0.0):
    g = UNetGenerator(image_size=(32, 32), depth=5, base_filters=4, output_mode=mode, seed=0)
    d = PatchDiscriminator(image_size=(32, 32), base_filters=4, n_layers=2)
    return Pix2Pix(
        g,
        d,
        changed_weight=changed_weight,
        feature_matching_weight=feature_matching_weight,
        mask_weight=mask_weight,
    )


def test_changed_weight_scales_the_l1_on_changed_pixels_only():
    targets = _images((2, 32, 32, 3), 4)
    inputs = targets.copy()
    inputs[:, 8:16, 8:16] = 1.0  # the "occlusion"
    inputs, targets = tf.constant(inputs), tf.constant(targets)
    model = _model(changed_weight=3.0)
    generated = model.generator(inputs, training=False)
    losses = model._pix2pix_losses(inputs, targets, generated, training=False)
    error = np.abs(targets.numpy() - np.asarray(generated))
    weights = np.ones((2, 32, 32, 1), "float32")
    weights[:, 8:16, 8:16] = 4.0
    assert float(losses["g_l1"]) == pytest.approx(float(np.mean(weights * error)), rel=1e-5)
    plain = _model()._pix2pix_losses(inputs, targets, generated, training=False)
    assert float(plain["g_l1"]) == pytest.approx(float(np.mean(error)), rel=1e-5)


def test_feature_matching_and_changed_weight_train_save_and_reload(tmp_path):
    model = _model(changed_weight=4.0, feature_matching_weight=10.0)
    model.compile()
    x = _images((4, 32, 32, 3), 5)
    y = _images((4, 32, 32, 3), 6)
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0).history
    assert "g_fm" in history and np.isfinite(history["g_fm"][0]) and history["g_fm"][0] > 0
    assert all(np.isfinite(v[0]) for v in history.values())
    # The features model shares the discriminator's weights: nothing is saved twice.
    assert len(model.weights) == len(model.generator.weights) + len(model.discriminator.weights)
    assert "g_fm" not in _model().loss_trackers
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.changed_weight == 4.0 and loaded.feature_matching_weight == 10.0
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)


def test_negative_loss_weights_are_refused():
    with pytest.raises(ValueError, match="must be >= 0"):
        _model(changed_weight=-1.0)
    with pytest.raises(ValueError, match="must be >= 0"):
        _model(mask_weight=-1.0)


def test_mask_loss_is_the_cross_entropy_of_the_changed_pixels():
    changed = np.array([1.0, 0.0, 1.0, 0.0], "float32").reshape(1, 2, 2, 1)
    mask = np.array([0.9, 0.2, 0.6, 0.0], "float32").reshape(1, 2, 2, 1)
    expected = -np.mean([np.log(0.9), np.log(0.8), np.log(0.6), np.log(1 - 1e-6)])
    assert float(mask_loss(changed, mask)) == pytest.approx(expected, rel=1e-5)
    assert float(mask_loss(changed, changed)) < 1e-5  # a perfect mask costs (almost) nothing


def test_mask_weight_teaches_the_blend_mask_where_the_input_changed():
    targets = _images((8, 32, 32, 3), 7)
    inputs = targets.copy()
    inputs[:, 8:20, 4:16] = -1.0  # a black rectangle
    changed = np.asarray(changed_pixels(inputs, targets))[..., 0] > 0
    model = _model(mask_weight=10.0)
    mask_of = keras.Model(model.generator.input, model.generator.get_layer("blend_mask").output)

    def contrast():  # mean mask inside the occlusion minus outside
        mask = np.asarray(mask_of(inputs, training=False))[..., 0]
        return mask[changed].mean() - mask[~changed].mean()

    before = contrast()
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    history = model.fit(inputs, targets, batch_size=4, epochs=20, verbose=0).history
    assert history["g_mask"][-1] < history["g_mask"][0]
    assert contrast() > before + 0.2
    # The mask model shares the generator's weights: nothing is saved twice.
    assert len(model.weights) == len(model.generator.weights) + len(model.discriminator.weights)
    assert "g_mask" not in _model().loss_trackers


def test_disc_filters_set_the_discriminator_width_only(tmp_path):
    from pix2pix_tf.training import build_model

    args = ["train", "--task", "mugshot", "--out", str(tmp_path), "--image-size", "32"]
    args += ["--base-filters", "8"]
    assert _train_config(parser().parse_args(args)).disc_filters is None
    config = _train_config(parser().parse_args([*args, "--disc-filters", "4"]))
    model = build_model(config)
    assert model.generator.base_filters == 8 and model.discriminator.base_filters == 4
    with pytest.raises(ValueError, match="disc_filters must be a positive integer"):
        TrainConfig(disc_filters=0)


def test_mask_weight_needs_a_composite_generator():
    with pytest.raises(ValueError, match="output_mode='composite'"):
        _model(mode="residual", mask_weight=1.0)
    with pytest.raises(ValueError, match="output_mode='composite'"):
        TrainConfig(task="occlusion", image_size=(32, 32), mask_weight=1.0)


# --- recipes and the command line -----------------------------------------------------------


def test_occlusion_recipe_is_the_default_of_the_task_not_of_trainconfig():
    config = TrainConfig.for_task("occlusion")
    for field, value in OCCLUSION_RECIPE.items():
        assert getattr(config, field) == value
    assert TrainConfig(task="occlusion").output_mode == "direct"  # the paper's
    assert TrainConfig.for_task("occlusion-mask").output_mode == OCCLUSION_RECIPE["output_mode"]
    assert TrainConfig.for_task("occlusion", batch_size=3).batch_size == 3
    assert TrainConfig.for_task("mugshot") == TrainConfig(task="mugshot")


def test_train_command_uses_the_recipe_for_options_left_out(tmp_path):
    args = parser().parse_args(["train", "--task", "occlusion", "--out", str(tmp_path)])
    assert _train_config(args) == TrainConfig.for_task("occlusion")
    given = ["--batch-size", "1", "--output-mode", "direct", "--lr", "2e-4"]
    args = parser().parse_args(["train", "--task", "occlusion", "--out", str(tmp_path), *given])
    config = _train_config(args)
    assert (config.batch_size, config.output_mode, config.learning_rate) == (1, "direct", 2e-4)
    assert config.gan_mode == OCCLUSION_RECIPE["gan_mode"]
    # The recipe's hole L1 and its weight go with its find-fill output.
    assert (config.l1_weight, config.hole_l1) == (TrainConfig().l1_weight, False)
    args = parser().parse_args(["train", "--task", "mugshot", "--out", str(tmp_path)])
    assert _train_config(args) == TrainConfig(task="mugshot")


# --- time budget ----------------------------------------------------------------------------


def test_time_budget_stops_fit_after_the_batch_it_runs_out_in():
    model = _model()
    model.compile()
    x = _images((8, 32, 32, 3), 7)
    budget = TimeBudget(0.0)
    model.fit(x, x, batch_size=2, epochs=3, callbacks=[budget], verbose=0)
    assert budget.stopped and budget.steps == 1
    assert int(model.g_optimizer.iterations.numpy()) == 1


def test_train_with_max_minutes_stops_then_checkpoints_evaluates_and_exports(tmp_path):
    config = TrainConfig.for_task(
        "occlusion",
        image_size=(32, 32),
        num_faces=20,
        base_filters=4,
        batch_size=2,
        epochs=5,
        max_minutes=1e-6,
    )
    _, metrics = train(config, tmp_path, verbose=0)
    assert metrics["stopped_by_time_budget"] is True
    assert metrics["steps"] == 1
    assert (tmp_path / "checkpoints" / "epoch_0001.keras").is_file()
    assert (tmp_path / "saved_model").is_dir()
    assert np.isfinite(metrics["psnr"])
    with pytest.raises(ValueError, match="max_minutes must be positive"):
        TrainConfig.for_task("occlusion", max_minutes=0)


# --- the quality benchmark ------------------------------------------------------------------


def _rows(model_psnr):
    rows = []
    for group, (psnr_in, psnr_telea, ssim_in) in {
        "mask": (17.0, 25.0, 0.80),
        "full": (11.0, 16.0, 0.60),
    }.items():
        rows.append({"method": "model", "group": group, "ssim": 0.95, "psnr": model_psnr[group]})
        rows.append({"method": "input", "group": group, "ssim": ssim_in, "psnr": psnr_in})
        rows.append({"method": "telea", "group": group, "ssim": 0.9, "psnr": psnr_telea})
    return rows


def test_quality_targets_need_every_group_to_beat_both_baselines():
    table = quality.quality_table(_rows({"mask": 30.0, "full": 26.0}))
    assert table[-1]["group"] == quality.MEAN_ROW
    assert table[-1]["model psnr"] == pytest.approx(28.0)
    assert all(quality.targets_hold(table, "occlusion").values())
    table = quality.quality_table(_rows({"mask": 40.0, "full": 15.0}))  # mean 27.5
    checks = quality.targets_hold(table, "occlusion")
    assert checks["mean PSNR >= 27 dB"] and not checks["PSNR above telea in every group"]


def test_ablation_table_replaces_only_its_block(tmp_path):
    page = tmp_path / "quality.md"
    page.write_text(
        "# Quality\n\nintro\n\n<!-- ablation:begin -->\nold\n<!-- ablation:end -->\nend\n"
    )

    class Args:
        data, task, image_size, minutes, steps, eval_images = (
            "faces/",
            "occlusion",
            64,
            3.0,
            None,
            100,
        )

    quality.write_doc(page, Args, [{"variant": "recipe", "SSIM": 0.9, "PSNR": 25.0}])
    text = page.read_text()
    assert "old" not in text and "| recipe | 0.900 | 25.00 |" in text
    assert text.startswith("# Quality\n\nintro") and text.endswith("end\n")


def test_train_command_of_the_benchmark_passes_the_budget():
    command = quality.train_command(
        "occlusion", "faces", "out", 128, 25.0, 0, ["--batch-size", "4"]
    )
    assert command[:2] == ["pix2pix-tf", "train"]
    assert command[command.index("--max-minutes") + 1] == "25"
    assert command[-2:] == ["--batch-size", "4"]
    parsed = parser().parse_args(command[1:])
    assert parsed.max_minutes == 25.0 and parsed.image_size == [128]
    by_steps = quality.train_command("occlusion", "faces", "out", 64, 25.0, 0, [], steps=150)
    parsed = parser().parse_args(by_steps[1:])
    assert parsed.steps == 150 and parsed.max_minutes is None
