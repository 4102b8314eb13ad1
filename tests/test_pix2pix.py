import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix

SIZE = 32


def tiny_model(input_channels=3, **kwargs):
    g = UNetGenerator(
        image_size=(SIZE, SIZE), input_channels=input_channels, depth=5, base_filters=8, seed=1
    )
    d = PatchDiscriminator(
        image_size=(SIZE, SIZE), input_channels=input_channels, base_filters=8, n_layers=2
    )
    return Pix2Pix(g, d, **kwargs)


def fixed_batch(channels=3):
    # Smooth gradients and their colour-inverted twin: easy to learn, but not the identity.
    ramp = np.linspace(-0.8, 0.8, SIZE, dtype="float32")
    yy, xx = np.meshgrid(ramp, ramp, indexing="ij")
    x = np.stack(
        [np.stack([xx, yy, xx * yy][:channels], -1), np.stack([yy, -xx, 0 * xx][:channels], -1)]
    )
    y = -np.repeat(x.mean(-1, keepdims=True), 3, -1) if channels == 1 else -x
    return x.astype("float32"), y.astype("float32")


def test_fit_on_a_fixed_batch_gives_finite_losses_and_decreasing_l1():
    model = tiny_model()
    model.compile()
    x, y = fixed_batch()
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    history = model.fit(data, steps_per_epoch=10, epochs=3, shuffle=False, verbose=0).history
    assert set(history) == {"g_total", "g_gan", "g_l1", "d"}
    for values in history.values():
        assert np.all(np.isfinite(values))
    assert np.all(np.diff(history["g_l1"]) < 0)
    assert history["g_l1"][-1] < 0.9 * history["g_l1"][0]
    assert int(model.g_optimizer.iterations) == 30 and int(model.d_optimizer.iterations) == 30


def test_evaluate_reports_losses_and_quality():
    model = tiny_model()
    model.compile()
    x, y = fixed_batch()
    results = model.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)
    assert {"ssim", "psnr", "l1", "g_l1", "d"} <= set(results)
    assert -1.0 <= results["ssim"] <= 1.0 and results["psnr"] > 0


def test_call_is_the_generator_and_gray_inputs_work():
    model = tiny_model(input_channels=1)
    x, _ = fixed_batch(channels=1)
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(model.generator(x)))
    assert model.predict(x, verbose=0).shape == (2, SIZE, SIZE, 3)


def test_optimizers_only_hold_their_own_network_state():
    model = tiny_model()
    model.compile()
    g_slots = sum(int(np.prod(v.shape)) for v in model.g_optimizer.variables)
    g_weights = sum(int(np.prod(v.shape)) for v in model.generator.trainable_variables)
    assert g_slots < 2 * g_weights + 100  # Adam's m and v of the generator, not of both


def test_paper_inference_mode_differs_and_leaves_the_model_unchanged():
    model = tiny_model()
    model.compile()
    x, y = fixed_batch()
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    standard = model.predict(x, verbose=0)
    paper = model.predict(x, verbose=0, inference_mode="paper")
    assert np.abs(standard - paper).max() > 1e-3
    np.testing.assert_array_equal(model.predict(x, verbose=0), standard)
    assert model.inference_mode == "standard"


def test_config_round_trip_and_keras_file_with_optimizer_state(tmp_path):
    model = tiny_model(l1_weight=50.0, gan_mode="lsgan", inference_mode="paper")
    model.compile()
    x, y = fixed_batch()
    model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    clone = Pix2Pix.from_config(model.get_config())
    assert (clone.l1_weight, clone.gan_mode, clone.inference_mode) == (50.0, "lsgan", "paper")
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    model.inference_mode = loaded.inference_mode = "standard"
    for m in (model, loaded):
        m.predict_function = None
        from pix2pix_tf.models.blocks import set_inference_mode

        set_inference_mode(m.generator, "standard")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations) == 2
    for a, b in zip(loaded.d_optimizer.variables, model.d_optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b))


def test_compile_rejects_single_optimizer_and_bad_settings():
    with pytest.raises(ValueError, match="g_optimizer and d_optimizer"):
        tiny_model().compile(optimizer="adam")
    with pytest.raises(ValueError, match="gan_mode"):
        tiny_model(gan_mode="hinge")
    with pytest.raises(ValueError, match="inference_mode"):
        tiny_model(inference_mode="eval")


def test_mixed_float16_wraps_optimizers_for_loss_scaling_and_trains():
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = tiny_model()
    model.compile()
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    x, y = fixed_batch()
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0).history
    assert np.isfinite(history["g_total"][0])
    assert model.predict(x, verbose=0).dtype == np.float32
