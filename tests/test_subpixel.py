"""The decoder's transposed convolutions as convolutions (the int8 IR's source)."""

import keras
import numpy as np
import pytest

from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.resnet_generator import ResnetGenerator
from pix2pix_tf.serving.export import serving_functions
from pix2pix_tf.serving.subpixel import (
    SubPixelConv2DTranspose,
    rewritable,
    with_subpixel_decoder,
)


@pytest.mark.parametrize("shape", [(2, 5, 7, 6), (1, 1, 1, 3), (3, 8, 4, 1)])
@pytest.mark.parametrize("bias, activation", [(False, None), (True, "tanh")])
def test_it_computes_what_the_transposed_convolution_computes(shape, bias, activation):
    rng = np.random.default_rng(0)
    options = dict(strides=2, padding="same", use_bias=bias, activation=activation)
    transposed = keras.layers.Conv2DTranspose(5, 4, **options)
    subpixel = SubPixelConv2DTranspose(5, 4, **options)
    x = rng.normal(size=shape).astype("float32")
    transposed(x), subpixel(x)
    weights = [rng.normal(size=w.shape).astype("float32") for w in transposed.get_weights()]
    transposed.set_weights(weights)
    subpixel.set_weights(weights)
    expected = np.asarray(transposed(x))
    assert expected.shape == (shape[0], 2 * shape[1], 2 * shape[2], 5)
    np.testing.assert_allclose(np.asarray(subpixel(x)), expected, atol=1e-5)


def test_only_the_paper_kernel_is_rewritten():
    assert rewritable(keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same"))
    for other in (
        keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same"),  # the ResNet's
        keras.layers.Conv2DTranspose(4, 4, strides=2, padding="valid"),
        keras.layers.Conv2DTranspose(4, 4, strides=1, padding="same"),
        keras.layers.Conv2D(4, 4, strides=2, padding="same"),
    ):
        assert not rewritable(other)


@pytest.mark.parametrize("output_mode", ["direct", "composite", "inpaint"])
def test_a_rewritten_unet_gives_the_same_images_and_shares_its_other_layers(output_mode):
    g = UNetGenerator(
        image_size=None,
        depth=3,
        base_filters=4,
        output_mode=output_mode,
        input_channels=4 if output_mode == "inpaint" else 3,
        seed=1,
    )
    rewritten = with_subpixel_decoder(g)
    kinds = [type(layer) for layer in rewritten.layers]
    assert keras.layers.Conv2DTranspose not in kinds
    assert kinds.count(SubPixelConv2DTranspose) == sum(map(rewritable, g.layers)) >= 3
    kept = {id(layer) for layer in g.layers if layer.weights and not rewritable(layer)}
    assert kept <= {id(layer) for layer in rewritten.layers}  # the same variables
    x = np.random.default_rng(2).uniform(-1, 1, (2, 24, 40, g.input_channels))
    x = x.astype("float32")
    np.testing.assert_allclose(np.asarray(rewritten(x)), np.asarray(g(x)), atol=1e-5)


def test_networks_with_nothing_to_rewrite_are_returned_as_they_are():
    resize = UNetGenerator(image_size=None, depth=3, base_filters=4, upsampling="resize")
    resnet = ResnetGenerator(image_size=None, n_blocks=1, base_filters=4)
    assert with_subpixel_decoder(resize) is resize
    assert with_subpixel_decoder(resnet) is resnet


def test_the_subpixel_serving_function_matches_the_plain_one_at_odd_sizes():
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, seed=3)
    _, serve, _ = serving_functions(g)
    _, serve_subpixel, _ = serving_functions(g, subpixel_decoder=True)
    x = np.random.default_rng(3).uniform(-1, 1, (2, 37, 21, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(serve_subpixel(x)), np.asarray(serve(x)), atol=1e-5)
