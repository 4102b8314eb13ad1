"""The command line end to end on tiny synthetic data: train, resume, evaluate, export, predict."""

import csv
import json
import shutil
import signal
import subprocess
import sys

import cv2
import numpy as np
import pytest

from pix2pix_tf.cli import main, run_summary

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


def test_a_run_is_scored_beside_the_trivial_answer_and_says_where_it_is(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    # Colorization's trivial answer is the gray photo itself, shown in RGB.
    trivial = metrics["input_as_output"]
    assert 0 < trivial["ssim"] <= 1 and 0 < trivial["psnr"] < 100 and trivial["l1"] > 0
    assert trivial["ssim"] != metrics["ssim"]
    summary = run_summary(metrics, run_dir)
    assert f"SSIM {trivial['ssim']:.3f}, PSNR {trivial['psnr']:.1f} dB" in summary
    assert f"SSIM {metrics['ssim']:.3f}" in summary
    for path in ("samples/test.png", "loss_curve.png", "metrics.json", "saved_model"):
        assert str(run_dir / path) in summary
    better = {**metrics, "ssim": 0.9, "psnr": 30.0, "input_as_output": {**trivial, "ssim": 0.5}}
    assert "does better than doing nothing" in run_summary(better, run_dir)
    worse = {**better, "psnr": trivial["psnr"] - 1}
    assert "does not beat doing nothing yet" in run_summary(worse, run_dir)


def test_same_command_with_more_steps_resumes(run_dir, capsys):
    assert (
        main(["train", "--task", "colorization", "--out", str(run_dir), "--steps", "6", *TINY]) == 0
    )
    assert "Resuming" in capsys.readouterr().out
    with open(run_dir / "history.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0", "1", "2"]
    assert json.loads((run_dir / "checkpoints" / "state.json").read_text())["step"] == 6


def test_resuming_to_steps_that_are_no_multiple_of_the_epoch_stops_there(run_dir):
    """6 steps done in epochs of 2; --steps 7 adds one epoch of a single step, not two steps."""
    argv = ["train", "--task", "colorization", "--out", str(run_dir), "--steps", "7", *TINY]
    assert main(argv) == 0
    state = json.loads((run_dir / "checkpoints" / "state.json").read_text())
    assert state == {"epoch": 4, "step": 7, "checkpoint": "epoch_0004.keras"}
    assert json.loads((run_dir / "metrics.json").read_text())["steps"] == 7


def test_other_settings_in_the_same_run_dir_are_refused(run_dir, capsys):
    argv = ["train", "--task", "autoencoder", "--out", str(run_dir), "--steps", "7", *TINY]
    assert main(argv) == 2
    assert "task: 'colorization' there, 'autoencoder' now" in capsys.readouterr().err


def test_evaluate_prints_and_writes_json(run_dir, capsys):
    assert main(["evaluate", str(run_dir), "--out", str(run_dir)]) == 2
    assert "is a folder; give the path of a JSON file" in capsys.readouterr().err
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


@pytest.mark.parametrize(
    "options, message",
    [
        (["--depth", "0"], "depth must be a positive number of U-Net levels"),
        (["--data", "FILE"], "is a file, not a folder; pass the folder that holds the images"),
        (["--out", "FILE"], "is a file, not a folder; give a new folder for the run"),
        (["--data", "MISSING"], "does not exist"),
    ],
)
def test_a_failed_start_says_why_and_leaves_no_run_folder(tmp_path, capsys, options, message):
    (tmp_path / "file.jpg").write_bytes(b"a photo, not a folder of them")
    paths = {"FILE": str(tmp_path / "file.jpg"), "MISSING": str(tmp_path / "nope")}
    options = [paths.get(o, o) for o in options]
    out = [] if "--out" in options else ["--out", str(tmp_path / "run")]
    argv = ["train", "--task", "autoencoder", "--steps", "1", *TINY, *out, *options]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    assert (tmp_path / "file.jpg").read_bytes() == b"a photo, not a folder of them"


def test_a_damaged_config_is_named_with_what_to_do(run_dir, tmp_path, capsys):
    run = shutil.copytree(run_dir, tmp_path / "run")
    (run / "config.json").write_text("{not json")
    for command in (["evaluate", str(run)], ["export", str(run), "--out", str(tmp_path / "e")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"{run / 'config.json'} is damaged" in err
        assert "run the same `pix2pix-tf train`" in err


def test_predict_never_writes_over_an_input_or_an_earlier_output(run_dir, tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    face = np.random.default_rng(1).integers(0, 255, (40, 36, 3), dtype=np.uint8)
    cv2.imwrite(str(photos / "face.png"), face)
    before = (photos / "face.png").read_bytes()
    model = str(run_dir / "saved_model")
    assert main(["predict", model, str(photos / "face.png"), "--out", str(photos)]) == 2
    assert f"{photos / 'face.png'} (an input image)" in capsys.readouterr().err
    assert (photos / "face.png").read_bytes() == before

    (photos / "dup.jpg").write_bytes(cv2.imencode(".jpg", face)[1].tobytes())
    (photos / "dup.JPG").write_bytes(cv2.imencode(".jpg", face[::-1])[1].tobytes())
    argv = ["predict", model, str(photos / "dup.jpg"), str(photos / "dup.JPG")]
    assert main([*argv, "--out", str(tmp_path / "pred")]) == 0
    printed = capsys.readouterr().out
    assert "dup.JPG -> dup_2.png" in printed and "2 images written" in printed
    written = sorted(p.name for p in (tmp_path / "pred").iterdir())
    assert written == ["dup.png", "dup_2.png"]
    first = (tmp_path / "pred" / "dup.png").read_bytes()
    assert first != (tmp_path / "pred" / "dup_2.png").read_bytes()

    assert main([*argv, "--out", str(tmp_path / "pred")]) == 2
    assert "2 output(s) would" in capsys.readouterr().err
    assert (tmp_path / "pred" / "dup.png").read_bytes() == first


# The signal comes from inside the export, once its temporary folder holds the
# SavedModel: a signal sent from outside on seeing the folder raced the export's end.
_EXPORT_STOPPED_BY_SIGTERM = """
import os, signal, sys
from pix2pix_tf import cli
from pix2pix_tf.serving import export

write_formats = export.write_formats

def stop_midway(folder, *args, **kwargs):
    assert (folder / "saved_model.pb").exists(), sorted(os.listdir(folder))
    os.kill(os.getpid(), signal.SIGTERM)
    return write_formats(folder, *args, **kwargs)

export.write_formats = stop_midway
sys.exit(cli.main(sys.argv[1:]))
"""


def test_an_export_stopped_by_sigterm_leaves_no_temporary_folder(run_dir, tmp_path):
    out = tmp_path / "exported"
    command = [sys.executable, "-c", _EXPORT_STOPPED_BY_SIGTERM, "export", str(run_dir)]
    process = subprocess.run([*command, "--out", str(out)], capture_output=True, timeout=300)
    tail = process.stderr.decode(errors="replace")[-3000:]
    assert process.returncode == 128 + signal.SIGTERM, tail
    assert list(tmp_path.iterdir()) == [], tail


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


@pytest.mark.parametrize(
    "command", ["train", "evaluate", "export", "predict", "serve", "prepare", "download"]
)
def test_every_help_page_prints(command, capsys):
    # argparse formats help with %: a task description with "25%" once crashed train --help.
    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: pix2pix-tf {command}")
    if command == "train":
        assert "(25%)" in text and "occlusion-without-texture" in text
