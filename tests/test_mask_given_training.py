"""Training mask-given inpainting: the hole as the resized input shows it, and
the L1 taken over each image's hole (``hole_l1``)."""

import numpy as np
import pytest

from pix2pix_tf.cli import _train_config, parser
from pix2pix_tf.data.pipeline import make_dataset
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.losses import hole_l1_loss, l1_loss
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.tasks.pairs import with_mask_channel
from pix2pix_tf.training import TrainConfig


def _occluded_pairs(count=4, size=40):
    import tensorflow as tf

    rng = np.random.default_rng(2)
    targets = rng.integers(0, 256, (count, size, size, 3), dtype=np.uint8)
    masks = np.zeros((count, size, size, 1), np.uint8)
    masks[:, 7:20, 5:26] = 1  # odd edges, so resizing blends the occluder outwards
    inputs = np.where(masks > 0, np.uint8(250), targets)
    inputs = with_mask_channel(tf.constant(inputs), tf.constant(masks)).numpy()
    return tf.data.Dataset.from_tensor_slices((inputs, targets))


@pytest.mark.parametrize("training", [False, True])
def test_resized_holes_cover_every_pixel_the_occluder_reached(training):
    pairs = _occluded_pairs()
    batches = make_dataset(pairs, (16, 16), batch_size=4, training=training, mask_channel=True)
    inputs, targets = next(iter(batches))
    inputs, targets = inputs.numpy(), targets.numpy()
    hole = inputs[..., 3]
    assert set(np.unique(hole)) == {-1.0, 1.0}
    reached = np.any(np.abs(inputs[..., :3] - targets) > 1e-4, axis=-1)
    assert np.all(hole[reached] == 1.0)
    # Without it, the resized mask's half-coverage threshold leaves some outside.
    plain, _ = next(iter(make_dataset(pairs, (16, 16), batch_size=4, training=False)))
    assert np.any(reached & (plain.numpy()[..., 3] <= 0))


def _hole(batch, size, boxes):
    hole = np.zeros((batch, size, size, 1), np.float32)
    for index, (top, left, side) in enumerate(boxes):
        hole[index, top : top + side, left : left + side] = 1.0
    return hole


def test_every_hole_counts_alike_whatever_its_size():
    rng = np.random.default_rng(0)
    target = rng.uniform(-1, 1, (3, 16, 16, 3)).astype(np.float32)
    # The same error of 0.5 in a 2x2, an 8x8 and an empty hole; none outside.
    hole = _hole(3, 16, [(0, 0, 2), (4, 4, 8), (0, 0, 0)])
    generated = target + 0.5 * hole
    per_hole = float(hole_l1_loss(target, generated, hole))
    np.testing.assert_allclose(per_hole, (0.5 + 0.5 + 0.0) / 3, rtol=1e-6)
    # The image mean weighs the same error by the hole's area instead.
    areas = np.array([4, 64, 0]) / 256
    np.testing.assert_allclose(float(l1_loss(target, generated)), 0.5 * areas.mean(), rtol=1e-6)


def _inpainting_model(**options):
    generator = UNetGenerator(
        image_size=(32, 32), depth=5, base_filters=4, input_channels=4, output_mode="inpaint"
    )
    discriminator = PatchDiscriminator(
        image_size=(32, 32), base_filters=4, input_channels=4, target_channels=3
    )
    return Pix2Pix(generator, discriminator, gan_mode="lsgan", **options)


def test_hole_l1_trains_and_survives_saving(tmp_path):
    rng = np.random.default_rng(1)
    photos = rng.uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    mask = 2.0 * _hole(2, 32, [(4, 4, 10), (20, 8, 6)]) - 1.0  # +1 in the hole, -1 elsewhere
    inputs = np.concatenate([np.where(mask > 0, 0.0, photos), mask], axis=-1)
    model = _inpainting_model(hole_l1=True)
    model.compile()
    logs = model.fit(inputs, photos, batch_size=2, epochs=1, verbose=0).history
    # The L1 it logs is the hole's: larger than the image mean of the same output.
    generated = model.generator(inputs, training=True)
    assert logs["g_l1"][0] > 0 and float(l1_loss(photos, generated)) < logs["g_l1"][0]
    path = tmp_path / "model.keras"
    model.save(path)
    import keras

    assert keras.models.load_model(path).hole_l1 is True


def test_hole_l1_needs_inpaint_output_and_no_second_weighting(tmp_path):
    with pytest.raises(ValueError, match="choose one"):
        _inpainting_model(hole_l1=True, changed_weight=2.0)
    with pytest.raises(ValueError, match="--mask-input"):
        TrainConfig.for_task("occlusion", output_mode="composite", hole_l1=True)
    base = ["train", "--task", "occlusion", "--mask-input", "--out", str(tmp_path)]
    assert _train_config(parser().parse_args(base + ["--hole-l1"])).hole_l1
    assert not _train_config(parser().parse_args(base + ["--no-hole-l1"])).hole_l1
    # Another output drops the recipes' hole_l1 rather than fail (the blind one's finds the mask).
    assert TrainConfig.for_task("occlusion").hole_l1
    assert not TrainConfig.for_task("occlusion", output_mode="composite").hole_l1
