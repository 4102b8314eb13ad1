"""The command line end to end on tiny synthetic data: train, resume, evaluate, export, predict."""

import csv
import json

import cv2
import numpy as np
import pytest

from pix2pix_tf.cli import main

TINY = [
    "--image-size",
    "32",
    "--num-faces",
    "20",
    "--batch-size",
    "2",
    "--base-filters",
    "4",
    "--steps-per-epoch",
    "2",
    "--seed",
    "0",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "colorization"
    assert main(["train", "--task", "colorization", "--out", str(out), "--steps", "4", *TINY]) == 0
    return out


def test_train_writes_the_whole_run(run_dir):
    for name in (
        "config.json",
        "history.csv",
        "loss_curve.png",
        "metrics.json",
        "checkpoints/state.json",
    ):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "saved_model" / "saved_model.pb").is_file()
    assert sorted(p.name for p in (run_dir / "samples").glob("*.png")) == [
        "epoch_0001.png",
        "epoch_0002.png",
        "test.png",
    ]
    assert any((run_dir / "logs").rglob("events.out.tfevents*"))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["steps"] == 4 and metrics["pairs"] == 2
    assert 0 < metrics["ssim"] <= 1 and metrics["psnr"] > 0
    config = json.loads((run_dir / "config.json").read_text())
    assert config["task"] == "colorization" and config["image_size"] == [32, 32]


def test_same_command_with_more_steps_resumes(run_dir, capsys):
    assert (
        main(["train", "--task", "colorization", "--out", str(run_dir), "--steps", "6", *TINY]) == 0
    )
    assert "Resuming" in capsys.readouterr().out
    with open(run_dir / "history.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0", "1", "2"]
    assert json.loads((run_dir / "checkpoints" / "state.json").read_text())["step"] == 6


def test_other_settings_in_the_same_run_dir_are_refused(run_dir, capsys):
    argv = ["train", "--task", "autoencoder", "--out", str(run_dir), "--steps", "6", *TINY]
    assert main(argv) == 2
    assert "task: 'colorization' there, 'autoencoder' now" in capsys.readouterr().err


def test_evaluate_prints_and_writes_json(run_dir, capsys):
    assert main(["evaluate", str(run_dir)]) == 0
    written = json.loads((run_dir / "evaluation.json").read_text())
    assert written["split"] == "test" and written["pairs"] == 2
    assert json.loads(capsys.readouterr().out.split("\nWritten")[0]) == written
    assert (run_dir / "samples" / "evaluation_test.png").is_file()


def test_export_and_predict_on_any_size(run_dir, tmp_path):
    exported = tmp_path / "exported"
    assert main(["export", str(run_dir), "--out", str(exported), "--tflite"]) == 0
    assert (exported / "model.tflite").is_file()
    photo = np.random.default_rng(0).integers(0, 255, (45, 70, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "photo.jpg"), photo)
    assert (
        main(
            ["predict", str(exported), str(tmp_path / "photo.jpg"), "--out", str(tmp_path / "pred")]
        )
        == 0
    )
    result = cv2.imread(str(tmp_path / "pred" / "photo.png"))
    assert result.shape == (45, 70, 3)


def test_predict_with_a_missing_image_writes_nothing(run_dir, tmp_path, capsys):
    assert (
        main(
            [
                "predict",
                str(run_dir / "saved_model"),
                str(tmp_path / "nope.png"),
                "--out",
                str(tmp_path / "p"),
            ]
        )
        == 2
    )
    assert "No image at" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_bad_image_size_is_a_clear_error(tmp_path, capsys):
    argv = ["train", "--out", str(tmp_path / "r"), "--image-size", "33", "--steps", "1"]
    assert main(argv) == 2
    assert "even height and width" in capsys.readouterr().err


def test_export_openvino_int8_and_predict_with_it(run_dir, tmp_path, capsys):
    pytest.importorskip("nncf", reason="pip install 'pix2pix_tf[serving]'")
    exported = tmp_path / "exported"
    argv = ["export", str(run_dir), "--out", str(exported), "--int8", "--calibration-images", "4"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "int8 against fp32 on 2 test images: PSNR" in out and "openvino int8" in out
    quality = json.loads((exported / "pix2pix_tf.json").read_text())["int8_quality"]
    assert quality["images"] == 2 and np.isfinite(quality["psnr_change"])
    photo = np.random.default_rng(0).integers(0, 255, (45, 70, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "photo.jpg"), photo)
    for precision in ("fp32", "int8"):
        pred = tmp_path / precision
        argv = ["predict", str(exported), str(tmp_path / "photo.jpg"), "--out", str(pred)]
        assert main([*argv, "--runtime", "openvino", "--precision", precision]) == 0
        assert cv2.imread(str(pred / "photo.png")).shape == (45, 70, 3)


def test_serve_and_predict_say_what_is_missing(run_dir, tmp_path, capsys):
    assert main(["serve", str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    argv = ["predict", str(run_dir / "saved_model"), "x.png", "--out", str(tmp_path / "p")]
    assert main([*argv, "--runtime", "onnxruntime"]) == 2
    assert "--format onnx" in capsys.readouterr().err
