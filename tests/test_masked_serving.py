"""Mask-given inpainting served: the masked signatures, runners, `predict --mask`, `serve`."""

import importlib.util

import cv2
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.cli import main
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.serving import runtimes
from pix2pix_tf.serving.export import export_generator, read_metadata
from pix2pix_tf.serving.predict import read_image, read_mask
from pix2pix_tf.serving.server import PredictionServer


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


def _write(path, image):
    """An RGB or gray uint8 array as an image file (format from the suffix)."""
    if image.ndim == 3 and image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), image)
    return path


def test_read_mask_takes_any_bright_channel_of_gray_or_colour(tmp_path):
    colour = np.zeros((12, 16, 3), np.uint8)
    colour[2:5, 3:9] = (255, 0, 0)  # red paint
    colour[7:10, 3:9] = (100, 100, 100)  # dark grey: keep
    mask = read_mask(_write(tmp_path / "colour.png", colour))
    assert mask.shape == (12, 16, 1) and mask.dtype == np.uint8
    assert set(np.unique(mask)) == {0, 255}
    np.testing.assert_array_equal(mask[..., 0] > 0, colour.max(-1) > 127)
    gray = np.zeros((12, 16), np.uint8)
    gray[1:3, 1:3] = 128
    read = read_mask(_write(tmp_path / "g.bmp", gray))[..., 0]
    np.testing.assert_array_equal(read, np.where(gray > 127, 255, 0))


def _expected(masked, photo, mask):
    runner = runtimes.open_exported(masked, "tensorflow")
    return runner.serve_uint8(read_image(photo, 3)[None], read_mask(mask)[None])[0]


def test_predict_with_a_mask_file(masked, tmp_path):
    photos, masks = _photos_and_masks()
    photo = _write(tmp_path / "photo.png", photos[0])
    mask = _write(tmp_path / "painted.png", masks[0, ..., 0])
    out = tmp_path / "out"
    argv = ["predict", str(masked), str(photo), "--mask", str(mask), "--out", str(out)]
    assert main([*argv, "--runtime", "tensorflow"]) == 0
    written = cv2.cvtColor(cv2.imread(str(out / "photo.png")), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(written, _expected(masked, photo, mask))
    unmasked = runtimes.open_exported(masked, "tensorflow").serve_uint8(photos[:1], 0 * masks[:1])
    assert not np.array_equal(written, unmasked[0])


def test_predict_with_a_folder_of_masks_matched_by_name(masked, tmp_path, capsys):
    photos, masks = _photos_and_masks()
    (tmp_path / "photos").mkdir()
    (tmp_path / "masks").mkdir()
    first = _write(tmp_path / "photos" / "anna.jpg", photos[0])
    second = _write(tmp_path / "photos" / "ben.png", photos[1])
    mask_a = _write(tmp_path / "masks" / "anna.png", masks[0, ..., 0])
    painted = np.zeros((21, 30, 3), np.uint8)
    painted[2:8, 10:25] = (0, 0, 255)  # blue paint on a colour mask
    mask_b = _write(tmp_path / "masks" / "ben.bmp", painted)
    out = tmp_path / "out"
    argv = ["predict", str(masked), str(first), str(second), "--out", str(out)]
    assert main([*argv, "--mask", str(tmp_path / "masks")]) == 0
    for photo, mask in ((first, mask_a), (second, mask_b)):
        written = cv2.cvtColor(cv2.imread(str(out / f"{photo.stem}.png")), cv2.COLOR_BGR2RGB)
        np.testing.assert_array_equal(written, _expected(masked, photo, mask))

    third = _write(tmp_path / "photos" / "cleo.png", photos[0])
    out = tmp_path / "out2"
    argv = ["predict", str(masked), str(first), str(third), "--out", str(out)]
    assert main([*argv, "--mask", str(tmp_path / "masks")]) == 2
    error = capsys.readouterr().err
    assert "no mask for 1 photo(s)" in error and "cleo.png (cleo.*)" in error
    assert "anna" not in error.split("photo(s):")[1]
    assert not out.exists()
    # A folder of photos is not its own folder of masks.
    assert main([*argv, "--mask", str(tmp_path / "photos")]) == 2
    assert "no mask for 2 photo(s)" in capsys.readouterr().err


def test_predict_refuses_a_mask_of_another_size(masked, tmp_path, capsys):
    photos, masks = _photos_and_masks()
    photo = _write(tmp_path / "photo.png", photos[0])
    mask = _write(tmp_path / "mask.png", masks[0, :, :25, 0])
    out = tmp_path / "out"
    argv = ["predict", str(masked), str(photo), "--mask", str(mask), "--out", str(out)]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "mask.png is 25x21 pixels" in error and "photo.png 30x21" in error
    assert "same size" in error and not out.exists()


def test_predict_refuses_a_mask_for_a_model_without_one_and_the_reverse(
    masked, plain, tmp_path, capsys
):
    photos, masks = _photos_and_masks()
    photo = _write(tmp_path / "photo.png", photos[0])
    mask = _write(tmp_path / "mask.png", masks[0, ..., 0])
    out = str(tmp_path / "out")
    assert main(["predict", str(plain), str(photo), "--mask", str(mask), "--out", out]) == 2
    assert "takes no mask" in capsys.readouterr().err
    assert main(["predict", str(masked), str(photo), "--out", out]) == 2
    assert "pass --mask FILE|DIR" in capsys.readouterr().err
    other = _write(tmp_path / "other.png", photos[1])
    argv = ["predict", str(masked), str(photo), str(other), "--mask", str(mask), "--out", out]
    assert main(argv) == 2
    assert "one file for 2 photos" in capsys.readouterr().err
    argv = ["predict", str(masked), str(photo), "--mask", str(tmp_path / "nope.png"), "--out", out]
    assert main(argv) == 2
    assert "No mask at" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_serve_reads_masks_as_predict_does(masked):
    server = PredictionServer(runtimes.open_exported(masked, "tensorflow"), "127.0.0.1", 0)
    try:
        photos, _ = _photos_and_masks()
        painted = np.zeros((21, 30, 3), np.uint8)
        painted[3:9, 5:12] = (0, 200, 0)  # green paint, dark as gray (118): still a fill
        photo_png = cv2.imencode(".png", cv2.cvtColor(photos[0], cv2.COLOR_RGB2BGR))[1]
        mask_png = cv2.imencode(".png", painted)[1]
        output, count = server.predict(photo_png.tobytes(), mask_png.tobytes())
        assert count == 6 * 7
        expected = server.runner.serve_uint8(photos[:1], (painted.max(-1) > 127)[None])
        np.testing.assert_array_equal(output, expected[0])
    finally:
        server.server_close()
