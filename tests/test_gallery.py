"""bench/gallery.py on tiny run folders: pictures, scores beside baselines, captions."""

import dataclasses
import json

import numpy as np
import pytest
from PIL import Image

from bench import gallery
from pix2pix_tf.training import TrainConfig, train

TINY = {"image_size": (32, 32), "batch_size": 2, "base_filters": 4, "num_faces": 20}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A runs folder with a finished two-step denoise run, as `make gallery` leaves it."""
    root = tmp_path_factory.mktemp("runs")
    config = TrainConfig(task="denoise", data="synthetic", steps=2, steps_per_epoch=2, **TINY)
    train(config, root / "denoise", verbose=0)
    return root


@pytest.fixture()
def photos(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(folder / f"{i}.png")
    return folder


def experiment(name):
    return next(e for e in gallery.EXPERIMENTS if e.name == name)


def test_every_seed_experiment_has_a_picture():
    names = [e.name for e in gallery.EXPERIMENTS]
    assert len(names) == len(set(names))
    for name in (
        "mugshot",
        "occlusion",
        "colorization",
        "threshold",
        "contours",
        "canny",
        "autoencoder",
        "noise",
        "average",
        "superres",
        "denoise",
        "noise2noise",
        "alignment",
        "dcgan",
        "age",
    ):
        assert name in names
    for e in gallery.EXPERIMENTS:  # a run is either a notebook's or trained by the gallery
        assert (e.notebook is None) == bool(e.options)


def test_a_missing_notebook_run_names_the_command_that_makes_it(tmp_path):
    with pytest.raises(SystemExit, match=r"--only 04.*make walkthroughs"):
        gallery.ensure_run(experiment("contours"), "DATA", tmp_path)


def test_a_finished_run_is_not_trained_again(runs):
    assert gallery.ensure_run(experiment("denoise"), "synthetic", runs) == 0.0


def test_commands_show_placeholders_not_this_machines_folders():
    command = gallery.shown_command(experiment("noise2noise"))
    assert command.startswith("pix2pix-tf train --task noise2noise --data DATA --out RUNS/")
    assert "/tmp" not in command and "/work" not in command
    line = gallery.source_line(experiment("colorization"))
    assert "notebooks/03_grayscale_to_colour.py" in line and "RUNS/notebooks/03" in line


def test_denoise_picture_and_scores_beside_nl_means(runs, tmp_path):
    picture, markdown, table, config, metrics = gallery.pix2pix_entry(
        experiment("denoise"), runs / "denoise", tmp_path, limit=6
    )
    assert picture.suffix in (".png", ".jpg") and picture.stat().st_size < 300_000
    image = Image.open(picture)
    assert 0.8 < image.width / image.height < 1.25  # 4 faces x (input, NL-means, output, target)
    (line,) = table
    # Trained with the paper's dropout and batch norm: scored both ways.
    assert config.dropout == 0.5 and config.norm == "batch"
    for column in (
        "model ssim",
        "model psnr",
        "model, paper inference psnr",
        "noisy input psnr",
        "nl-means psnr",
    ):
        assert np.isfinite(line[column])
    # NL-means removes much of sigma-25 noise: its PSNR is above the noisy input's.
    assert line["nl-means psnr"] > line["noisy input psnr"]
    assert markdown.startswith("|") and "nl-means psnr" in markdown
    assert metrics["steps"] == 2
    assert "synthetic people, 32x32, 2 steps of 2 faces" in gallery.settings(config, metrics)
    assert "depth" not in gallery.settings(config, metrics)
    recipe = dataclasses.replace(config, depth=3, lr_decay_fraction=0.5)
    line = gallery.settings(recipe, metrics)
    assert "filters, U-Net depth 3, " in line and "decaying over the last 50%, " in line


def test_cyclegan_picture_shows_both_directions_and_its_scores(tmp_path):
    config = TrainConfig(
        model="cyclegan",
        task="mugshot-unpaired",
        generator="resnet6",
        data="synthetic",
        steps=2,
        steps_per_epoch=2,
        pool_size=2,
        **TINY,
    )
    train(config, tmp_path / "run", verbose=0)
    picture, markdown, table, config, metrics = gallery.cyclegan_entry(
        experiment("age"), tmp_path / "run", tmp_path
    )
    image = Image.open(picture)
    # 6 columns (input, translated, back; per direction), a row per face: 4 per domain.
    assert 1.2 < image.width / image.height < 1.8
    assert [row["direction"] for row in table] == ["front -> profile", "profile -> front"]
    assert "domain classifier accuracy on real test photos" in markdown
    assert "cycle psnr" in markdown and "in target" in markdown
    line = gallery.settings(config, metrics)
    assert "2 steps of 2 faces per domain" in line and "resnet6 generators of 4 filters" in line


def test_the_page_lists_the_run_and_its_command(runs, photos, tmp_path):
    page = tmp_path / "docs" / "gallery.md"
    summary = gallery.build(str(photos), runs, page, only=("denoise",), limit=4)
    text = page.read_text()
    assert "## Denoising" in text
    assert f"(gallery/{summary['denoise']['picture']})" in text
    assert (tmp_path / "docs" / "gallery" / summary["denoise"]["picture"]).is_file()
    assert "`pix2pix-tf train --task denoise --data DATA --out RUNS/denoise" in text
    assert str(runs) not in text and "/tmp" not in text
    assert "(3 photos)" in text
    saved = json.loads((tmp_path / "docs" / "gallery" / "summary.json").read_text())
    assert saved["denoise"]["table"][0]["faces"] == 4


def test_a_partial_build_keeps_the_other_sections_and_scores(runs, photos, tmp_path):
    page = tmp_path / "docs" / "gallery.md"
    (tmp_path / "docs" / "gallery").mkdir(parents=True)
    colour, sr = experiment("colorization").title, experiment("superres").title
    old_denoise = "## " + experiment("denoise").title + "\n\nstale picture"
    page.write_text(
        f"# Gallery\n\nold header\n\n## {sr}\n\nkept\n\n{old_denoise}\n\n## {colour}\n\nx\n"
    )
    old_scores = '{"colorization": {"a": 1}, "gone": {"a": 2}}'
    (tmp_path / "docs" / "gallery" / "summary.json").write_text(old_scores)
    gallery.build(str(photos), runs, page, only=("denoise",), limit=4)
    text = page.read_text()
    assert "old header" not in text and "stale picture" not in text
    # In the gallery's order, not the old page's: colour comes first, denoising last.
    assert (
        text.index(f"## {colour}\n\nx") < text.index(f"## {sr}\n\nkept") < text.index("## Denois")
    )
    saved = json.loads((tmp_path / "docs" / "gallery" / "summary.json").read_text())
    assert saved["colorization"] == {"a": 1} and saved["denoise"]["table"][0]["faces"] == 4
    assert "gone" not in saved  # an experiment no longer in the gallery


def test_spread_tells_a_collapsed_generator_from_a_varied_one():
    same = np.zeros((5, 4, 4, 3), np.float32)
    assert gallery.spread(same) == 0.0
    varied = np.stack([np.full((4, 4, 3), v, np.float32) for v in (-1, 0, 1)])
    assert gallery.spread(varied) == pytest.approx((1 + 2 + 1) / 3)


def test_sharpness_is_higher_for_edges_than_for_flat_gray():
    flat = np.full((32, 32, 3), 128.0)
    edges = flat.copy()
    edges[:, ::4] = 0
    assert gallery.sharpness(flat) == 0.0
    assert gallery.sharpness(edges) > 100


def test_filled_faces_have_no_black_frame():
    crops = np.full((6, 32, 32, 3), 200, np.uint8)
    crops[:, :4] = 0  # the edge that alignment left outside the photo
    filled = gallery.filled_faces(crops)
    assert filled.shape == crops.shape
    np.testing.assert_allclose(filled, 200 / 127.5 - 1, atol=1e-3)
