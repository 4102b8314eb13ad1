"""Mask-given inpainting served: the masked signatures and the runners of every format."""

import importlib.util

import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.serving import runtimes
from pix2pix_tf.serving.export import export_generator, read_metadata


def _generator(input_channels=4):
    return UNetGenerator(
        image_size=(32, 32),
        input_channels=input_channels,
        output_channels=3,
        output_mode="direct",
        depth=3,
        base_filters=4,
        seed=3,
    )


def _formats():
    """The SavedModel and every conversion whose packages are installed."""
    formats = ["savedmodel", "tflite"]
    if runtimes.installed("openvino"):
        formats.append("openvino")
    if runtimes.installed("onnxruntime") and importlib.util.find_spec("tf2onnx"):
        formats.append("onnx")
    return formats


@pytest.fixture(scope="module")
def masked(tmp_path_factory):
    path = tmp_path_factory.mktemp("masked") / "export"
    return export_generator(_generator(), path, formats=_formats(), mask_input=True)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return export_generator(_generator(3), tmp_path_factory.mktemp("plain") / "export")


def _photos_and_masks(shape=(2, 21, 30)):
    rng = np.random.default_rng(0)
    photos = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    masks = np.zeros((*shape, 1), np.uint8)
    masks[:, 4:14, 6:20] = 255
    return photos, masks


def test_masked_signatures_equal_the_plain_ones_on_the_concatenation(masked, plain):
    served = tf.saved_model.load(str(masked))
    photos, masks = _photos_and_masks()
    expected = served.serve_uint8(np.concatenate([photos, masks], -1)).numpy()
    got = served.serve_masked_uint8(photos, masks).numpy()
    assert got.shape == (2, 21, 30, 3)
    np.testing.assert_array_equal(got, expected)
    unmasked = served.serve_uint8(np.concatenate([photos, 0 * masks], -1)).numpy()
    assert not np.array_equal(expected, unmasked)  # the mask reaches the model
    # Any uint8 mask is thresholded at 127, as the files `predict --mask` reads.
    grey = np.where(masks > 0, 200, 100).astype(np.uint8)
    np.testing.assert_array_equal(served.serve_masked_uint8(photos, grey).numpy(), expected)

    floats, fill = photos / np.float32(127.5) - 1, (masks / 255).astype("float32")
    concatenated = np.concatenate([floats, 2 * fill - 1], -1)
    expected_float = served.serve(concatenated).numpy()
    np.testing.assert_allclose(served.serve_masked(floats, fill).numpy(), expected_float, atol=1e-6)
    np.testing.assert_allclose(
        served.serve_masked(floats, 0.3 + 0.4 * fill).numpy(), expected_float, atol=1e-6
    )

    metadata = read_metadata(masked)
    assert metadata["mask_input"] is True
    assert {"serve_masked", "serve_masked_uint8"} <= set(metadata["signatures"])
    assert not hasattr(tf.saved_model.load(str(plain)), "serve_masked")
    assert "serve_masked" not in read_metadata(plain)["signatures"]


def test_masked_signatures_refuse_masks_of_another_size(masked):
    served = tf.saved_model.load(str(masked))
    photos, masks = _photos_and_masks()
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch, height and width"):
        served.serve_masked_uint8(photos, masks[:, :20])
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch, height and width"):
        served.serve_masked_uint8(photos, masks[:1])
    with pytest.raises((ValueError, TypeError)):
        served.serve_masked_uint8(photos, np.concatenate([masks, masks], -1))


@pytest.mark.parametrize("runtime", runtimes.PREFERENCE)
def test_every_runtime_takes_the_mask_apart_or_concatenated(masked, runtime):
    if runtime not in runtimes.available(masked):
        pytest.skip(f"{runtime} is not installed")
    reference = tf.saved_model.load(str(masked))
    runner = runtimes.open_exported(masked, runtime)
    photos, masks = _photos_and_masks()
    got = runner.serve_uint8(photos, masks)
    expected = reference.serve_masked_uint8(photos, masks).numpy()
    assert got.shape == expected.shape and got.dtype == np.uint8
    # The same arithmetic; a float difference of 1e-5 may still round one level apart.
    assert np.abs(got.astype(int) - expected).max() <= 1
    np.testing.assert_array_equal(runner.serve_uint8(np.concatenate([photos, masks], -1)), got)
    np.testing.assert_array_equal(runner.serve_uint8(photos, masks[..., 0] > 0), got)
    floats, fill = photos / np.float32(127.5) - 1, (masks / 255).astype("float32")
    np.testing.assert_allclose(
        runner.serve(floats, fill), reference.serve_masked(floats, fill).numpy(), atol=1e-4
    )


def test_runners_say_what_is_wrong_with_a_mask(masked, plain):
    runner = runtimes.open_exported(masked, "tensorflow")
    photos, masks = _photos_and_masks()
    with pytest.raises(ValueError, match="fills in a mask: pass masks"):
        runner.serve_uint8(photos)
    with pytest.raises(ValueError, match=r"masks must be \(batch, height, width, 1\).*21, 30"):
        runner.serve_uint8(photos, masks[:, :, :29])
    with pytest.raises(ValueError, match="masks must be"):
        runner.serve_uint8(photos, np.concatenate([masks] * 3, -1))
    with pytest.raises(ValueError, match="the photos alone: 3 channels"):
        runner.serve_uint8(np.concatenate([photos, masks], -1), masks)
    with pytest.raises(ValueError, match="takes no mask"):
        runtimes.open_exported(plain, "tensorflow").serve_uint8(photos, masks)
    with pytest.raises(ValueError, match="takes 3 channels"):
        runtimes.open_exported(plain, "tensorflow").serve_uint8(photos[..., :2])
