"""Pictures of results: input/target/output grids and loss curves.

Figures are drawn with matplotlib's object API on the Agg canvas, so they work
without a display and never touch pyplot's global state.
"""

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pix2pix_tf import atomic


def to_display(images):
    """Images in [-1, 1] (or uint8) -> float [0, 1] RGB arrays for imshow."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    else:
        images = np.clip((images.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    return images


def image_grid(columns, titles, suptitle=None, max_rows=4):
    """Figure with one column per image batch (e.g. input, target, output).

    Args:
        columns: list of image batches, each (batch, H, W, C) in [-1, 1] or uint8.
        titles: one title per column.
        suptitle: figure title.
        max_rows: at most this many examples.

    Returns:
        A matplotlib `Figure`.
    """
    rows = min(max_rows, len(columns[0]))
    height, width = np.asarray(columns[0]).shape[1:3]
    scale = 2.2 / max(height, width)
    fig = Figure(figsize=(len(columns) * width * scale + 0.4, rows * height * scale + 0.6))
    axes = fig.subplots(rows, len(columns), squeeze=False)
    for c, (batch, title) in enumerate(zip(columns, titles)):
        shown = to_display(np.asarray(batch)[:rows])
        for r in range(rows):
            ax = axes[r][c]
            ax.imshow(shown[r])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def loss_curves(history, title="Training history"):
    """Figure of the generator and discriminator losses (and validation metrics).

    Args:
        history: dict of metric name -> list of per-epoch values (``History.history``).
    """
    groups = [
        ("Generator", ["g_gan", "g_l1"], "loss"),
        ("Generator total (GAN + lambda L1)", ["g_total"], "loss"),
        ("Discriminator", ["d"], "loss"),
        ("Validation quality", ["val_ssim", "val_l1"], "value"),
    ]
    groups = [g for g in groups if any(k in history or f"val_{k}" in history for k in g[1])]
    fig = Figure(figsize=(4.2 * len(groups), 3.4))
    axes = fig.subplots(1, len(groups), squeeze=False)[0]
    for ax, (name, keys, ylabel) in zip(axes, groups):
        for key in keys:
            for shown in (key, f"val_{key}"):
                values = history.get(shown)
                if values is None or (shown != key and key.startswith("val_")):
                    continue
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, marker="o", markersize=3, label=shown)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def save_figure(fig, path, dpi=100):
    """Writes ``fig`` as a PNG, atomically."""
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=dpi)
    atomic.write_bytes(path, buffer.getvalue())
