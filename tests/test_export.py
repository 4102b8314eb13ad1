import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.export import (
    any_size_generator,
    export_generator,
    load_exported,
    pad_to_multiple,
    read_metadata,
)
from pix2pix_tf.generators import UNetGenerator


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
