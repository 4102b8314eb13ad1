import keras
import numpy as np
import pytest

from pix2pix_tf.models.discriminators import PatchDiscriminator, receptive_field
from pix2pix_tf.models.generators import UNetGenerator


def test_unet_shapes_square_rectangular_and_gray():
    g = UNetGenerator(image_size=(32, 32), depth=5, base_filters=8)
    assert g(np.zeros((2, 32, 32, 3), "float32")).shape == (2, 32, 32, 3)
    g = UNetGenerator(image_size=(64, 48), input_channels=1, depth=4, base_filters=8)
    out = np.asarray(g(np.zeros((2, 64, 48, 1), "float32")))
    assert out.shape == (2, 64, 48, 3)
    assert out.min() >= -1.0 and out.max() <= 1.0


def test_unet_paper_defaults_match_the_reference_size():
    g = UNetGenerator()
    trainable = sum(int(np.prod(v.shape)) for v in g.trainable_weights)
    # The reference implementation reports 54.414M for unet_256 (trainable only).
    assert 54.40e6 < trainable < 54.42e6
    names = [layer.name for layer in g.layers]
    assert len([n for n in names if n.startswith("down") and n.endswith("conv")]) == 8


def test_unet_size_that_does_not_fit_depth_says_what_to_do():
    with pytest.raises(ValueError, match=r"multiples of 2\*\*5 = 32.*Resize \(40 -> 32\)"):
        UNetGenerator(image_size=(40, 64), depth=5)


def test_unet_config_round_trip_and_keras_file(tmp_path):
    g = UNetGenerator(
        image_size=(32, 64), input_channels=1, depth=4, base_filters=4, norm="instance"
    )
    clone = UNetGenerator.from_config(g.get_config())
    assert clone.get_config() == g.get_config()
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 64, 1)).astype("float32")
    g.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(g(x)), atol=1e-6)


def test_unet_accepts_any_fitting_size_when_image_size_is_none():
    g = UNetGenerator(image_size=None, depth=3, base_filters=4)
    assert g(np.zeros((1, 24, 40, 3), "float32")).shape == (1, 24, 40, 3)


@pytest.mark.parametrize("n_layers, size, patches", [(3, 256, 30), (2, 64, 14), (0, 32, 32)])
def test_patch_discriminator_patch_grid(n_layers, size, patches):
    d = PatchDiscriminator(image_size=(size, size), base_filters=4, n_layers=n_layers)
    x = np.zeros((1, size, size, 3), "float32")
    assert d([x, x]).shape == (1, patches, patches, 1)


def test_receptive_field_of_the_default_patchgan_is_70():
    assert receptive_field(3) == 70
    assert receptive_field(1) == 16


def test_discriminator_takes_different_input_and_target_channels(tmp_path):
    d = PatchDiscriminator(
        image_size=(32, 32), input_channels=1, target_channels=3, base_filters=4, n_layers=2
    )
    out = d([np.zeros((2, 32, 32, 1), "float32"), np.zeros((2, 32, 32, 3), "float32")])
    assert out.shape == (2, 6, 6, 1)
    assert PatchDiscriminator.from_config(d.get_config()).get_config() == d.get_config()
