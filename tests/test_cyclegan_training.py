"""CycleGAN through the command line on tiny synthetic faces: train, resume, evaluate,
export (a signature per direction), predict; and the config that chooses it."""

import json

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.cli import _train_config, main, parser, run_summary
from pix2pix_tf.models.resnet_generator import ResnetGenerator
from pix2pix_tf.serving.export import load_exported, read_metadata
from pix2pix_tf.training import TrainConfig, build_model, load_trained

TINY = [
    "--model", "cyclegan", "--task", "mugshot-unpaired", "--generator", "unet", "--depth", "3",
    "--image-size", "32", "--num-faces", "20", "--batch-size", "2", "--base-filters", "4",
    "--disc-layers", "2", "--pool-size", "4", "--steps-per-epoch", "2", "--seed", "0",
    "--precision", "float32",
]  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "mugshot-unpaired"
    assert main(["train", "--out", str(out), "--steps", "4", *TINY]) == 0
    return out


def test_train_writes_a_cyclegan_run_with_its_scores(run_dir):
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"] == "cyclegan" and config["generator"] == "unet"
    assert config["gan_mode"] == "lsgan" and config["norm"] == "instance"  # the paper's recipe
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["steps"] == 4 and metrics["images_a"] == metrics["images_b"] == 1
    forward, backward = metrics["directions"]
    assert (
        forward["direction"] == "front -> profile" and backward["direction"] == "profile -> front"
    )
    for row in (forward, backward):
        assert 0 <= row["in target"] <= 1 and 0 <= row["inputs in target"] <= 1
        assert -1 <= row["ssim"] <= 1 and 0 < row["cycle psnr"] < 100
        assert -1 <= row["paired ssim"] <= 1 and row["paired psnr"] > 0  # true pairs exist
    assert 0 <= metrics["classifier_accuracy"] <= 1
    assert np.isfinite(metrics["cycle_psnr_a"]) and np.isfinite(metrics["d_b"])
    assert (run_dir / "samples" / "test.png").is_file()


def test_the_summary_reads_both_directions_and_the_picture_layout(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    summary = run_summary(metrics, run_dir)
    forward, backward = metrics["directions"]
    for row in (forward, backward):
        assert f"{row['direction']}, 1 test photos: {row['in target']:.0%} judged" in summary
        assert f"round trip PSNR {row['cycle psnr']:.1f} dB" in summary
    assert f"apart {metrics['classifier_accuracy']:.0%} of the time" in summary
    assert (
        "input / translated / translated back" in summary
        and "target" not in summary.split("Pictures:")[1].split(")")[0]
    )


def test_same_command_with_more_steps_resumes_with_the_pool(run_dir, capsys):
    assert main(["train", "--out", str(run_dir), "--steps", "6", *TINY]) == 0
    assert "Resuming" in capsys.readouterr().out
    _, model = load_trained(run_dir)
    assert int(model.g_optimizer.iterations) == 6
    assert int(model.pool_a.batches.numpy()) == 6 and int(model.pool_a.stored.numpy()) == 4


def test_evaluate_and_export_both_directions_then_predict(run_dir, tmp_path, capsys):
    assert main(["evaluate", str(run_dir)]) == 0
    scores = json.loads((run_dir / "evaluation.json").read_text())
    assert len(scores["directions"]) == 2
    out = tmp_path / "export"
    assert main(["export", str(run_dir), "--out", str(out)]) == 0
    served = load_exported(out)
    assert read_metadata(out)["domains"] == ["front", "profile"]
    _, model = load_trained(run_dir)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        served.a_to_b(x).numpy(), np.asarray(model.generator_ab(x, training=False)), atol=1e-5
    )
    np.testing.assert_allclose(
        served.b_to_a(x).numpy(), np.asarray(model.generator_ba(x, training=False)), atol=1e-5
    )
    np.testing.assert_array_equal(served.serve(x).numpy(), served.a_to_b(x).numpy())
    odd = np.random.default_rng(1).integers(0, 255, (1, 37, 29, 3)).astype("uint8")
    assert served.b_to_a_uint8(odd).shape == (1, 37, 29, 3)
    photo = tmp_path / "face.png"
    cv2.imwrite(str(photo), odd[0])
    for direction in ("AtoB", "BtoA"):
        folder = tmp_path / direction
        assert (
            main(["predict", str(out), str(photo), "--out", str(folder), "--direction", direction])
            == 0
        )
        assert cv2.imread(str(folder / "face.png")).shape == (37, 29, 3)
    different = cv2.imread(str(tmp_path / "AtoB" / "face.png")) != cv2.imread(
        str(tmp_path / "BtoA" / "face.png")
    )
    assert different.any()


def test_model_and_task_must_agree():
    with pytest.raises(ValueError, match="--model cyclegan"):
        TrainConfig(task="age")
    with pytest.raises(ValueError, match="Unknown unpaired task"):
        TrainConfig(task="occlusion", model="cyclegan")
    with pytest.raises(ValueError, match="model must be"):
        TrainConfig(model="stargan")
    with pytest.raises(ValueError, match="U-Net"):
        TrainConfig(generator="resnet9", output_mode="composite")
    with pytest.raises(ValueError, match="domain_weight"):
        TrainConfig(task="occlusion", domain_weight=1.0)
    recipe = TrainConfig.for_task("age", model="cyclegan", data="x")
    assert (recipe.generator, recipe.gan_mode, recipe.lr_decay_fraction) == (
        "resnet9",
        "lsgan",
        0.5,
    )


def test_pix2pix_can_use_the_resnet_generator(tmp_path):
    config = TrainConfig(
        task="colorization", image_size=(32, 32), generator="resnet6", base_filters=4
    )
    model = build_model(config)
    assert isinstance(model.generator, ResnetGenerator) and model.generator.input_channels == 1
    assert model.generator.n_blocks == 6 and model.generator.dropout == 0.5
    model.compile()
    model.save(tmp_path / "p.keras")
    loaded = keras.saving.load_model(tmp_path / "p.keras", safe_mode=True)
    x = tf.zeros((1, 32, 32, 1))
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)


def test_domain_weight_builds_a_patch_critic_beside_the_discriminators():
    settings = dict(task="age", model="cyclegan", image_size=(32, 32), base_filters=4)
    model = build_model(TrainConfig(**settings, generator="unet", domain_weight=1.0))
    assert model.domain_critic.name == "domain_critic" and model.domain_weight == 1.0
    assert build_model(TrainConfig(**settings, generator="unet")).domain_critic is None


def test_domain_weight_is_a_cyclegan_option_and_off_unless_given():
    base = ["train", "--model", "cyclegan", "--task", "age", "--data", "x", "--out", "o"]
    assert _train_config(parser().parse_args(base)).domain_weight == 0.0
    assert _train_config(parser().parse_args(base + ["--domain-weight", "1"])).domain_weight == 1
