import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.blocks import (
    BatchNorm,
    Dropout,
    RepeatPixels2x,
    downsample,
    normalization,
    repeat_pixels_2x,
    set_inference_mode,
    upsample,
)


@pytest.mark.parametrize("norm", ["batch", "instance", "none"])
def test_downsample_halves_and_upsample_doubles(norm):
    x = keras.Input((32, 48, 3))
    down = downsample(x, 8, "d", norm=norm)
    up = upsample(down, 4, "u", norm=norm, dropout=0.5)
    model = keras.Model(x, [down, up])
    a, b = model(np.zeros((2, 32, 48, 3), "float32"))
    assert a.shape == (2, 16, 24, 8)
    assert b.shape == (2, 32, 48, 4)
    names = [layer.name for layer in model.layers]
    assert "d_conv" in names and "u_deconv" in names
    assert ("d_norm" in names) == (norm != "none")


def test_unknown_norm_is_a_clear_error():
    with pytest.raises(ValueError, match="norm must be one of"):
        normalization("layer", "n")


def test_instance_norm_normalises_each_image_and_channel():
    layer = normalization("instance", "n")
    x = np.random.default_rng(0).normal(3.0, 5.0, (2, 8, 8, 4)).astype("float32")
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-2)


def test_batch_stats_at_inference_leaves_moving_averages_alone():
    layer = BatchNorm(batch_stats_at_inference=True)
    x = np.random.default_rng(0).normal(5.0, 2.0, (4, 3, 3, 2)).astype("float32")
    layer.build(x.shape)
    before = [np.asarray(v).copy() for v in (layer.moving_mean, layer.moving_variance)]
    y = np.asarray(layer(x, training=False))
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)  # batch statistics
    after = [np.asarray(v) for v in (layer.moving_mean, layer.moving_variance)]
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a, b)
    layer.batch_stats_at_inference = False
    y = np.asarray(layer(x, training=False))
    assert y.mean() > 4.0  # moving mean 0, variance 1: the input passes almost unchanged


def test_dropout_active_at_inference_only_when_asked():
    layer = Dropout(0.5, seed=1)
    x = np.ones((1, 100), "float32")
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    layer.active_at_inference = True
    assert (np.asarray(layer(x, training=False)) == 0).sum() > 10


def test_set_inference_mode_switches_every_layer_and_rejects_unknown():
    x = keras.Input((8, 8, 3))
    model = keras.Model(x, upsample(downsample(x, 4, "d"), 4, "u", dropout=0.5))
    set_inference_mode(model, "paper")
    flags = [
        getattr(layer, "batch_stats_at_inference", None)
        or getattr(layer, "active_at_inference", None)
        for layer in model.layers
        if isinstance(layer, (BatchNorm, Dropout))
    ]
    assert flags and all(flags)
    with pytest.raises(ValueError, match="inference mode"):
        set_inference_mode(model, "eval")


def test_dropout_noise_continues_after_save_and_load(tmp_path):
    x = keras.Input((64,))
    model = keras.Model(x, Dropout(0.5, seed=3, name="drop")(x))
    ones = np.ones((1, 64), "float32")
    model(ones, training=True)  # advance the noise past its first mask
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(
        np.asarray(loaded(ones, training=True)), np.asarray(model(ones, training=True))
    )


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_repeat_pixels_is_upsampling2d_and_keeps_the_channel_count(dtype):
    x = np.random.default_rng(0).normal(size=(2, 5, 7, 3)).astype("float32")
    x = keras.ops.cast(x, dtype)
    expected = keras.ops.repeat(keras.ops.repeat(x, 2, axis=1), 2, axis=2)
    got = repeat_pixels_2x(x)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(keras.ops.cast(got, "float32")),
        keras.ops.convert_to_numpy(keras.ops.cast(expected, "float32")),
    )
    layer = RepeatPixels2x()
    assert layer.compute_output_shape((None, None, 8, 3)) == (None, None, 16, 3)
    inputs = keras.Input((None, None, 3))
    assert layer(inputs).shape == (None, None, None, 3)
    # In a graph of any size the channel count stays known (UpSampling2D's did not).
    traced = tf.function(repeat_pixels_2x).get_concrete_function(
        tf.TensorSpec((None, None, None, 3))
    )
    assert traced.structured_outputs.shape.as_list() == [None, None, None, 3]
