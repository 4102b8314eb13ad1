"""The judge of unpaired translations: domain classifier, shares, SSIM, cycle PSNR; bench table."""

import types
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from bench.unpaired import table, train_command
from pix2pix_tf.evaluation.domain_classifier import shares_in_b, train_domain_classifier
from pix2pix_tf.evaluation.unpaired import PSNR_CAP_DB, translation_scores


def photos(level, n=24, size=16, seed=0):
    """uint8 photos around one grey level, with noise: dark A, bright B."""
    rng = np.random.default_rng(seed)
    images = np.clip(rng.normal(level, 20, (n, size, size, 3)), 0, 255).astype(np.uint8)
    return tf.data.Dataset.from_tensor_slices(images)


@pytest.fixture(scope="module")
def classifier():
    return train_domain_classifier(photos(60), photos(190, n=8, seed=1), (16, 16), epochs=8)


def as_float(dataset):
    return dataset.map(lambda x: tf.cast(x, tf.float32) / 127.5 - 1.0)


def test_classifier_learns_two_separable_domains_with_unequal_counts(classifier):
    dark = np.stack(list(as_float(photos(60, seed=2)).as_numpy_iterator()))
    bright = np.stack(list(as_float(photos(190, seed=3)).as_numpy_iterator()))
    assert shares_in_b(classifier, dark) <= 0.1 and shares_in_b(classifier, bright) >= 0.9
    larger = tf.image.resize(bright, (32, 32)).numpy()  # resized to the classifier's input
    assert shares_in_b(classifier, larger) >= 0.9


def test_scores_of_doing_nothing_and_of_inverting(classifier):
    a, b = as_float(photos(60, n=6, seed=4)), as_float(photos(190, n=4, seed=5))
    identity = lambda x, training=False: x  # noqa: E731
    nothing = types.SimpleNamespace(generator_ab=identity, generator_ba=identity)
    rows = translation_scores(nothing, a, b, classifier, ("dark", "bright"), batch_size=4)
    assert [r["direction"] for r in rows] == ["dark -> bright", "bright -> dark"]
    assert [r["images"] for r in rows] == [6, 4]
    for row in rows:
        assert row["ssim"] == pytest.approx(1.0, abs=1e-4) and row["cycle psnr"] == PSNR_CAP_DB
        assert row["in target"] == row["inputs in target"] <= 0.2
    invert = lambda x, training=False: -x  # noqa: E731
    flip = types.SimpleNamespace(generator_ab=invert, generator_ba=invert)
    pairs = tf.data.Dataset.zip(a, a.map(lambda x: -x))
    rows = translation_scores(flip, a, b, classifier, pairs=pairs, batch_size=4)
    assert rows[0]["in target"] >= 0.8 and rows[0]["cycle psnr"] == PSNR_CAP_DB
    assert rows[0]["ssim"] < 0.5 and rows[0]["paired psnr"] == PSNR_CAP_DB
    assert "in target" not in translation_scores(flip, a, b)[0]


def test_classifier_needs_both_domains():
    empty = tf.data.Dataset.from_tensor_slices(np.zeros((0, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="both domains"):
        train_domain_classifier(photos(60, n=2), empty, (8, 8))


def test_bench_command_and_table():
    args = types.SimpleNamespace(
        task="age",
        data="faces/",
        out=Path("runs/x"),
        image_size=64,
        seed=0,
        minutes=15.0,
    )
    command = train_command(args, ["--generator", "resnet6"])
    assert command[-2:] == ["--generator", "resnet6"] and "--max-minutes" in command
    scores = {
        "classifier_accuracy": 0.9, "classifier_accuracy_a": 0.95, "classifier_accuracy_b": 0.85,
        "images_a": 10, "images_b": 5,
        "directions": [{"direction": "young -> old", "images": 10, "in target": 0.75,
                        "inputs in target": 0.05, "ssim": 0.7, "cycle psnr": 26.0}],
    }  # fmt: skip
    text = table(scores)
    assert "accuracy on real test photos: 0.900" in text and "| young -> old | 10 | 0.750 |" in text
