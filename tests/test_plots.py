import numpy as np
import pytest
from PIL import Image

from pix2pix_tf.evaluation import plots


def test_image_mosaic_labels_every_panel_and_hides_empty_ones():
    images = np.linspace(-1, 1, 5 * 8 * 8 * 3, dtype="float32").reshape(5, 8, 8, 3)
    fig = plots.image_mosaic(images, "five samples", columns=3)
    axes = fig.get_axes()
    assert len(axes) == 6  # 2 rows of 3
    assert [ax.get_xlabel() for ax in axes[:5]] == ["1", "2", "3", "4", "5"]
    assert not axes[5].axison
    assert fig._suptitle.get_text() == "five samples"
    with pytest.raises(ValueError, match="5 images but 2 labels"):
        plots.image_mosaic(images, "x", labels=["a", "b"])


def test_save_gif_writes_all_frames_in_order(tmp_path):
    frames = [np.full((12, 16, 3), value, np.uint8) for value in (0, 120, 250)]
    path = plots.save_gif(frames, tmp_path / "progress.gif", seconds_per_frame=0.1)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (16, 12)
        shades = []
        for i in range(3):
            gif.seek(i)
            shades.append(np.asarray(gif.convert("RGB"))[0, 0, 0])
        assert gif.info["loop"] == 0
    np.testing.assert_allclose(shades, [0, 120, 250], atol=2)


def test_save_gif_takes_figures_and_refuses_mixed_sizes(tmp_path):
    fig = plots.image_mosaic(np.zeros((2, 8, 8, 3), np.uint8), "frame")
    array = plots.figure_to_array(fig)
    assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[-1] == 3
    plots.save_gif([fig, fig], tmp_path / "figs.gif")
    assert (tmp_path / "figs.gif").stat().st_size > 0
    with pytest.raises(ValueError, match="one size"):
        plots.save_gif(
            [np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4, 3), np.uint8)], tmp_path / "x.gif"
        )
    with pytest.raises(ValueError, match="at least one frame"):
        plots.save_gif([], tmp_path / "y.gif")


def test_image_grid_labels_rows_when_asked():
    batch = np.zeros((3, 8, 8, 3), np.uint8)
    fig = plots.image_grid([batch, batch], ["a", "b"], row_titles=["mask", "blur", "full"])
    axes = np.array(fig.get_axes()).reshape(3, 2)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["mask", "blur", "full"]
    assert [ax.get_title() for ax in axes[0]] == ["a", "b"]


def test_metric_bars_draws_one_bar_per_method_and_group():
    rows = [
        {"group": g, "method": m, "psnr": v}
        for g, base in (("mask", 20.0), ("blur", 25.0))
        for m, v in (("input", base), ("telea", base + 2), ("pix2pix", base + 4))
    ]
    fig = plots.metric_bars(rows, "psnr", "PSNR per occlusion")
    ax = fig.get_axes()[0]
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == [20.0, 22.0, 24.0, 25.0, 27.0, 29.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["mask", "blur"]
    assert ax.get_title() == "PSNR per occlusion" and ax.get_ylabel() == "psnr"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["input", "telea", "pix2pix"]


def test_loss_curves_show_each_models_losses_in_rows_of_four():
    cyclegan = {k: [1.0, 0.5] for k in ("g_gan_ab", "cycle_a", "idt_a", "d_a", "g_total")}
    cyclegan |= {"val_ssim_ab": [0.5, 0.6], "val_cycle_psnr_a": [20.0, 25.0]}
    fig = plots.loss_curves(cyclegan)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == [
        "Generators' adversarial (CycleGAN)",
        "Cycle and identity L1",
        "Generator total",
        "Discriminator",
        "Validation quality",
        "Validation round trip",
    ]
    assert len(fig.axes) == 8 and fig.get_size_inches()[1] == 2 * 3.4
    finding = plots.loss_curves({"g_gan": [1.0], "g_l1": [0.1], "g_find": [0.3], "d": [0.7]})
    assert [ax.get_title() for ax in finding.axes][:2] == [
        "Generator",
        "Occlusion detector (find-fill)",
    ]
