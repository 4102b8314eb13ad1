import keras
import numpy as np
import pytest

from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.models.resnet_generator import ReflectionPadding2D, ResnetGenerator
from pix2pix_tf.serving.export import export_generator, load_exported

SIZE = 32


def tiny(**kwargs):
    return ResnetGenerator(image_size=(SIZE, SIZE), n_blocks=2, base_filters=4, **kwargs)


def test_the_paper_layout_six_and_nine_blocks():
    for blocks in (6, 9):
        g = ResnetGenerator(image_size=(64, 64), n_blocks=blocks, base_filters=8)
        assert len([layer for layer in g.layers if layer.name.endswith("_add")]) == blocks
        assert g.get_layer("c7s1_conv").kernel.shape == (7, 7, 3, 8)
        assert g.get_layer("down2_conv").output.shape == (None, 16, 16, 32)
        assert g.get_layer("output_image").kernel.shape == (7, 7, 8, 3)
        assert isinstance(g.get_layer("c7s1_norm"), keras.layers.GroupNormalization)


def test_output_shape_range_and_gray_input():
    g = tiny(input_channels=1, output_channels=3)
    x = np.random.default_rng(0).uniform(-1, 1, (2, SIZE, SIZE, 1)).astype("float32")
    y = np.asarray(g(x))
    assert y.shape == (2, SIZE, SIZE, 3) and np.all(np.abs(y) <= 1.0)


def test_reflection_padding_mirrors_without_repeating_the_edge():
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    y = np.asarray(ReflectionPadding2D(1)(x))[0, :, :, 0]
    assert y.shape == (5, 5)
    np.testing.assert_array_equal(y[1, :], [1, 0, 1, 2, 1])


def test_size_not_a_multiple_of_four_is_refused():
    with pytest.raises(ValueError, match="multiples of 2\\*\\*2"):
        ResnetGenerator(image_size=(30, 32))


def test_config_round_trip_and_keras_file_give_equal_outputs(tmp_path):
    g = tiny(dropout=0.5, seed=3)
    clone = ResnetGenerator.from_config(g.get_config())
    assert clone.get_config() == g.get_config()
    x = np.random.default_rng(1).uniform(-1, 1, (2, SIZE, SIZE, 3)).astype("float32")
    g.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras", safe_mode=True)
    assert isinstance(loaded, ResnetGenerator)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(g(x)), atol=1e-6)


def test_pix2pix_trains_with_it_and_the_export_matches_keras(tmp_path):
    g = tiny()
    d = PatchDiscriminator(image_size=(SIZE, SIZE), base_filters=4, n_layers=2, norm="instance")
    model = Pix2Pix(g, d)
    model.compile()
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, SIZE, SIZE, 3)).astype("float32")
    history = model.fit(x, -x, batch_size=2, epochs=2, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    served = load_exported(export_generator(model.generator, tmp_path / "export"))
    np.testing.assert_allclose(served.serve(x).numpy(), np.asarray(g(x, training=False)), atol=1e-5)
    # Any size: 36x44 is padded to 36x44's multiple of 4 and cropped back.
    odd = rng.integers(0, 255, (1, 37, 45, 3)).astype("uint8")
    assert served.serve_uint8(odd).shape == (1, 37, 45, 3)


def test_unet_export_still_uses_its_own_class(tmp_path):
    g = UNetGenerator(image_size=(SIZE, SIZE), depth=5, base_filters=4)
    served = load_exported(export_generator(g, tmp_path / "unet"))
    assert served.serve(np.zeros((1, 40, 40, 3), "float32")).shape == (1, 40, 40, 3)


def test_resize_upsampling_has_no_transposed_convolution_and_round_trips():
    g = tiny(upsampling="resize")
    kinds = {type(layer).__name__ for layer in g.layers}
    assert "Conv2DTranspose" not in kinds and "RepeatPixels2x" in kinds
    assert "Conv2DTranspose" in {type(layer).__name__ for layer in tiny().layers}
    clone = ResnetGenerator.from_config(g.get_config())
    assert clone.get_config()["upsampling"] == "resize"
    x = np.random.default_rng(4).uniform(-1, 1, (1, SIZE, SIZE, 3)).astype("float32")
    assert clone(x).shape == (1, SIZE, SIZE, 3)
    with pytest.raises(ValueError, match="upsampling"):
        tiny(upsampling="bilinear")
