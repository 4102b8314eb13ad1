"""bench/depth_serving.py on tiny shapes: every depth and runtime timed against the first."""

import json

from bench import depth_serving


def test_every_depth_is_exported_timed_and_compared(tmp_path, capsys):
    out = tmp_path / "depth.json"
    argv = [
        "--task",
        "colorization",
        "--size",
        "32",
        "--depths",
        "3",
        "2",
        "--runtimes",
        "tensorflow",
    ]
    assert depth_serving.main([*argv, "--batches", "2", "--rounds", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    rows = result["rows"]
    assert {(r["depth"], r["batch"]) for r in rows} == {(3, 2), (2, 2)}
    first = next(r for r in rows if r["depth"] == 3 and r["runtime"] == "tensorflow")
    assert first["ratio"] == 1.0
    assert all(r["images_per_second"] > 0 for r in rows)
    # The shallower U-Net has fewer weights: a smaller export.
    assert result["export_mb"]["2"] < result["export_mb"]["3"]
    assert "| 2 | 2 | tensorflow |" in capsys.readouterr().out
