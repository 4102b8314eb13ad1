import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.find_fill import FindAndFillGenerator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.serving import runtimes
from pix2pix_tf.serving.export import (
    any_size_generator,
    export_generator,
    load_exported,
    pad_to_multiple,
    read_metadata,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, seed=3)
    # Non-trivial batch-norm statistics, so that "standard" and "paper" modes differ.
    for layer in g.layers:
        if hasattr(layer, "moving_mean"):
            layer.moving_mean.assign(np.full(layer.moving_mean.shape, 0.1, "float32"))
    path = tmp_path_factory.mktemp("export") / "generator"
    export_generator(g, path, tflite=True)
    return g, path


def test_pad_to_multiple_mirrors_and_keeps_the_image_centred():
    image = tf.reshape(tf.range(3 * 5, dtype=tf.float32), (1, 3, 5, 1))
    padded, (top, left) = pad_to_multiple(image, 8)
    assert padded.shape == (1, 8, 8, 1)
    np.testing.assert_array_equal(padded[:, top : top + 3, left : left + 5], image)
    tiny, _ = pad_to_multiple(tf.ones((1, 1, 2, 3)), 16)  # pads far longer than the image
    assert tiny.shape == (1, 16, 16, 3)


def test_saved_model_in_a_fresh_process_gives_the_keras_output(exported, tmp_path):
    generator, path = exported
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 37, 50, 3)).astype("float32")  # not a multiple of 16
    np.save(tmp_path / "x.npy", x)
    script = f"""
import numpy as np, tensorflow as tf
m = tf.saved_model.load({str(path)!r})
x = np.load({str(tmp_path / "x.npy")!r})
np.save({str(tmp_path / "y.npy")!r}, m.serve(x).numpy())
x8 = tf.constant(np.uint8(np.round((x + 1) * 127.5)))
np.save({str(tmp_path / "u.npy")!r}, m.serve_uint8(x8).numpy())
print(sorted(m.signatures.keys()))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "'serve', 'serve_uint8', 'serving_default'" in out.stdout  # no pix2pix_tf import there
    served = np.load(tmp_path / "y.npy")
    assert served.shape == (2, 37, 50, 3)
    padded, (top, left) = pad_to_multiple(tf.constant(x), 16)
    expected = np.asarray(any_size_generator(generator)(padded, training=False))[
        :, top : top + 37, left : left + 50
    ]
    np.testing.assert_allclose(served, expected, atol=1e-5)
    as_uint8 = np.load(tmp_path / "u.npy")
    assert as_uint8.dtype == np.uint8 and as_uint8.shape == (2, 37, 50, 3)
    assert np.abs(as_uint8.astype(float) - (expected + 1) * 127.5).max() < 2.0


def test_tflite_model_matches(exported):
    generator, path = exported
    x = np.random.default_rng(1).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    runner = tf.lite.Interpreter(str(path / "model.tflite")).get_signature_runner("serve")
    np.testing.assert_allclose(
        runner(images=x)["output_0"], generator(x, training=False), atol=1e-4
    )


def _trained_looking(generator):
    """Non-zero trainable weights: fresh output convolutions may start at zero."""
    rng = np.random.default_rng(4)
    for weight in generator.trainable_weights:
        weight.assign(rng.normal(0.0, 0.2, weight.shape).astype("float32"))
    return generator


@pytest.mark.parametrize(
    "build",
    [
        lambda: UNetGenerator((32, 32), depth=4, base_filters=4, upsampling="resize"),
        lambda: UNetGenerator((32, 32), depth=4, base_filters=4, output_mode="residual"),
        lambda: FindAndFillGenerator((32, 32), depth=4, base_filters=4),
    ],
    ids=["resize decoder", "residual output", "find-fill (the occlusion recipe)"],
)
def test_tflite_converts_and_runs_every_decoder_and_output_mode(tmp_path, build):
    # Resized decoders once failed to convert ('tf.Conv2D' is neither a custom op
    # nor a flex op: UpSampling2D lost the channel count), atanh has no TFLite
    # kernel, and XNNPACK fails on find-fill's any-size pyramid.
    generator = _trained_looking(build())
    path = export_generator(generator, tmp_path / "g", formats=["savedmodel", "tflite"])
    x = np.random.default_rng(5).uniform(-1, 1, (2, 40, 24, 3)).astype("float32")
    expected = runtimes.open_exported(path, "tensorflow").serve(x)
    assert np.abs(expected - x).max() > 0.05  # the network changed the image
    runner = runtimes.open_exported(path, "tflite")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.testing.assert_allclose(runner.serve(x), expected, atol=1e-4)
    if isinstance(generator, UNetGenerator):  # these must keep the fast delegate
        assert runner.xnnpack and not caught
    if not runner.xnnpack:
        assert runner.name == "tflite fp32 (builtin kernels)"
        assert any("builtin kernels" in str(w.message) for w in caught)


def test_metadata_describes_the_generator(exported):
    generator, path = exported
    meta = read_metadata(path)
    assert meta["generator"] == json.loads(json.dumps(generator.get_config()))
    assert meta["size_multiple"] == 16 and meta["inference_mode"] == "standard"


def test_paper_mode_export_differs_from_standard(exported, tmp_path):
    generator, path = exported
    export_generator(generator, tmp_path / "paper", inference_mode="paper")
    x = np.random.default_rng(2).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    # Keep the loaded objects: their variables die with them.
    standard_model, paper_model = load_exported(path), load_exported(tmp_path / "paper")
    standard, paper = standard_model.serve(x).numpy(), paper_model.serve(x).numpy()
    assert np.abs(standard - paper).max() > 1e-3


def test_loading_something_else_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a SavedModel directory"):
        load_exported(tmp_path)


def test_each_kind_of_wrong_saved_model_path_is_named(exported, tmp_path):
    _, path = exported
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_exported(tmp_path / "nope")
    (tmp_path / "epoch_0003.keras").write_bytes(b"PK")
    with pytest.raises(FileNotFoundError, match="is a Keras file.*pix2pix-tf export"):
        load_exported(tmp_path / "epoch_0003.keras")
    run = tmp_path / "run"
    (run / "saved_model").mkdir(parents=True)
    (run / "saved_model" / "saved_model.pb").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"is a training run.*run/saved_model"):
        load_exported(run)
    # A damaged SavedModel, and one that is not a generator.
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "saved_model.pb").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="cannot be loaded.*Export it again"):
        load_exported(tmp_path / "damaged")
    module = tf.Module()
    module.f = tf.function(lambda x: x, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "other"))
    with pytest.raises(ValueError, match="not a pix2pix_tf generator"):
        load_exported(tmp_path / "other")


def test_predict_checks_everything_before_writing(exported, tmp_path, capsys):
    from broken_files import jpeg_bytes, picture, truncated

    from pix2pix_tf.cli import main

    _, path = exported
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    good.write_bytes(jpeg_bytes(picture()))
    bad.write_bytes(truncated(jpeg_bytes(picture())))
    out = tmp_path / "predictions"
    assert main(["predict", str(path), str(good), str(bad), "--out", str(out)]) == 2
    assert "bad.jpg: truncated JPEG" in capsys.readouterr().err
    assert not out.exists()
    (tmp_path / "file").write_text("not a folder")
    argv = ["predict", str(path), str(good), "--out", str(tmp_path / "file" / "p")]
    assert main(argv) == 2
    assert "Cannot write the predictions" in capsys.readouterr().err
    argv = ["predict", str(tmp_path), str(good), "--out", str(out)]
    assert main(argv) == 2
    assert "not a SavedModel directory" in capsys.readouterr().err
    assert not out.exists()


def test_export_to_an_unwritable_place_fails_before_any_work(exported, tmp_path, monkeypatch):
    generator, _ = exported
    (tmp_path / "file").write_text("not a folder")
    traced = []
    monkeypatch.setattr(
        "pix2pix_tf.serving.export.any_size_generator", lambda g: traced.append(g) or generator
    )
    with pytest.raises(PermissionError, match="Cannot write the SavedModel"):
        export_generator(generator, tmp_path / "file" / "export")
    assert not traced, "the check must come before the generator is rebuilt and traced"


def test_a_failed_export_keeps_the_previous_one(exported, monkeypatch):
    generator, path = exported
    before = sorted(p.name for p in path.iterdir())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tf.lite.TFLiteConverter, "from_saved_model", broken)
    with pytest.raises(OSError, match="disk full"):
        export_generator(generator, path, tflite=True)
    assert sorted(p.name for p in path.iterdir()) == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("kind", ["a file", "a folder of yours"])
def test_export_never_replaces_what_it_did_not_make(exported, tmp_path, kind):
    generator, _ = exported
    target = tmp_path / "models"
    if kind == "a file":
        target.write_text("precious")
        message = "is a file, not a folder"
    else:
        target.mkdir()
        (target / "notes.txt").write_text("precious")
        message = "is not an export of pix2pix_tf"
    with pytest.raises(ValueError, match=message):
        export_generator(generator, target)
    mine = target if kind == "a file" else target / "notes.txt"
    assert mine.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["models"]
