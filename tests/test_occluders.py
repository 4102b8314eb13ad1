"""Broad occlusions, resize upsampling, hard masks and mask-given inpainting (issue 13)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.cli import _train_config, main, parser
from pix2pix_tf.data.degradations import occlude
from pix2pix_tf.data.occluders import FAMILIES, FILLS, SHAPES, OcclusionMix
from pix2pix_tf.data.synthetic import SyntheticFaces
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.hole_fill import SmoothFill, upsample_bilinear
from pix2pix_tf.serving.export import METADATA_FILE, load_exported
from pix2pix_tf.tasks import TASKS, get_task
from pix2pix_tf.tasks.catalogue import MASK_INPUT_RECIPE, occlusion_task
from pix2pix_tf.tasks.pairs import masked_pairs, task_pairs
from pix2pix_tf.training import TrainConfig


@pytest.fixture(scope="module")
def faces():
    synthetic = SyntheticFaces(num_faces=4, image_size=(64, 64), seed=3)
    return [synthetic.front(i) for i in range(4)]


# --- the occlusion family -----------------------------------------------------------------


def test_every_shape_and_fill_covers_its_share_of_the_face_and_nothing_else(faces):
    for family in FAMILIES:
        mix = OcclusionMix().only(family)
        for i in range(12):
            image = faces[i % 4]
            occluded, mask = mix.draw(image, donor=faces[(i + 1) % 4], seed=(5, i))
            assert occluded.shape == image.shape and mask.shape == image.shape[:2] + (1,)
            covered = mask[..., 0].astype(bool)
            # Outside the mask the photo is untouched; the mask is 3-50% of the face box,
            # so between 1% and half of an aligned 64x64 face (strokes may stop a little short).
            np.testing.assert_array_equal(occluded[~covered], image[~covered])
            assert 0.005 < covered.mean() < 0.5, (family, i, covered.mean())


def test_draws_are_seeded_and_differ_between_seeds(faces):
    mix = OcclusionMix()
    a = mix.draw(faces[0], donor=faces[1], seed=(1, 2))
    b = mix.draw(faces[0], donor=faces[1], seed=(1, 2))
    c = mix.draw(faces[0], donor=faces[1], seed=(1, 3))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[1], c[1])


def test_without_a_donor_textures_come_from_the_photo_flipped(faces):
    mix = OcclusionMix(shapes=("rectangle",), fills=("texture",), seed_kinds=())
    image = faces[0]
    occluded, mask = (t.numpy() for t in mix.tf_draw(image, np.full((5, 2), np.nan), (0, 1)))
    covered = mask[..., 0] == 1
    assert covered.any() and np.any(occluded[covered] != image[covered])


def test_texture_fill_comes_from_the_donor(faces):
    mix = OcclusionMix(shapes=("rectangle",), fills=("texture",), seed_kinds=())
    donor = np.zeros_like(faces[0])
    donor[..., 1] = 200  # a green donor: every filled pixel is green
    occluded, mask = mix.draw(faces[0], donor=donor, seed=(0, 1))
    filled = occluded[mask[..., 0] == 1]
    assert len(filled) and np.all(filled == (0, 200, 0))


def test_seed_kinds_draw_as_the_seed_does(faces):
    mix = OcclusionMix(shapes=(), fills=(), seed_kinds=("partial",), seed_share=1.0)
    occluded, mask = mix.draw(faces[0], seed=(0, 4))
    assert mask.sum() > 0
    # The seed's own drawing: the same random stream gives the same occlusion.
    expected, expected_mask = occlude(faces[0], kinds=("partial",), seed=(0, 4))
    np.testing.assert_array_equal(occluded, expected)
    np.testing.assert_array_equal(mask, expected_mask)


def test_leaving_a_family_out_removes_it_and_its_seed_kinds():
    mix = OcclusionMix()
    assert "texture" not in mix.without("texture").fills
    assert mix.without("texture").seed_kinds == mix.seed_kinds  # no seed kind is a texture
    no_blur = mix.without("blur")
    assert "blur" not in no_blur.fills and "blur" not in no_blur.seed_kinds
    no_rectangles = mix.without("rectangle")
    assert set(no_rectangles.seed_kinds) == {"mask", "blur"}  # partial, full are rectangles
    assert mix.only("strokes").shapes == ("strokes",) and mix.only("strokes").fills == FILLS
    assert mix.only("noise").fills == ("noise",) and mix.only("noise").shapes == SHAPES
    assert not mix.only("noise").seed_kinds


def test_bad_mixes_say_what_is_known():
    with pytest.raises(ValueError, match="families: rectangle"):
        OcclusionMix().without("hands")
    with pytest.raises(ValueError, match="shapes must be among"):
        OcclusionMix(shapes=("circle",))
    with pytest.raises(ValueError, match="at least one shape and one fill"):
        OcclusionMix(fills=(), seed_kinds=())


def test_registered_tasks_cover_the_protocol():
    assert {"occlusion", "occlusion-seed"} <= set(TASKS)
    assert {f"occlusion-without-{f}" for f in FAMILIES} <= set(TASKS)
    assert get_task("occlusion").uses_donor
    assert not get_task("occlusion-seed").uses_donor
    assert "texture" not in get_task("occlusion-without-texture").description.split("(")[1]


def test_occlusion_task_gives_masks_of_the_changed_pixels():
    task = occlusion_task(name="mix", mix=OcclusionMix(seed_share=0.0))
    triples = list(
        masked_pairs(task, split="train", image_size=(32, 32), num_faces=10).as_numpy_iterator()
    )
    assert len(triples) == 8
    for occluded, clean, mask in triples:
        changed = np.any(occluded != clean, axis=-1)
        assert not np.any(changed & (mask[..., 0] == 0))  # nothing changed outside the mask
        assert changed.sum() > 0


# --- networks -------------------------------------------------------------------------------


def test_resize_upsampling_builds_round_trips_and_has_no_transposed_convolutions(tmp_path):
    g = UNetGenerator(image_size=(32, 32), depth=5, base_filters=4, upsampling="resize")
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in g.layers)
    assert g.get_layer("up1_deconv_resize") is not None
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    path = tmp_path / "g.keras"
    g.save(path)
    again = keras.saving.load_model(path)
    assert again.upsampling == "resize"
    np.testing.assert_allclose(again(x), g(x), atol=1e-6)
    with pytest.raises(ValueError, match="upsampling must be one of"):
        UNetGenerator(image_size=(32, 32), depth=5, upsampling="pixelshuffle")


def test_hard_mask_keeps_input_pixels_exactly_outside_training():
    g = UNetGenerator(
        image_size=(32, 32), depth=5, base_filters=4, output_mode="composite", hard_mask=True
    )
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    # An untrained blend mask is sigmoid(-3) = 0.05 everywhere: rounded, every pixel kept.
    np.testing.assert_array_equal(g(x, training=False), x)
    assert not np.array_equal(g(x, training=True), x)
    with pytest.raises(ValueError, match="hard_mask"):
        UNetGenerator(image_size=(32, 32), depth=5, output_mode="residual", hard_mask=True)


def test_exported_composite_generator_applies_the_hard_mask(tmp_path):
    from pix2pix_tf.serving.export import export_generator

    g = UNetGenerator(
        image_size=(32, 32), depth=5, base_filters=4, output_mode="composite", hard_mask=True
    )
    export_generator(g, tmp_path / "export")
    photo = np.random.default_rng(4).integers(0, 256, (1, 40, 48, 3), dtype=np.uint8)
    exported = load_exported(tmp_path / "export")
    # Any size, and every untouched pixel exactly the input's.
    np.testing.assert_array_equal(exported.serve_uint8(photo).numpy(), photo)


def test_inpaint_output_fills_only_the_given_mask():
    g = UNetGenerator(
        image_size=(32, 32), input_channels=4, depth=5, base_filters=4, output_mode="inpaint"
    )
    photo = np.random.default_rng(2).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    mask = -np.ones((1, 32, 32, 1), "float32")
    mask[:, 8:16, 8:20] = 1.0
    out = keras.ops.convert_to_numpy(g(np.concatenate([photo, mask], -1)))
    keep = mask[..., 0] < 0
    np.testing.assert_array_equal(out[keep], photo[keep])
    assert not np.allclose(out[~keep], photo[~keep])
    with pytest.raises(ValueError, match="output_channels \\+ 1"):
        UNetGenerator(image_size=(32, 32), depth=5, output_mode="inpaint")


# --- recipes, config and the command line ---------------------------------------------------


def test_recipes_blind_and_mask_given():
    blind = TrainConfig.for_task("occlusion")
    assert (blind.output_mode, blind.upsampling) == ("find_fill", "resize")
    assert blind.hole_fill == "smooth_and_input"
    assert blind.hole_l1 and blind.input_channels == 4  # the true mask, to learn from
    assert blind.unet_depth == 5 == TrainConfig.for_task("occlusion", image_size=(128, 128)).depth
    assert blind.lr_decay_fraction == 0.5  # of the steps, or of --max-minutes
    # The recipe's depth is at most what fits: 16x16 takes 4 levels; given, it wins.
    assert TrainConfig.for_task("occlusion", image_size=(16, 16)).unet_depth == 4
    assert TrainConfig.for_task("occlusion", depth=7, image_size=(128, 128)).depth == 7
    assert blind.l1_weight == MASK_INPUT_RECIPE["l1_weight"]
    given = TrainConfig.for_task("occlusion", mask_input=True)
    assert given.output_mode == "inpaint" and given.input_channels == 4
    assert (given.hard_mask, given.mask_weight) == (False, 0.0)
    assert given.l1_weight == MASK_INPUT_RECIPE["l1_weight"] != TrainConfig().l1_weight
    assert given.hole_fill == "smooth" != TrainConfig().hole_fill
    assert given.depth == 5 and given.lr_decay_fraction == 0.5  # as blind
    assert given.hole_l1 and not TrainConfig().hole_l1
    # Another output mode drops the recipe's settings that go with its output, rather than fail.
    residual = TrainConfig.for_task("occlusion", output_mode="residual")
    assert (residual.l1_weight, residual.hole_l1, residual.input_channels) == (100.0, False, 3)
    direct = TrainConfig.for_task("occlusion", mask_input=True, output_mode="direct")
    assert (direct.l1_weight, direct.hole_fill) == (TrainConfig().l1_weight, "blank")
    assert not direct.hole_l1


def test_mask_input_errors_say_what_to_do():
    with pytest.raises(ValueError, match="--task occlusion"):
        TrainConfig.for_task("colorization", mask_input=True)
    with pytest.raises(ValueError, match="mask_input=True"):
        TrainConfig(task="occlusion", output_mode="inpaint")
    with pytest.raises(ValueError, match="hard_mask"):
        TrainConfig(task="occlusion", hard_mask=True)


def test_mask_input_pairs_carry_the_mask_as_a_fourth_channel():
    pairs = task_pairs("occlusion", split="val", image_size=(32, 32), num_faces=10, mask_input=True)
    (a, b), *_ = pairs.as_numpy_iterator()
    assert a.shape == (32, 32, 4) and b.shape == (32, 32, 3)
    assert set(np.unique(a[..., 3])) <= {0, 255} and a[..., 3].max() == 255
    changed = np.any(a[..., :3] != b, axis=-1)
    assert not np.any(changed & (a[..., 3] == 0))


def test_cli_flags_reach_the_config(tmp_path):
    base = ["train", "--task", "occlusion", "--out", str(tmp_path)]
    config = _train_config(parser().parse_args(base + ["--upsampling", "transpose"]))
    assert config.upsampling == "transpose" and config.output_mode == "find_fill"
    composite = base + ["--output-mode", "composite", "--mask-weight", "3"]
    config = _train_config(parser().parse_args(composite + ["--hard-mask"]))
    assert config.hard_mask and config.mask_weight == 3.0
    config = _train_config(parser().parse_args(composite + ["--no-hard-mask"]))
    assert not config.hard_mask
    config = _train_config(parser().parse_args(base + ["--hole-fill", "smooth"]))
    assert config.hole_fill == "smooth"
    config = _train_config(parser().parse_args(base + ["--mask-input"]))
    assert config.mask_input and config.output_mode == "inpaint"


@pytest.mark.parametrize("hole_fill", ["blank", "smooth"])
def test_mask_input_run_trains_and_exports_masked_signatures(tmp_path, hole_fill):
    out = tmp_path / "run"
    args = ["train", "--task", "occlusion", "--mask-input", "--out", str(out)]
    args += ["--image-size", "32", "--num-faces", "10", "--steps", "2", "--batch-size", "2"]
    args += ["--base-filters", "4", "--precision", "float32", "--hole-fill", hole_fill]
    assert main(args) in (0, None)
    metadata = json.loads((out / "saved_model" / METADATA_FILE).read_text())
    assert metadata["mask_input"] is True
    exported = load_exported(out / "saved_model")
    for size in ((32, 32), (40, 56)):  # the training size, and another
        photo = np.full((1, *size, 3), 90, np.uint8)
        mask = np.zeros((1, *size, 1), np.uint8)
        mask[:, 4:12, 4:12] = 255
        filled = exported.serve_masked_uint8(photo, mask).numpy()
        assert filled.shape == photo.shape
        keep = mask[0, ..., 0] == 0
        np.testing.assert_array_equal(filled[0][keep], photo[0][keep])


# --- the benchmark's protocol ---------------------------------------------------------------


def test_mask_iou_compares_changed_pixels_with_the_true_mask():
    from bench.occlusion import mask_iou

    targets = np.zeros((2, 8, 8, 3), np.float32)
    inputs = targets.copy()
    inputs[:, :4] = 0.3  # the top half is occluded ...
    inputs[:, 3] = 0.0  # ... but its last row looks as it was
    masks = np.zeros((2, 8, 8, 1), np.uint8)
    masks[:, :4] = 1
    outputs = inputs.copy()
    outputs[0, :3] = 0.5  # image 0: exactly the visible occlusion changed
    outputs[1, :2] = 0.5  # image 1: two of its three rows
    np.testing.assert_allclose(mask_iou(inputs, outputs, masks, targets), [1.0, 2 / 3])


def test_occlusion_targets_need_every_group():
    from bench.occlusion import targets_hold

    def line(group, model, telea, inputs=15.0):
        return {
            "group": group,
            **{"model psnr": model, "telea psnr": telea, "input psnr": inputs},
            **{"model ssim": 0.9, "telea ssim": 0.85, "input ssim": 0.8},
        }

    table = [line("mask", 26.0, 24.0), line("family: noise", 27.0, 25.0), line("all", 26.5, 24.5)]
    iou = {"mask": 0.9, "family: noise": 0.85}
    assert all(targets_hold(table, iou, False, ["noise"]).values())
    assert all(targets_hold(table, iou, True, ["noise"]).values())
    table[0]["model psnr"] = 25.0  # 1 dB over Telea: enough blind, not mask-given
    assert targets_hold(table, iou, False, ["noise"])["PSNR above input and Telea in every group"]
    assert not targets_hold(table, iou, True, ["noise"])["PSNR >= Telea + 1.5 dB in every group"]
    assert not targets_hold(table, {**iou, "family: noise": 0.7}, False, ["noise"])[
        "mask IoU >= 0.8 on the scored families"
    ]


@pytest.mark.slow
def test_occlusion_benchmark_trains_scores_and_draws(tmp_path, faces):
    import cv2

    from bench import occlusion

    data = tmp_path / "faces"
    data.mkdir()
    synthetic = SyntheticFaces(num_faces=20, image_size=(48, 48), seed=5)
    for i in range(20):
        cv2.imwrite(str(data / f"{i}.png"), synthetic.front(i)[..., ::-1])
    out = tmp_path / "bench"
    args = ["--data", str(data), "--steps", "2", "--image-size", "32", "--eval-images", "2"]
    args += ["--leave-out", "texture", "--out", str(out), "--", "--base-filters", "4"]
    assert occlusion.main(args) == 0
    result = json.loads((out / "occlusion.json").read_text())
    groups = [line["group"] for line in result["table"]]
    assert groups == ["mask", "blur", "partial", "full", "family: texture", "all"]
    assert result["task"] == "occlusion-without-texture" and result["train_steps"] == 2
    assert cv2.imread(str(out / "grid.png")).shape[1] == 5 * 32
    # The recipe finds the mask (so its IoU is scored) and takes one: scored given it too.
    assert set(result["mask_iou"]) == set(groups[:-1])
    assert all("given psnr" in line for line in result["table"])


def test_inpainting_network_sees_the_hole_not_the_occluder():
    g = UNetGenerator(
        image_size=(32, 32), input_channels=4, depth=5, base_filters=4, output_mode="inpaint"
    )
    rng = np.random.default_rng(3)
    photo = rng.uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    mask = -np.ones((1, 32, 32, 1), "float32")
    mask[:, 8:20, 8:20] = 1.0
    covered = photo.copy()
    covered[:, 8:20, 8:20] = rng.uniform(-1, 1, (1, 12, 12, 3))  # another occluder
    a = g(np.concatenate([photo, mask], -1))
    b = g(np.concatenate([covered, mask], -1))
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_mask_given_inputs_are_shown_as_the_photo_tinted_where_the_mask_is():
    from pix2pix_tf.evaluation.plots import to_display

    photo = np.full((1, 4, 4, 3), 0.0, np.float32)  # mid-grey
    mask = -np.ones((1, 4, 4, 1), np.float32)
    mask[:, :2] = 1.0
    shown = to_display(np.concatenate([photo, mask], -1))
    assert shown.shape == (1, 4, 4, 3)
    np.testing.assert_allclose(shown[0, 2:], 0.5)  # kept: the photo itself
    tinted = np.broadcast_to([0.75, 0.25, 0.75], shown[0, :2].shape)
    np.testing.assert_allclose(shown[0, :2], tinted)  # filled: tinted magenta


def test_bilinear_upsampling_of_any_size_matches_tensorflows():
    images = np.random.default_rng(5).uniform(size=(2, 5, 7, 3)).astype("float32")
    expected = tf.image.resize(images, (10, 14), "bilinear").numpy()
    np.testing.assert_allclose(upsample_bilinear(images), expected, atol=1e-6)


def test_smooth_fill_keeps_the_seen_pixels_and_continues_them_into_the_hole():
    ramp = np.linspace(-0.8, 0.8, 32, dtype="float32")[None, :, None, None]
    photo = np.broadcast_to(ramp, (1, 32, 32, 3))  # brighter down the face
    hole = np.zeros((1, 32, 32, 1), "float32")
    hole[:, 8:20, 4:28] = 1.0  # 12 rows, far wider than the ramp's step
    filled = keras.ops.convert_to_numpy(SmoothFill(5)(np.concatenate([photo, hole], -1)))
    seen = hole[..., 0] == 0
    np.testing.assert_allclose(filled[..., :3][seen], photo[seen], atol=1e-6)
    np.testing.assert_array_equal(filled[..., 3:], hole)
    # Inside the hole it follows the ramp: closer than the best flat colour (the
    # hole's own mean, which no fill can know) comes.
    error = np.abs(filled[..., :3] - photo)[~seen].mean()
    assert error < 0.5 * np.abs(photo[~seen] - photo[~seen].mean()).mean()
    everything = np.ones_like(hole)  # nothing seen: mid-grey, no NaN
    np.testing.assert_array_equal(
        SmoothFill(5)(np.concatenate([photo, everything], -1))[..., :3], 0
    )


def test_smooth_hole_fill_starts_from_the_fill_and_ignores_the_occluder(tmp_path):
    g = UNetGenerator(
        image_size=(32, 32),
        input_channels=4,
        depth=5,
        base_filters=4,
        output_mode="inpaint",
        hole_fill="smooth",
    )
    rng = np.random.default_rng(4)
    photo = rng.uniform(-0.5, 0.5, (1, 32, 32, 3)).astype("float32")
    mask = -np.ones((1, 32, 32, 1), "float32")
    mask[:, 8:20, 8:20] = 1.0
    covered = photo.copy()
    covered[:, 8:20, 8:20] = 1.0  # a white occluder
    out = keras.ops.convert_to_numpy(g(np.concatenate([covered, mask], -1)))
    np.testing.assert_allclose(out, g(np.concatenate([photo, mask], -1)), atol=1e-6)
    keep = mask[..., 0] < 0
    np.testing.assert_array_equal(out[keep], photo[keep])
    # Untrained, the correction is small: the output is about the smooth fill, not the occluder.
    fill = keras.ops.convert_to_numpy(SmoothFill(5)(np.concatenate([photo, mask], -1)))[..., :3]
    assert np.abs(out - fill)[~keep].max() < 0.1
    path = tmp_path / "g.keras"
    g.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.hole_fill == "smooth"
    np.testing.assert_allclose(loaded(np.concatenate([covered, mask], -1)), out, atol=1e-6)
    with pytest.raises(ValueError, match="output_mode='inpaint'"):
        UNetGenerator(image_size=(32, 32), depth=5, hole_fill="smooth")
    with pytest.raises(ValueError, match="--mask-input"):
        TrainConfig(task="occlusion", hole_fill="smooth")
    config = _train_config(
        parser().parse_args(
            [
                "train",
                "--task",
                "occlusion",
                "--mask-input",
                "--hole-fill",
                "smooth",
                "--out",
                str(tmp_path),
            ]
        )
    )
    assert config.hole_fill == "smooth"
