# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. What the generator needs to see
#
# pix2pix can turn a sketch into a photo, but how much of the photo must the sketch
# still hold? Here the same faces are given to the generator in four forms, each keeping
# a different part of the picture, and four models are trained with **the same budget**:
#
# | input | what it keeps | what it throws away |
# | --- | --- | --- |
# | `threshold` | each channel cut at 127: 8 flat colours | every shade in between |
# | `contours` | where each channel crosses 50, 100, 150, 200 | the inside of regions |
# | `canny` | Canny edges, one gray channel | all colour, all flat regions |
# | `autoencoder` | everything (input = target) | nothing: the skips can copy |
#
# The autoencoder is the ceiling: what the network and the budget can do when nothing is
# missing. The question is how close each sketch gets to it, and why.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
from IPython.display import Markdown

from pix2pix_tf.evaluation import baselines, plots
from pix2pix_tf.tasks.pairs import task_pairs
from pix2pix_tf.training import TrainConfig, split_dataset, train

tf.get_logger().setLevel("ERROR")  # four models in one process: no retracing warnings
STARTED = time.perf_counter()

# %% tags=["parameters"]
SMOKE = os.environ.get("PIX2PIX_SMOKE") == "1"  # CI: tiny images and a few steps
DATA = os.environ.get("PIX2PIX_DATA", "synthetic")  # or a folder of face photos
TASKS = ("threshold", "contours", "canny", "autoencoder")
IMAGE_SIZE = (32, 32) if SMOKE else (64, 64)
STEPS = 4 if SMOKE else 400  # optimizer steps per model: the same budget for each
STEPS_PER_EPOCH = 2 if SMOKE else 100
BATCH_SIZE = 2 if SMOKE else 4
BASE_FILTERS = 4 if SMOKE else 16
NUM_FACES = 20 if SMOKE else 1000  # synthetic people: 80% train, 10% val, 10% test
OUT = Path(tempfile.mkdtemp()) if SMOKE else Path("../runs/notebooks/04_inputs")
RESTART = True  # False: continue the runs in OUT instead of starting again

# %% [markdown]
# ## Data: one face, four inputs

# %%
views = {}
for task in TASKS:
    pairs = task_pairs(task, DATA, "train", image_size=IMAGE_SIZE, num_faces=NUM_FACES)
    views[task], photos = (np.stack(x) for x in zip(*pairs.take(4).as_numpy_iterator()))
plots.image_grid(
    [photos] + [views[task] for task in TASKS[:-1]],
    ["photo (target)"] + [f"input: {task}" for task in TASKS[:-1]],
    suptitle="The same training faces as each task's input",
)

# %% [markdown]
# ## Four models, one budget
#
# Every model has the same settings: 64x64, a 6-level U-Net with 16 base filters,
# batches of 4, `STEPS` steps with the learning rate decayed over the second half. Only
# the input changes.

# %%
models, runs = {}, {}
for task in TASKS:
    config = TrainConfig(
        task=task,
        data=DATA,
        image_size=IMAGE_SIZE,
        batch_size=BATCH_SIZE,
        steps=STEPS,
        steps_per_epoch=STEPS_PER_EPOCH,
        num_faces=NUM_FACES,
        base_filters=BASE_FILTERS,
        learning_rate=5e-4,
        lr_decay_fraction=0.5,
    )
    run_dir = OUT / task
    if RESTART and (run_dir / "config.json").is_file():
        shutil.rmtree(run_dir)  # only ever a run directory: it holds config.json
    models[task], metrics = train(config, run_dir, verbose=0)
    runs[task] = config
    print(
        f"{task:12s} {metrics['steps']} steps in {metrics['train_seconds_this_session']:4.0f} s"
        f"   test SSIM {metrics['ssim']:.3f}  PSNR {metrics['psnr']:.2f} dB"
    )

# %% [markdown]
# ## Side by side
#
# The same held-out faces, each input next to what its model made of it.

# %%
columns, titles = [], []
for task in TASKS:
    inputs, targets = next(iter(split_dataset(runs[task], "test", cache=False)[0]))
    if task != "autoencoder":
        columns.append(inputs)
        titles.append(f"{task} input")
    columns.append(models[task](inputs, training=False))
    titles.append(f"from {task}")
columns.append(targets)
titles.append("original")
plots.image_grid(columns, titles, suptitle="What each input lets the generator draw")

# %% [markdown]
# ## Numbers
#
# SSIM and PSNR against the original on the test faces, for each model and for its input
# alone (as RGB; how much of the photo the sketch already is).

# %%
rows = []
for task in TASKS:
    test_data = split_dataset(runs[task], "test")[0]
    methods = {
        "input alone": baselines.input_as_output,
        "pix2pix": baselines.model_method(models[task]),
    }
    rows += [{**r, "group": task} for r in baselines.compare(test_data, methods)]
table = baselines.wide_table(rows, group="group")
for line in table:
    line["input"] = line.pop("group")
columns = ["input", "pix2pix ssim", "pix2pix psnr", "input alone ssim", "input alone psnr"]
Markdown(baselines.markdown_table(table, columns))

# %%
plots.metric_bars(
    [r for r in rows if r["method"] == "pix2pix"],
    "ssim",
    f"Test SSIM after {STEPS} steps, by input",
    method="method",
    ylabel="SSIM",
)

# %% [markdown]
# **What it reaches, and why.** In our run with the defaults above (synthetic faces,
# 64x64, 400 steps per model, 2 CPU cores shared with other jobs at a load average of
# 12 to 27: 48 minutes for the whole notebook, 9 to 12 minutes per model) the test
# faces score:
#
# | input | pix2pix SSIM | pix2pix PSNR | input alone SSIM | input alone PSNR |
# | --- | --- | --- | --- | --- |
# | threshold | 0.780 | 21.26 dB | 0.624 | 12.56 dB |
# | contours | 0.748 | 21.12 dB | 0.115 | 3.72 dB |
# | canny | 0.686 | 18.63 dB | 0.003 | 3.21 dB |
# | autoencoder | 0.892 | 26.98 dB | 1.000 | identical |
#
# Every sketch gives a face far closer to the photo than the sketch itself, and the
# order follows how much colour the input keeps:
#
# * **threshold** keeps the big flat regions and a coarse colour for each (dark or light
#   skin, hair, shirt, background), which is most of what SSIM and PSNR measure. Where
#   a dark face falls below the cut as a whole, eyes and mouth vanish from the input
#   and from the output too.
# * **contours** keep where each colour channel crosses a level: the layout of the face
#   and, from which channels cross where, a rough colour. The outputs have eyes, mouths
#   and roughly the right skin tone, with smudges along stray contour lines (the
#   background's gradient crosses a level too).
# * **canny** keeps only gray edges: eyes, brows, mouth and hairline are drawn in the
#   right places, but skin, hair, shirt and background colour must be guessed, so the
#   model paints similar brown faces for everyone. Lowest scores.
# * **autoencoder** is the ceiling of this budget: even with the whole photo as input
#   the outputs are still soft after 400 steps (SSIM 0.89), so the gaps between the
#   sketches are what they lack, and the blur is what the short training lacks.
#
# ## Export
#
# Each run directory holds its generator as a SavedModel. The Canny model, for example,
# turns any edge map into a face, here a crop of another size:

# %%
served = tf.saved_model.load(str(OUT / "canny" / "saved_model"))
edges = task_pairs("canny", DATA, "test", image_size=IMAGE_SIZE, num_faces=NUM_FACES)
edge_maps = np.stack([e for e, _ in edges.take(2).as_numpy_iterator()])[:, 2:-6, 4:-4]
faces = served.serve_uint8(edge_maps).numpy()
plots.image_grid(
    [edge_maps, faces],
    [f"Canny edges {edge_maps.shape[1]}x{edge_maps.shape[2]}", "SavedModel output"],
    suptitle="The exported Canny-to-face model",
)

# %%
print(f"notebook finished in {time.perf_counter() - STARTED:.0f} s")
