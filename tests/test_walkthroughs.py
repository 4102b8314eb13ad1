"""bench/walkthroughs.py: parameters injected, a tiny notebook executed and rendered."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from bench import walkthroughs

TINY = """# %% [markdown]
# # A tiny walkthrough

# %% tags=["parameters"]
import os
STEPS = 2
DATA = os.environ.get("PIX2PIX_DATA", "synthetic")

# %%
print(f"steps={STEPS} data={DATA}")

# %%
import io
import numpy as np
from IPython.display import Image, Markdown
from PIL import Image as PILImage

buffer = io.BytesIO()
rng = np.random.default_rng(0)
PILImage.fromarray(rng.integers(0, 255, (300, 1800, 3), dtype=np.uint8)).save(buffer, "PNG")
Image(data=buffer.getvalue())

# %%
Markdown(f"| steps |\\n| --- |\\n| {STEPS * 10} |")
"""


def png_bytes(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def test_overrides_are_parsed_and_checked():
    assert walkthroughs.parse_overrides(["07:MINUTES=10", "07:X='a'", "05:N=3"]) == {
        "07": {"MINUTES": "10", "X": "'a'"},
        "05": {"N": "3"},
    }
    with pytest.raises(SystemExit, match="NN:NAME=VALUE"):
        walkthroughs.parse_overrides(["MINUTES=10"])
    with pytest.raises(SystemExit, match="not a Python value"):
        walkthroughs.parse_overrides(["07:MINUTES=(10"])


def test_parameters_are_injected_after_the_parameters_cell(tmp_path):
    import jupytext

    path = tmp_path / "01_tiny.py"
    path.write_text(TINY)
    notebook = walkthroughs.inject_parameters(jupytext.read(path), {"STEPS": "7"})
    index = next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    assert notebook.cells[index + 1].source == "STEPS = 7"
    assert notebook.cells[index + 1].metadata["tags"] == ["injected-parameters"]
    path.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="parameters"):
        walkthroughs.inject_parameters(jupytext.read(path), {"STEPS": "7"})


def test_a_notebook_is_executed_and_rendered_with_its_pictures(tmp_path):
    path = tmp_path / "01_tiny.py"
    path.write_text(TINY)
    before = os.environ.get("PIX2PIX_DATA")
    notebook = walkthroughs.execute(path, {"STEPS": "5"}, {"PIX2PIX_DATA": "/faces"}, timeout=120)
    assert os.environ.get("PIX2PIX_DATA") == before  # the caller's environment is restored
    page = walkthroughs.render(notebook, path.stem, tmp_path / "out", header="> header")
    text = page.read_text()
    assert text.startswith("> header")
    assert "# A tiny walkthrough" in text
    assert "steps=5 data=/faces" in text  # the override and the environment reached the kernel
    assert "| 50 |" in text  # Markdown output kept as Markdown
    assert "STEPS = 5" not in text  # the injected cell is not shown as code
    images = list((tmp_path / "out" / "01_tiny").iterdir())
    assert len(images) == 1
    assert f"](01_tiny/{images[0].name})" in text
    shrunk = Image.open(images[0])
    assert shrunk.width == walkthroughs.MAX_WIDTH and shrunk.height == 150


def test_a_failing_cell_stops_the_run(tmp_path):
    path = tmp_path / "02_broken.py"
    path.write_text('# %% tags=["parameters"]\nN = 1\n\n# %%\nraise ValueError("boom")\n')
    with pytest.raises(Exception, match="boom"):
        walkthroughs.execute(path, {}, {}, timeout=120)


def test_photographs_become_jpeg_and_plots_palette_png():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (200, 2000, 3), dtype=np.uint8)
    data, suffix = walkthroughs.compress_image(png_bytes(photo), ".png")
    assert suffix == ".jpg"
    assert Image.open(io.BytesIO(data)).size == (walkthroughs.MAX_WIDTH, 90)
    plot = np.full((300, 400, 3), 255, np.uint8)
    plot[100:110] = (31, 119, 180)  # a line of a plot on white
    data, suffix = walkthroughs.compress_image(png_bytes(plot), ".png")
    assert suffix == ".png"
    assert Image.open(io.BytesIO(data)).mode == "P"
    assert len(data) < len(png_bytes(plot))


def test_a_gif_keeps_its_frames():
    frames = [Image.fromarray(np.full((40, 60, 3), v, np.uint8)) for v in (0, 120, 240)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=300)
    data, suffix = walkthroughs.compress_image(buffer.getvalue(), ".gif")
    assert suffix == ".gif"
    assert Image.open(io.BytesIO(data)).n_frames == 3
    many = [Image.fromarray(np.full((40, 600, 3), v, np.uint8)) for v in range(0, 240, 10)]
    buffer = io.BytesIO()
    many[0].save(buffer, "GIF", save_all=True, append_images=many[1:], duration=300)
    data, _ = walkthroughs.compress_image(buffer.getvalue(), ".gif")
    thinned = Image.open(io.BytesIO(data))
    assert thinned.n_frames == walkthroughs.MAX_GIF_FRAMES
    assert thinned.width == walkthroughs.MAX_GIF_WIDTH


def test_long_outputs_are_shortened():
    text = "\n".join(str(i) for i in range(100))
    short = walkthroughs.shorten(text)
    assert short.startswith("0\n1\n") and short.endswith("98\n99")
    assert "(60 lines left out)" in short
    assert walkthroughs.shorten("a\nb\n") == "a\nb"


def test_tensorflow_start_up_lines_are_left_out():
    text = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796529503.367674    4159 port.cc:153] oneDNN custom operations are on.\n"
        "E0000 00:00:1796529507.537935    4159 cuda_platform.cc:52] failed call to cuInit\n"
        "To enable the following instructions: AVX2 AVX512F, in other operations, rebuild\n"
        "epoch 1: loss 0.5\n"
    )
    assert walkthroughs.without_noise(text) == "epoch 1: loss 0.5\n"


def test_the_index_links_every_page_by_its_title(tmp_path):
    (tmp_path / "02_b.md").write_text("> note\n\n# 2. Second\n\ntext\n")
    (tmp_path / "01_a.md").write_text("# 1. First\n")
    (tmp_path / "notes.md").write_text("# not a walkthrough\n")
    text = walkthroughs.write_index(tmp_path).read_text()
    assert text.index("- [1. First](01_a.md)") < text.index("- [2. Second](02_b.md)")
    assert "notes.md" not in text


def test_a_resized_copy_is_written_once(tmp_path):
    photos = tmp_path / "faces"
    photos.mkdir()
    for i in range(2):
        Image.fromarray(np.full((80, 60, 3), 50 * i, np.uint8)).save(photos / f"p{i}.jpg")
    copy = walkthroughs.resized_copy(photos, 16, tmp_path / "data")
    assert copy == tmp_path / "data" / "faces-16"
    sizes = sorted(Image.open(p).size for p in copy.glob("*.png"))
    assert sizes == [(16, 16), (16, 16)]
    (copy / "p0.png").unlink()
    assert walkthroughs.resized_copy(photos, 16, tmp_path / "data") == copy
    assert not (copy / "p0.png").exists()  # finished copies are not redone
