"""The quiet start: TensorFlow's start-up lines hidden unless asked for (pix2pix_tf.tf_logs)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pix2pix_tf import tf_logs

ROOT = Path(__file__).resolve().parents[1]
# A C++ log line of TensorFlow (glog format: I0000 00:00:... file.cc:12] ...).
GLOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:")


def _clean_env():
    """This environment without a log level of our own or the test suite's."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", tf_logs._OURS)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _run(args, env=None):
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env or _clean_env(),
        cwd=ROOT,
        timeout=300,
    )


def _tensorflow_lines(stderr):
    return [
        line
        for line in stderr.splitlines()
        if tf_logs.is_noise(line) or GLOG_LINE.match(line) or "absl::" in line
    ]


@pytest.mark.parametrize(
    "argv, verbose",
    [
        (["/venv/bin/pix2pix-tf", "--verbose", "train", "--out", "x"], True),
        (["-m", "--verbose", "--help"], True),  # python -m pix2pix_tf.cli, during the import
        (["pix2pix-tf", "train", "--verbose"], False),  # a command's own flag, not the global
        (["pix2pix-tf", "train", "--out", "x"], False),
        (["/venv/bin/pytest", "--verbose"], False),  # another program's flag
        ([], False),
    ],
)
def test_cli_verbose_reads_the_global_flag_of_pix2pix_tf_only(argv, verbose):
    assert tf_logs.cli_verbose(argv) is verbose


def test_filtered_stderr_drops_the_start_up_lines_and_keeps_the_others(capfd):
    with tf_logs.filtered_stderr():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are\n")
        os.write(2, b"I0000 00:00:17.5 1 port.cc:153] oneDNN custom operations are on. x\n")
        os.write(2, b"a real problem\n")
        os.write(2, b"E0000 00:00:17.6 1 cuda_platform.cc:52] failed call to cuInit: 303\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "a real problem\nafter\n"


def test_filtered_stderr_writes_the_kept_lines_when_the_body_raises(capfd):
    with pytest.raises(RuntimeError), tf_logs.filtered_stderr():
        os.write(
            2,
            b"kept\nI0000 00:00:1.0 1 cudart_stub.cc:31] Could not find cuda drivers on "
            b"your machine, GPU will not be used.\n",
        )
        raise RuntimeError("boom")
    assert capfd.readouterr().err == "kept\n"


def test_the_cli_starts_without_tensorflow_lines():
    help_run = _run(["-m", "pix2pix_tf.cli", "--help"])
    assert help_run.returncode == 0, help_run.stderr
    assert "--verbose" in help_run.stdout
    assert help_run.stderr == ""
    # Running ops: CUDA is probed (cuInit on a machine without a GPU), oneDNN starts.
    ops = _run(["-c", "import pix2pix_tf, tensorflow as tf; print(int(tf.constant(1) + 1))"])
    assert ops.returncode == 0, ops.stderr
    assert ops.stdout.strip() == "2"
    assert _tensorflow_lines(ops.stderr) == []


def test_verbose_and_a_level_the_user_set_keep_tensorflow_logging():
    show = "import os, sys; {}import pix2pix_tf; print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'))"
    quiet = _run(["-c", show.format("")])
    verbose = _run(["-c", show.format("sys.argv[:] = ['pix2pix-tf', '--verbose', 'train']; ")])
    chosen = _run(["-c", show.format("")], env={**_clean_env(), "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert quiet.stdout.strip() == "2"
    assert verbose.stdout.strip() == "None"  # TensorFlow's own default level
    assert chosen.stdout.strip() == "0"
    # At its own level TensorFlow 2.21 prints start-up lines on any machine (absl's
    # "All log messages before absl::InitializeLog()", then CUDA or oneDNN notices):
    # they reach stderr unfiltered.
    assert _tensorflow_lines(verbose.stderr)
    assert _tensorflow_lines(chosen.stderr)
    assert _tensorflow_lines(quiet.stderr) == []


def test_the_cli_accepts_verbose_before_the_command():
    from pix2pix_tf import cli

    args = cli.parser().parse_args(["--verbose", "evaluate", "runs/x"])
    assert args.verbose and args.command == "evaluate"
    assert not cli.parser().parse_args(["evaluate", "runs/x"]).verbose


def test_a_bench_and_the_training_it_starts_stay_quiet():
    # The benches once set TF_CPP_MIN_LOG_LEVEL themselves, which read as the user's
    # level and let the start-up lines through (theirs and their children's).
    run = _run(["-m", "bench.serving", "--help"])
    assert run.returncode == 0, run.stderr
    assert _tensorflow_lines(run.stderr) == []
