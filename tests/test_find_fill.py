"""Blind occlusion removal by two networks (`FindAndFillGenerator`): what it
fills, how it trains beside `Pix2Pix`, its config, saving and export."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.find_fill import FindAndFillGenerator
from pix2pix_tf.models.losses import occlusion_mask_loss
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.serving.export import export_generator
from pix2pix_tf.training import TrainConfig

SIZE = 32


def _generator(**options):
    return FindAndFillGenerator(image_size=(SIZE, SIZE), depth=5, base_filters=4, **options)


def _finding_generator():
    """A generator whose untrained detector finds about half the pixels (bias 0), so that
    a detector lost or scrambled on the way (saving, export) changes the output."""
    generator = _generator()
    generator.detector.get_layer("output_image").bias.assign([0.0])
    return generator


def _assert_nearly_all_equal(actual, expected):
    """Equal within 1e-4 but for a few pixels: float differences of 1e-7 may move a
    detector probability across the threshold, and that pixel is filled or not."""
    differs = np.any(np.abs(np.asarray(actual) - np.asarray(expected)) > 1e-4, axis=-1)
    assert differs.mean() < 0.01, differs.mean()


def _photos(count=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (count, SIZE, SIZE, 3)).astype(np.float32)


def _occluded(count=4, seed=0):
    """(inputs with the true mask as a 4th channel, targets): a white square on noise."""
    targets = _photos(count, seed)
    hole = np.zeros((count, SIZE, SIZE, 1), np.float32)
    hole[:, 8:20, 6:22] = 1.0
    photos = np.where(hole > 0, 1.0, targets)
    return np.concatenate([photos, 2.0 * hole - 1.0], axis=-1), targets


def test_untrained_it_finds_nothing_and_returns_the_input_exactly():
    photos = _photos()
    out = np.asarray(_generator()(photos, training=False))
    np.testing.assert_array_equal(out, photos)


def test_a_given_mask_is_filled_and_every_other_pixel_kept():
    inputs, _ = _occluded(2)
    out = np.asarray(_generator()(inputs, training=False))
    outside = inputs[..., 3] < 0
    np.testing.assert_array_equal(out[outside], inputs[..., :3][outside])
    assert np.abs(out - inputs[..., :3])[~outside].max() > 1e-3  # the hole was painted


def test_the_found_mask_is_thresholded_and_grown(monkeypatch):
    generator = _generator(grow=1, threshold=0.6)  # (0 by default)
    probability = np.zeros((1, SIZE, SIZE, 1), np.float32)
    probability[0, 10, 10] = 0.7  # found
    probability[0, 20, 20] = 0.55  # below the threshold
    monkeypatch.setattr(
        generator, "occlusion_probability", lambda images, training=None: probability
    )
    mask = np.asarray(generator.found_mask(_photos(1)))[0, ..., 0]
    assert set(np.unique(mask)) == {-1.0, 1.0}
    filled = np.argwhere(mask > 0)
    np.testing.assert_array_equal(filled.min(0), [9, 9])
    np.testing.assert_array_equal(filled.max(0), [11, 11])
    assert len(filled) == 9  # a 3x3 square around the one found pixel, nothing at (20, 20)


@pytest.mark.parametrize("options", [{"threshold": 1.0}, {"grow": -1}, {"grow": 1.5}])
def test_bad_settings_say_what_is_allowed(options):
    with pytest.raises(ValueError, match="threshold|grow"):
        _generator(**options)


def test_the_mask_loss_counts_a_thin_stroke_like_a_large_occluder():
    truth = np.zeros((2, 16, 16, 1), np.float32)
    truth[0, 2:14, 2:14] = 1.0  # large
    truth[1, 8, 2:14] = 1.0  # one-pixel stroke
    missed = np.zeros_like(truth)
    # Missing either occluder entirely costs the Dice term 1 per image ...
    loss_large = float(occlusion_mask_loss(truth[:1], missed[:1]))
    loss_stroke = float(occlusion_mask_loss(truth[1:], missed[1:]))
    assert loss_large > 1.0 and loss_stroke > 1.0
    # ... and finding it costs nothing.
    assert float(occlusion_mask_loss(truth, truth)) < 1e-3


def _model():
    discriminator = PatchDiscriminator(
        image_size=(SIZE, SIZE), base_filters=4, input_channels=4, target_channels=3
    )
    return Pix2Pix(_generator(), discriminator, gan_mode="lsgan", l1_weight=1000.0, hole_l1=True)


def test_the_detector_learns_the_true_mask_and_validation_runs_blind():
    inputs, targets = _occluded(8)
    model = _model()
    model.compile(g_optimizer=keras.optimizers.Adam(2e-3), d_optimizer=keras.optimizers.Adam(2e-3))
    history = model.fit(inputs, targets, batch_size=8, epochs=60, verbose=0)
    find = history.history["g_find"]
    assert find[-1] < 0.5 * find[0]
    # Called on the inputs with their mask, the model ignores the mask: blind, as it is used.
    blind = np.asarray(model(inputs, training=False))
    np.testing.assert_array_equal(blind, np.asarray(model.generator(inputs[..., :3])))
    found = np.asarray(model.generator.found_mask(inputs[..., :3]))[..., 0] > 0
    truth = inputs[..., 3] > 0
    iou = (found & truth).sum() / (found | truth).sum()
    assert iou > 0.8, iou


def test_training_without_the_true_mask_says_what_is_missing():
    inputs, targets = _occluded(2)
    model = _model()
    model.compile()
    with pytest.raises(ValueError, match="true occlusion mask"):
        model.train_on_batch(inputs[..., :3], targets)


def test_saved_and_loaded_it_gives_the_same_outputs(tmp_path):
    inputs, targets = _occluded(2)
    model = _model()
    model.compile()
    model.train_on_batch(inputs, targets)
    model.generator.detector.get_layer("output_image").bias.assign([0.0])
    probability = np.asarray(model.generator.occlusion_probability(inputs[..., :3]))
    assert 0.2 < np.mean(probability > 0.5) < 0.8
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_allclose(
        np.asarray(loaded.generator.occlusion_probability(inputs[..., :3])), probability, atol=1e-6
    )
    for x in (inputs, inputs[..., :3]):
        np.testing.assert_allclose(
            np.asarray(loaded.generator(x)), np.asarray(model.generator(x)), atol=1e-6
        )


def test_validation_runs_blind():
    inputs, _ = _occluded(2)
    model = _model()
    model.generator.detector.get_layer("output_image").bias.assign([0.0])
    generated, probability, _ = model._generate(inputs, training=False)
    np.testing.assert_array_equal(
        np.asarray(generated), np.asarray(model.generator(inputs[..., :3], training=False))
    )
    assert probability.shape == (2, SIZE, SIZE, 1)


def test_under_mixed_precision_the_kept_pixels_are_exact():
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        generator = _generator()
    finally:
        keras.config.set_dtype_policy(policy)
    inputs, _ = _occluded(2)
    out = np.asarray(generator(inputs, training=False))
    outside = inputs[..., 3] < 0
    np.testing.assert_array_equal(out[outside], inputs[..., :3][outside])


def test_the_export_runs_blind_and_takes_a_mask_too(tmp_path):
    from pix2pix_tf.serving.runtimes import open_exported

    finding = _finding_generator()
    export_generator(finding, tmp_path / "finding")
    photos = _photos(2, seed=5)
    expected = np.asarray(finding(photos, training=False))
    assert np.any(expected != photos)  # it found and filled something
    served = tf.saved_model.load(str(tmp_path / "finding"))
    _assert_nearly_all_equal(served.serve(tf.constant(photos)), expected)
    # A runner fills a given mask through the SavedModel's masked signature.
    runner = open_exported(tmp_path / "finding", "tensorflow")
    uint8 = np.round((photos + 1) * 127.5).astype(np.uint8)
    given = np.zeros((2, SIZE, SIZE, 1), np.uint8)
    given[:, 4:12, 4:12] = 255
    np.testing.assert_array_equal(
        runner.serve_uint8(uint8, given), served.serve_masked_uint8(uint8, given).numpy()
    )

    generator = _generator()
    export_generator(generator, tmp_path / "export")
    served = tf.saved_model.load(str(tmp_path / "export"))
    photos = np.random.default_rng(3).integers(0, 256, (2, 37, 45, 3), dtype=np.uint8)
    blind = served.serve_uint8(tf.constant(photos)).numpy()
    np.testing.assert_array_equal(blind, photos)  # untrained: finds nothing
    masks = np.zeros((2, 37, 45, 1), np.uint8)
    masks[:, 5:15, 10:30] = 255
    filled = served.serve_masked_uint8(tf.constant(photos), tf.constant(masks)).numpy()
    outside = masks[..., 0] == 0
    np.testing.assert_array_equal(filled[outside], photos[outside])
    assert np.any(filled[~outside] != photos[~outside])
    metadata = json.loads((tmp_path / "export" / "pix2pix_tf.json").read_text())
    assert metadata["mask_optional"] and not metadata["mask_input"]


def test_config_takes_find_fill_for_tasks_with_a_mask_only():
    config = TrainConfig.for_task("occlusion", output_mode="find_fill", image_size=(64, 64))
    assert config.finds_mask and config.data_mask and config.input_channels == 4
    with pytest.raises(ValueError, match="has none"):
        TrainConfig(task="colorization", output_mode="find_fill", image_size=(64, 64))
    with pytest.raises(ValueError, match="leave out --mask-input"):
        TrainConfig.for_task("occlusion", output_mode="find_fill", mask_input=True)


def test_predict_runs_blind_and_fills_a_mask_file_when_given(tmp_path):
    import cv2

    from pix2pix_tf.serving.predict import predict_files

    export_generator(_generator(), tmp_path / "export")
    photo = np.random.default_rng(4).integers(0, 256, (40, 36, 3), dtype=np.uint8)
    mask = np.zeros((40, 36), np.uint8)
    mask[10:20, 5:25] = 255
    cv2.imwrite(str(tmp_path / "face.png"), photo[..., ::-1])
    cv2.imwrite(str(tmp_path / "mask.png"), mask)
    (blind,) = predict_files(tmp_path / "export", [tmp_path / "face.png"], tmp_path / "blind")
    np.testing.assert_array_equal(cv2.imread(str(blind))[..., ::-1], photo)
    given = tmp_path / "mask.png"
    (filled,) = predict_files(
        tmp_path / "export", [tmp_path / "face.png"], tmp_path / "g", masks=given
    )
    filled = cv2.imread(str(filled))[..., ::-1]
    np.testing.assert_array_equal(filled[mask == 0], photo[mask == 0])
    assert np.any(filled[mask > 0] != photo[mask > 0])


def test_the_int8_source_rewrites_both_decoders_and_gives_the_same_output():
    from pix2pix_tf.serving import subpixel
    from pix2pix_tf.serving.export import serving_functions

    generator = _generator(upsampling="transpose")
    generator.detector.get_layer("output_image").bias.assign([0.0])
    assert subpixel.has_rewritable(generator)  # found inside the two U-Nets
    photos = tf.constant(_photos(2, seed=6)[:, :29, :23])  # any size
    _, serve, _ = serving_functions(generator)
    rewritten, serve_rewritten, _ = serving_functions(generator, subpixel_decoder=True)
    for network in (rewritten.detector, rewritten.inpainter):
        assert not subpixel.has_rewritable(network)
    _assert_nearly_all_equal(serve_rewritten(photos), serve(photos))


def test_smooth_or_input_blends_the_fill_and_the_held_pixels_by_its_gate(tmp_path):
    from pix2pix_tf.models.generators import UNetGenerator
    from pix2pix_tf.models.hole_fill import SmoothFill

    g = UNetGenerator(
        image_size=(SIZE, SIZE),
        input_channels=4,
        depth=5,
        base_filters=4,
        output_mode="inpaint",
        hole_fill="smooth_or_input",
    )
    rng = np.random.default_rng(7)
    photo = rng.uniform(-0.8, 0.8, (2, SIZE, SIZE, 3)).astype("float32")
    mask = -np.ones((2, SIZE, SIZE, 1), "float32")
    mask[:, 6:22, 10:26] = 1.0
    inputs = np.concatenate([photo, mask], -1)
    hole = mask[..., 0] > 0
    fill = keras.ops.convert_to_numpy(SmoothFill(5)(inputs))[..., :3]
    correction = g.get_layer("correction")
    for weight in correction.weights:  # no correction: the output is the gated blend
        weight.assign(np.zeros(weight.shape, "float32"))
    gate = g.get_layer("input_gate")
    ends = {}
    for bias, expected in ((30.0, photo), (-30.0, fill)):  # gate 1: what the hole held
        gate.bias.assign([bias])
        out = keras.ops.convert_to_numpy(g(inputs))
        np.testing.assert_array_equal(out[~hole], photo[~hole])
        np.testing.assert_allclose(out[hole], expected[hole], atol=2e-3)
        ends[bias] = out
    assert np.abs(ends[30.0] - ends[-30.0])[hole].mean() > 0.1  # the gate decides
    path = tmp_path / "g.keras"
    g.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.hole_fill == "smooth_or_input"
    np.testing.assert_allclose(loaded(inputs), ends[-30.0], atol=1e-6)
    blind = _generator(hole_fill="smooth_or_input")
    assert blind.inpainter.get_layer("input_gate") is not None
    assert blind(photo).shape == photo.shape
    with pytest.raises(ValueError, match="hole_fill must be one of"):
        _generator(hole_fill="smooth_or_blank")


def test_learn_found_trains_the_inpainter_on_the_true_and_the_found_mask(tmp_path):
    inputs, targets = _occluded(2)
    model = _model()
    _, _, true_hole = model._generate(inputs, training=True)
    np.testing.assert_array_equal(np.asarray(true_hole)[..., 0], inputs[..., 3] > 0)
    discriminator = PatchDiscriminator(
        image_size=(SIZE, SIZE), base_filters=4, input_channels=4, target_channels=3
    )
    generator = _generator(learn_found=True)
    generator.detector.get_layer("output_image").bias.assign([0.0])  # finds about half
    model = Pix2Pix(generator, discriminator, gan_mode="lsgan", l1_weight=1000.0, hole_l1=True)
    _, probability, hole = model._generate(inputs, training=True)
    found = np.asarray(probability)[..., 0] > 0.5
    expected = found | (inputs[..., 3] > 0)
    assert found.mean() > 0.1 and not np.array_equal(expected, inputs[..., 3] > 0)
    np.testing.assert_array_equal(np.asarray(hole)[..., 0], expected)
    model.compile()
    logs = model.train_on_batch(inputs, targets, return_dict=True)
    assert np.isfinite(logs["g_l1"]) and np.isfinite(logs["g_find"])
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.generator.learn_found
    with pytest.raises(ValueError, match="learn_found"):
        TrainConfig(task="occlusion", output_mode="composite", learn_found=True)
    assert TrainConfig.for_task("occlusion", learn_found=True).learn_found
