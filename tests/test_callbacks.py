"""Progress lines inside long epochs (training.callbacks.ProgressLines), the time budget."""

import re

from fake_clock import FakeClock

from pix2pix_tf.training import TrainConfig, run
from pix2pix_tf.training.callbacks import ProgressLines, TimeBudget

LINE = re.compile(
    r"^step (\d+)/(\d+) \((\d+)%\), ([\d.]+) images/s(, .+)?; (\d+:\d\d(:\d\d)?) left$"
)


def test_a_line_every_n_seconds_with_steps_rate_losses_and_time_left():
    clock, lines = FakeClock(), []
    progress = ProgressLines(
        900, batch_size=16, every_seconds=30, clock=clock, print_fn=lines.append
    )
    progress.on_train_begin()
    for batch in range(300):
        clock.now += 0.5  # 2 steps/s: 32 images/s
        progress.on_train_batch_end(batch, {"g_l1": 0.0812, "d_loss": 0.49, "ssim": float("nan")})
    # 150 s: a line at each 30 s, i.e. every 60 steps.
    assert [LINE.match(line).group(1) for line in lines] == ["60", "120", "180", "240", "300"]
    last = LINE.match(lines[-1])
    assert last.group(2) == "900" and last.group(3) == "33"
    assert float(last.group(4)) == 32.0
    assert "g_l1 0.0812" in lines[-1] and "d_loss 0.49" in lines[-1] and "ssim" not in lines[-1]
    assert last.group(6) == "5:00"  # 600 steps left at 2 steps/s


def test_resumed_runs_count_from_the_checkpoint_and_the_last_step_prints_nothing():
    clock, lines = FakeClock(), []
    progress = ProgressLines(
        10, 4, steps_done=7, every_seconds=1, clock=clock, print_fn=lines.append
    )
    progress.on_train_begin()
    for batch in range(3):
        clock.now += 2.0
        progress.on_train_batch_end(batch, {})
    # Steps 8 and 9; step 10 ends the run, and Keras prints its epoch line.
    assert [LINE.match(line).group(1) for line in lines] == ["8", "9"]
    assert LINE.match(lines[0]).group(5) is None  # no losses logged, none shown


def test_train_in_line_mode_prints_progress_inside_the_epoch(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(run, "PROGRESS_SECONDS", 0.0)
    config = TrainConfig(
        task="colorization", image_size=(32, 32), num_faces=20, batch_size=2, base_filters=4,
        steps=5, steps_per_epoch=5, precision="float32",
    )  # fmt: skip
    run.train(config, tmp_path / "run", verbose=2)
    lines = [m for m in map(LINE.match, capsys.readouterr().out.splitlines()) if m]
    assert [m.group(1) for m in lines] == ["1", "2", "3", "4"]
    assert all(m.group(2) == "5" for m in lines)
    assert "g_l1" in lines[-1].string


def test_other_verbose_modes_print_no_progress_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(run, "PROGRESS_SECONDS", 0.0)
    config = TrainConfig(
        task="colorization", image_size=(32, 32), num_faces=20, batch_size=2, base_filters=4,
        steps=3, precision="float32",
    )  # fmt: skip
    run.train(config, tmp_path / "run", verbose=0)
    assert not [line for line in capsys.readouterr().out.splitlines() if LINE.match(line)]


class _Model:
    stop_training = False


def test_the_budget_stops_after_the_batch_during_which_its_clock_passes_it():
    clock, model = FakeClock(), _Model()
    budget = TimeBudget(10.0, clock=clock)
    budget.set_model(model)
    clock.now = 100.0  # the clock's origin does not matter, only the time since fit began
    budget.on_train_begin()
    for batch in range(5):
        clock.now += 3.0
        budget.on_train_batch_end(batch)
        if model.stop_training:
            break
    assert budget.stopped and budget.steps == 4  # 12 s after the 4th batch
