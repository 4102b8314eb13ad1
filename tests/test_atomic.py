"""Atomic writes: what an interrupted write leaves behind is removed, never a half result."""

import os
import signal
import subprocess
import sys
import time

import pytest

from pix2pix_tf import atomic


def dead_pid():
    """The id of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_folders_left_by_killed_processes_are_removed_by_the_next_write(tmp_path):
    gone, alive = dead_pid(), os.getpid()
    stale = [f".out.{gone}.k2j4x_9a.tmp", f".out.old.{gone}"]
    kept = [f".out.{alive}.abcdefgh.tmp", f".out.5.{gone}.abcdefgh.tmp", ".out.json.x1.tmp"]
    for name in stale + kept:
        (tmp_path / name).mkdir()
    with atomic.directory(tmp_path / "out") as tmp:
        (tmp / "done").write_text("yes")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", *kept])
    assert (tmp_path / "out" / "done").read_text() == "yes"


def test_sigterm_during_a_write_removes_its_temporary_folder(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old").write_text("the previous version")
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        atomic.exit_on_sigterm()
        with pytest.raises(SystemExit) as stopped:
            with atomic.directory(tmp_path / "out") as tmp:
                (tmp / "half").write_text("half a result")
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)  # the handler raises long before this ends
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["old"]
