import numpy as np
import pytest

from pix2pix_tf.evaluation import baselines

SIZE = 32


def smooth_images(count=2):
    ramp = np.linspace(-0.9, 0.9, SIZE, dtype="float32")
    yy, xx = np.meshgrid(ramp, ramp, indexing="ij")
    base = np.stack([xx, yy, 0.5 * (xx + yy)], -1)
    return np.stack([base * (1 - 0.3 * i) for i in range(count)]).astype("float32")


def square_masks(count=2):
    masks = np.zeros((count, SIZE, SIZE), bool)
    masks[:, 10:20, 12:22] = True
    return masks


def test_score_images_of_identical_images_is_perfect_and_shapes_must_match():
    images = smooth_images()
    scores = baselines.score_images(images, images)
    np.testing.assert_allclose(scores["ssim"], 1.0, atol=1e-5)
    np.testing.assert_allclose(scores["psnr"], 100.0)  # capped, not infinite
    np.testing.assert_allclose(scores["l1"], 0.0)
    worse = baselines.score_images(images, -images)
    assert np.all(worse["ssim"] < 0.5) and np.all(worse["l1"] > 0.1)
    with pytest.raises(ValueError, match="differ in shape"):
        baselines.score_images(images, images[:, :16])


def test_telea_fills_a_hole_far_better_than_the_occluded_input():
    images, masks = smooth_images(), square_masks()
    occluded = np.where(masks[..., None], -1.0, images).astype("float32")
    filled = baselines.inpaint_telea(occluded, masks)
    assert filled.dtype == np.float32 and filled.shape == images.shape
    hole_error = np.abs(filled - images)[masks].mean()
    assert hole_error < 0.1 * np.abs(occluded - images)[masks].mean()
    # Pixels outside the mask stay as they were (up to uint8 rounding).
    np.testing.assert_allclose(filled[~masks], occluded[~masks], atol=1 / 127.5 + 1e-6)


def test_telea_keeps_uint8_and_accepts_channel_masks():
    images = np.round((smooth_images() + 1) * 127.5).astype(np.uint8)
    filled = baselines.inpaint_telea(images, square_masks()[..., None])
    assert filled.dtype == np.uint8 and filled.shape == images.shape
    with pytest.raises(ValueError, match="masks"):
        baselines.inpaint_telea(images, square_masks()[:, :16])


def test_compare_scores_each_method_per_group():
    images, masks = smooth_images(), square_masks()
    occluded = np.where(masks[..., None], -1.0, images).astype("float32")
    batches = [(occluded, images, masks), (occluded[:1], images[:1], masks[:1])]
    methods = {
        "occluded input": baselines.input_as_output,
        "telea": baselines.inpaint_telea,
        "oracle": lambda inputs, masks: images[: len(inputs)],
    }
    rows = baselines.compare(batches, methods, group=lambda i, batch: ["big", "small"][i])
    by_key = {(r["group"], r["method"]): r for r in rows}
    assert len(rows) == 6
    assert by_key["big", "oracle"]["ssim"] == pytest.approx(1.0, abs=1e-5)
    assert by_key["big", "telea"]["images"] == 2 and by_key["small", "telea"]["images"] == 1
    assert by_key["big", "telea"]["psnr"] > by_key["big", "occluded input"]["psnr"] + 5


def test_compare_without_groups_and_gray_inputs():
    gray = smooth_images()[..., :1]
    rows = baselines.compare([(gray, np.repeat(gray, 3, -1))], {"input": baselines.input_as_output})
    assert rows == [
        {
            "method": "input",
            "images": 2,
            "ssim": pytest.approx(1.0, abs=1e-5),
            "psnr": 100.0,
            "l1": pytest.approx(0.0),
        }
    ]
    with pytest.raises(ValueError, match="no batches"):
        baselines.compare([], {"input": baselines.input_as_output})


def test_markdown_table_formats_floats_per_metric():
    rows = [{"method": "telea", "ssim": 0.85312, "psnr": 22.333, "images": 10}]
    table = baselines.markdown_table(rows)
    assert table.splitlines() == [
        "| method | ssim | psnr | images |",
        "| --- | --- | --- | --- |",
        "| telea | 0.853 | 22.33 | 10 |",
    ]
    assert baselines.markdown_table(rows, columns=["psnr"]).splitlines()[2] == "| 22.33 |"


def test_masked_batches_resize_images_smoothly_and_masks_cover_every_pixel_reached():
    import tensorflow as tf

    targets = np.round((smooth_images(3) + 1) * 127.5).astype(np.uint8)
    masks = np.zeros((3, SIZE, SIZE, 1), np.uint8)
    masks[:, 5:12, 9:20] = 1  # odd edges: halving blends them with their neighbours
    inputs = np.where(masks > 0, np.uint8(255), targets)
    triples = tf.data.Dataset.from_tensor_slices((inputs, targets, masks))
    batches = list(baselines.masked_batches(triples, (16, 16), batch_size=2))
    assert [len(b[0]) for b in batches] == [2, 1]
    small_inputs, small_targets, small_masks = batches[0]
    assert small_inputs.shape == (2, 16, 16, 3) and small_inputs.dtype == tf.float32
    assert -1.0 <= float(tf.reduce_min(small_targets))
    assert float(tf.reduce_max(small_targets)) <= 1.0
    assert set(np.unique(small_masks.numpy())) == {0, 1}
    # Every pixel the occluder reached is in the mask, and no other.
    reached = np.any(np.abs(small_inputs.numpy() - small_targets.numpy()) > 1e-4, axis=-1)
    np.testing.assert_array_equal(small_masks.numpy()[..., 0] == 1, reached)
    # Nearest neighbours would have left a blended edge outside it.
    assert small_masks.numpy().sum() > masks[:2, ::2, ::2].sum()


def test_wide_table_puts_methods_side_by_side_with_a_mean_row():
    rows = [
        {"group": "mask", "method": "input", "ssim": 0.5, "psnr": 15.0},
        {"group": "mask", "method": "model", "ssim": 0.9, "psnr": 25.0},
        {"group": "blur", "method": "input", "ssim": 0.7, "psnr": 21.0},
        {"group": "blur", "method": "model", "ssim": 0.8, "psnr": 27.0},
    ]
    table = baselines.wide_table(rows, mean_row="all")
    assert [line["group"] for line in table] == ["mask", "blur", "all"]
    assert table[0] == {
        "group": "mask",
        "input ssim": 0.5,
        "input psnr": 15.0,
        "model ssim": 0.9,
        "model psnr": 25.0,
    }
    assert table[2]["input psnr"] == pytest.approx(18.0)
    assert table[2]["model ssim"] == pytest.approx(0.85)
    text = baselines.markdown_table(table)
    assert "| mask | 0.500 | 15.00 | 0.900 | 25.00 |" in text
