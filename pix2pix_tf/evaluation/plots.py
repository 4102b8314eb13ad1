"""Pictures of results: input/target/output grids, loss curves, sample mosaics and GIFs.

Figures are drawn with matplotlib's object API on the Agg canvas, so they work
without a display and never touch pyplot's global state.
"""

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pix2pix_tf import atomic

# Where a mask-given input's mask says "fill", the photo is shown tinted with this colour.
MASK_TINT = np.array([1.0, 0.0, 1.0], np.float32)


def to_display(images):
    """Images in [-1, 1] (or uint8) -> float [0, 1] RGB arrays for imshow.

    A photo with its mask as a last channel (2 or 4 channels: mask-given
    inpainting's input) is shown as the photo, tinted magenta where the mask
    is set, rather than with the mask as transparency.
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    else:
        images = np.clip((images.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)
    mask = None
    if images.shape[-1] in (2, 4):
        images, mask = images[..., :-1], images[..., -1:] > 0.5
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    if mask is not None:
        images = np.where(mask, 0.5 * images + 0.5 * MASK_TINT, images)
    return images


def image_grid(columns, titles, suptitle=None, max_rows=4, row_titles=None):
    """Figure with one column per image batch (e.g. input, target, output).

    Args:
        columns: list of image batches, each (batch, H, W, C) in [-1, 1] or uint8.
        titles: one title per column.
        suptitle: figure title.
        max_rows: at most this many examples.
        row_titles: optional label of each row, shown left of it.

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
            if c == 0 and row_titles is not None:
                ax.set_ylabel(row_titles[r])
    top = 1.0
    if suptitle:
        # tight_layout leaves the figure title out: it gets a fixed strip at
        # the top, however tall the grid (a fraction of a 13-row grid's height ran
        # into the column titles).
        inches = fig.get_size_inches()[1]
        fig.suptitle(suptitle, y=1.0 - 0.08 / inches, va="top")
        top -= 0.25 / inches
    fig.tight_layout(rect=(0, 0, 1, top))
    return fig


def loss_curves(history, title="Training history"):
    """Figure of the generator and discriminator losses (and validation metrics).

    Args:
        history: dict of metric name -> list of per-epoch values (``History.history``).
    """
    groups = [  # panels without any of their keys (another model's) are left out
        ("Generator", ["g_gan", "g_l1"], "loss"),
        ("Occlusion detector (find-fill)", ["g_find"], "loss"),
        ("Generators' adversarial (CycleGAN)", ["g_gan_ab", "g_gan_ba"], "loss"),
        ("Cycle and identity L1", ["cycle_a", "cycle_b", "idt_a", "idt_b"], "loss"),
        ("Domain critic", ["domain_real", "domain_fake"], "loss"),
        ("Generator total", ["g_total"], "loss"),
        ("Discriminator", ["d", "d_a", "d_b"], "loss"),
        ("Validation quality", ["val_ssim", "val_l1", "val_ssim_ab", "val_ssim_ba"], "value"),
        ("Validation round trip", ["val_cycle_psnr_a", "val_cycle_psnr_b"], "PSNR, dB"),
    ]
    groups = [g for g in groups if any(k in history or f"val_{k}" in history for k in g[1])]
    columns = min(4, len(groups))
    rows = -(-len(groups) // columns)
    fig = Figure(figsize=(4.2 * columns, 3.4 * rows))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
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


def image_mosaic(images, title, labels=None, columns=8):
    """Figure of a batch of images in rows of ``columns``, e.g. GAN samples.

    Args:
        images: (batch, H, W, C) in [-1, 1] or uint8.
        title: figure title.
        labels: one label per image (shown under it), or None for "1", "2", ...
        columns: images per row.

    Returns:
        A matplotlib `Figure`.
    """
    images = to_display(images)
    count = len(images)
    if labels is None:
        labels = [str(i + 1) for i in range(count)]
    if len(labels) != count:
        raise ValueError(f"Got {count} images but {len(labels)} labels.")
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    height, width = images.shape[1:3]
    scale = 1.3 / max(height, width)
    fig = Figure(figsize=(columns * width * scale + 0.3, rows * (height * scale + 0.25) + 0.5))
    axes = fig.subplots(rows, columns, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < count:
            ax.imshow(images[i])
            ax.set_xlabel(labels[i], fontsize="small")
        else:
            ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def figure_to_array(fig, dpi=100):
    """uint8 (H, W, 3) RGB array of a rendered figure."""
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def save_gif(frames, path, seconds_per_frame=0.5, last_frame_seconds=2.0):
    """Writes frames as a looping animated GIF, atomically.

    Args:
        frames: uint8 (H, W, 3) arrays or matplotlib Figures, all the same size.
        path: output file.
        seconds_per_frame: how long each frame shows.
        last_frame_seconds: how long the last frame shows, so the result can be seen.

    Returns:
        ``path``.
    """
    from PIL import Image  # Pillow comes with matplotlib

    arrays = [figure_to_array(f) if isinstance(f, Figure) else np.asarray(f) for f in frames]
    if not arrays:
        raise ValueError("save_gif needs at least one frame.")
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"All GIF frames must have one size, got {sorted(shapes)}.")
    if arrays[0].dtype != np.uint8 or arrays[0].ndim != 3 or arrays[0].shape[-1] != 3:
        raise ValueError(
            f"Frames must be uint8 (H, W, 3), got {arrays[0].dtype} {arrays[0].shape}."
        )
    images = [Image.fromarray(a) for a in arrays]
    durations = [round(1000 * seconds_per_frame)] * len(images)
    durations[-1] = round(1000 * max(seconds_per_frame, last_frame_seconds))
    buffer = io.BytesIO()
    images[0].save(
        buffer, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0
    )
    atomic.write_bytes(path, buffer.getvalue())
    return path


def metric_bars(rows, metric, title, group="group", method="method", ylabel=None):
    """Grouped bar chart of one metric: a group of bars per ``group``, one bar per method.

    Args:
        rows: dicts with ``group``, ``method`` and ``metric`` keys (as
            `pix2pix_tf.evaluation.baselines.compare` returns).
        metric: the key to plot, e.g. "psnr".
        title: figure title.
        group: key of the bar groups (x axis).
        method: key of the bars within a group (legend).
        ylabel: y-axis label; the metric's name if None.

    Returns:
        A matplotlib `Figure`.
    """
    groups = list(dict.fromkeys(r[group] for r in rows))
    methods = list(dict.fromkeys(r[method] for r in rows))
    values = {(r[group], r[method]): r[metric] for r in rows}
    width = 0.8 / len(methods)
    fig = Figure(figsize=(1.2 + 1.1 * len(groups) * max(1, len(methods) / 2.5), 3.6))
    ax = fig.subplots()
    x = np.arange(len(groups))
    for i, name in enumerate(methods):
        heights = [values.get((g, name), np.nan) for g in groups]
        bars = ax.bar(x + (i - (len(methods) - 1) / 2) * width, heights, width, label=name)
        ax.bar_label(bars, fmt="%.2f" if metric != "ssim" else "%.3f", fontsize="x-small")
    ax.set_xticks(x, [str(g) for g in groups])
    ax.set_ylabel(ylabel or metric)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
