"""The walkthrough notebooks, executed and rendered as Markdown pages with their pictures.

keras-io's convention: the notebook's ``.py`` (jupytext ``py:percent``) is the
source, and a generated page with the outputs and images is what people read
without running anything. Each notebook is executed in a fresh kernel (nbclient)
in its normal mode, then written to ``OUT/NN_name.md`` with its images in
``OUT/NN_name/``, downscaled and compressed (palette PNG for plots, JPEG for
photographs, GIFs resized) so that all pages together stay a few MB. The
``.ipynb`` files stay stripped.

Run::

    python -m bench.walkthroughs --data ../shared/data/utkface --runs /tmp/runs
    python -m bench.walkthroughs --data DIR --only 03 04 --set 07:MINUTES=10

``--data`` is given to each notebook as ``PIX2PIX_DATA`` (notebooks listed in
``SYNTHETIC_ONLY`` keep the built-in faces: no paired real mugshots exist for
``01``); ``--set NN:NAME=VALUE`` overrides a parameter of notebook ``NN`` (a
cell inserted after its ``parameters`` cell, as papermill does), and every
override is printed at the top of the page. Run directories go to ``--runs``
(each notebook's ``OUT`` keeps its own name there).
"""

import argparse
import ast
import base64
import io
import os
import re
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SYNTHETIC_ONLY = ("01",)  # no paired real mugshots here: the built-in faces
IMAGE_TYPES = {"image/gif": ".gif", "image/png": ".png", "image/jpeg": ".jpg"}
MAX_WIDTH = 900  # px: a figure wider than the page is shrunk to it
MAX_GIF_WIDTH = 480  # px: animations, whose every frame counts
MAX_GIF_FRAMES = 9  # more are thinned out evenly, keeping the first and the last
MAX_TEXT_LINES = 40  # of one stream output: the start and the end are kept


def notebook_paths(only=()):
    """The ``NN_name.py`` notebooks of ``notebooks/``, those whose number is in ``only``."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if only:
        paths = [p for p in paths if p.name[:2] in only]
        missing = set(only) - {p.name[:2] for p in paths}
        if missing:
            raise SystemExit(f"No notebook numbered {', '.join(sorted(missing))} in {NOTEBOOKS}.")
    return paths


def parse_overrides(items):
    """``["07:MINUTES=10", ...]`` -> ``{"07": {"MINUTES": "10"}}`` (values are Python code)."""
    overrides = {}
    for item in items:
        match = re.fullmatch(r"(\d\d):([A-Za-z_]\w*)=(.+)", item)
        if not match:
            raise SystemExit(f"--set {item!r}: write NN:NAME=VALUE, e.g. 07:MINUTES=10.")
        number, name, value = match.groups()
        try:
            ast.parse(value, mode="eval")
        except SyntaxError as error:
            raise SystemExit(
                f"--set {item!r}: {value!r} is not a Python value ({error})."
            ) from None
        overrides.setdefault(number, {})[name] = value
    return overrides


def inject_parameters(notebook, values):
    """Inserts a cell setting ``values`` (name -> Python code) after the ``parameters`` cell."""
    import nbformat

    if not values:
        return notebook
    index = next(
        (
            i
            for i, cell in enumerate(notebook.cells)
            if "parameters" in cell.get("metadata", {}).get("tags", [])
        ),
        None,
    )
    if index is None:
        raise ValueError("The notebook has no cell tagged 'parameters' to override.")
    source = "\n".join(f"{name} = {value}" for name, value in values.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(index + 1, cell)
    return notebook


def execute(path, values, env, timeout=None, partial=None):
    """The notebook at ``path`` executed in a fresh kernel (cwd: its folder), with its outputs."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    notebook = inject_parameters(jupytext.read(path), values)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update({k: v for k, v in env.items() if v is not None})
    for name in [k for k, v in env.items() if v is None]:
        os.environ.pop(name, None)
    try:
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute()
        except Exception:
            if partial is not None:  # what ran, with the error, for a look afterwards
                nbformat.write(notebook, partial)
            raise
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return notebook


def compress_image(data, suffix):
    """(bytes, suffix) of a smaller picture: at most `MAX_WIDTH` wide; palette PNG or JPEG."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    if suffix == ".gif":
        return compress_gif(image), ".gif"
    image = image.convert("RGB")
    if image.width > MAX_WIDTH:
        height = round(image.height * MAX_WIDTH / image.width)
        image = image.resize((MAX_WIDTH, height), Image.LANCZOS)
    palette = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(palette, "PNG", optimize=True)
    jpeg = io.BytesIO()
    image.save(jpeg, "JPEG", quality=85, optimize=True)
    # Plots (flat colours, thin lines) stay sharp as a palette PNG; photographs are
    # smaller and truer as JPEG.
    if palette.tell() <= 0.6 * jpeg.tell():
        return palette.getvalue(), ".png"
    return jpeg.getvalue(), ".jpg"


def compress_gif(image, max_width=MAX_GIF_WIDTH, colors=128):
    """A GIF's frames at most ``max_width`` wide, at most `MAX_GIF_FRAMES` of them, each
    on its own palette of ``colors`` without dithering (dither noise defeats GIF's
    compression)."""
    import numpy as np
    from PIL import Image, ImageSequence

    scale = min(1.0, max_width / image.width)
    size = (round(image.width * scale), round(image.height * scale))
    frames = [
        frame.convert("RGB")
        .resize(size, Image.LANCZOS)
        .quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        for frame in ImageSequence.Iterator(image)
    ]
    if len(frames) > MAX_GIF_FRAMES:
        keep = np.linspace(0, len(frames) - 1, MAX_GIF_FRAMES).round().astype(int)
        frames = [frames[i] for i in keep]
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=image.info.get("duration", 500),
        loop=image.info.get("loop", 0),
        optimize=True,
    )
    return out.getvalue()


def shorten(text):
    """A long stream output as its first and last lines."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) <= MAX_TEXT_LINES:
        return "\n".join(lines)
    half = MAX_TEXT_LINES // 2
    cut = len(lines) - 2 * half
    return "\n".join([*lines[:half], f"... ({cut} lines left out) ...", *lines[-half:]])


# TensorFlow's C++ start-up lines (glog prefix "I0000 00:00:..."), absl's notice and
# the CPU-instruction note: noise on a page, whatever the machine.
NOISE = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\]|WARNING: All log messages before "
    r"absl|To enable the following instructions|\[IPKernelApp\]|INFO:tensorflow:)"
)


def without_noise(text):
    """A stream output without TensorFlow's start-up log lines."""
    return "".join(line for line in text.splitlines(True) if not NOISE.match(line))


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def render(notebook, stem, out_dir, header=""):
    """Writes ``out_dir/stem.md`` and its images in ``out_dir/stem/``; returns the page path."""
    image_dir = out_dir / stem
    if image_dir.exists():
        shutil.rmtree(image_dir)
    image_dir.mkdir(parents=True)
    parts = [header] if header else []
    count = 0
    for cell in notebook.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.source.strip()
        if cell.cell_type == "markdown":
            parts.append(source)
            continue
        if cell.cell_type != "code":
            continue
        lines = [line for line in source.split("\n") if "%matplotlib inline" not in line]
        if "\n".join(lines).strip():
            parts.append("```python\n" + "\n".join(lines).strip() + "\n```")
        text = []
        for output in cell.get("outputs", []):
            kind = output["output_type"]
            if kind == "stream":
                text.append(without_noise(strip_ansi(output["text"])))
                continue
            if kind == "error":
                raise RuntimeError(f"{stem}: a cell failed: {output['ename']}: {output['evalue']}")
            data = output.get("data", {})
            if "".join(text).strip():
                parts.append("```\n" + shorten("".join(text)) + "\n```")
            text = []
            mime = next((m for m in IMAGE_TYPES if m in data), None)
            if mime:
                count += 1
                raw = base64.b64decode(data[mime])
                raw, suffix = compress_image(raw, IMAGE_TYPES[mime])
                name = f"{stem}_{count:02d}{suffix}"
                (image_dir / name).write_bytes(raw)
                parts.append(f"![output {count} of {stem}]({stem}/{name})")
            elif "text/markdown" in data:
                parts.append(data["text/markdown"].strip())
            elif "text/plain" in data:
                parts.append("```\n" + shorten(data["text/plain"]) + "\n```")
        if "".join(text).strip():
            parts.append("```\n" + shorten("".join(text)) + "\n```")
    page = out_dir / f"{stem}.md"
    page.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return page


def resized_copy(data, size, root):
    """A copy of the photos of folder ``data`` at ``size`` x ``size`` (OpenCV area
    interpolation), written once under ``root``; returns its path."""
    import cv2

    from pix2pix_tf.data.image_checks import list_images

    out = Path(root) / f"{Path(data).name}-{size}"
    done = out / ".complete"
    if done.is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    for path in list_images(data):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            continue  # the notebooks skip unreadable files the same way
        small = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(out / (Path(path).stem + ".png")), small)
    done.write_text("")
    return out


def page_header(path, data, values, seconds, command):
    """The note at the top of a rendered page: source, data, overrides, time, command."""
    lines = [
        f"<!-- Generated by `{command}` from notebooks/{path.name}; edit that file, not this. -->",
        "",
        f"> **Rendered walkthrough** of [`notebooks/{path.name}`](../../notebooks/{path.name}), "
        f"executed on {data} in {seconds / 60:.0f} minutes (2 shared CPU cores). ",
    ]
    if values:
        changed = ", ".join(f"`{name} = {value}`" for name, value in values.items())
        lines.append(f"> Parameters changed from the notebook's defaults: {changed}. ")
    lines.append(
        '> The outputs below are from this run; the "What it reaches" paragraphs were '
        "written for the notebook's own run with its defaults, so their numbers can differ."
    )
    return "\n".join(lines)


def data_words(data):
    if data == "synthetic":
        return "the built-in synthetic faces"
    return f"real faces (`{Path(data).name}`)"


def write_index(out_dir):
    """``out_dir/README.md``: a link to each rendered page, by its title."""
    lines = [
        "<!-- Generated by `make walkthroughs` (python -m bench.walkthroughs); do not edit. -->",
        "# Walkthroughs, rendered",
        "",
        "Each notebook of [`notebooks/`](../../notebooks/) executed in its normal mode and "
        "written out with its pictures and numbers, so that it can be read without running "
        "anything. Regenerate with `make walkthroughs DATA=...`.",
        "",
    ]
    for page in sorted(out_dir.glob("[0-9][0-9]_*.md")):
        title = next(
            (line[2:].strip() for line in page.read_text().splitlines() if line.startswith("# ")),
            page.stem,
        )
        lines.append(f"- [{title}]({page.name})")
    index = out_dir / "README.md"
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="synthetic", help="PIX2PIX_DATA of the notebooks")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "walkthroughs")
    parser.add_argument("--runs", type=Path, default=None, help="folder of the notebooks' runs")
    parser.add_argument("--only", nargs="*", default=(), help="notebook numbers, e.g. 02 07")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NN:NAME=VALUE",
        help="override a notebook parameter",
    )
    parser.add_argument(
        "--resized",
        action="append",
        default=[],
        metavar="NN:SIZE",
        help="give notebook NN a copy of --data at SIZE x SIZE (written once under --runs)",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="render the notebooks executed before, from --runs",
    )
    args = parser.parse_args(argv)
    import nbformat

    if args.data != "synthetic" and not Path(args.data).is_dir():
        raise SystemExit(f"--data {args.data}: no such folder (or write 'synthetic').")
    overrides = parse_overrides(args.overrides)
    resized = {}
    for item in args.resized:
        match = re.fullmatch(r"(\d\d):(\d+)", item)
        if not match or args.runs is None or args.data == "synthetic":
            raise SystemExit(f"--resized {item!r}: write NN:SIZE, with --runs and a --data folder.")
        resized[match.group(1)] = int(match.group(2))
    paths = notebook_paths(args.only)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.runs is not None:
        args.runs.mkdir(parents=True, exist_ok=True)
    command = "make walkthroughs DATA=" + ("synthetic" if args.data == "synthetic" else "DIR")
    for path in paths:
        number = path.name[:2]
        data = "synthetic" if number in SYNTHETIC_ONLY else str(Path(args.data).resolve())
        if number in resized and not args.render_only:
            data = str(resized_copy(data, resized[number], args.runs / "data"))
        values = dict(overrides.get(number, {}))
        if args.runs is not None:
            values.setdefault("OUT", f"Path({str(args.runs.resolve())!r}) / OUT.name")
        env = {"PIX2PIX_DATA": None if data == "synthetic" else data, "PIX2PIX_SMOKE": None}
        executed = None if args.runs is None else args.runs / f"{path.stem}.ipynb"
        if args.render_only:
            if executed is None or not executed.is_file():
                raise SystemExit(f"--render-only: no executed {path.stem}.ipynb in --runs.")
            notebook = nbformat.read(executed, as_version=4)
            seconds = notebook.metadata["walkthrough_seconds"]
        else:
            print(f"{path.name}: running on {data}", flush=True)
            started = time.perf_counter()
            notebook = execute(path, values, env, partial=executed)
            seconds = time.perf_counter() - started
            notebook.metadata["walkthrough_seconds"] = seconds
            if executed is not None:
                nbformat.write(notebook, executed)
        shown = {k: v for k, v in values.items() if k != "OUT"}
        words = data_words(args.data if number not in SYNTHETIC_ONLY else "synthetic")
        if number in resized:
            size = resized[number]
            words += (
                f", shrunk to {size}x{size} before the notebook reads them (so that the "
                "sketches are drawn at the model's size: drawn at full size and shrunk, "
                "their 1-pixel lines alias away)"
            )
        header = page_header(path, words, shown, seconds, command)
        page = render(notebook, path.stem, args.out, header)
        size = sum(f.stat().st_size for f in (args.out / path.stem).iterdir())
        print(
            f"{path.name}: {seconds / 60:.1f} min -> {page} ({size / 1e6:.2f} MB of images)",
            flush=True,
        )
    write_index(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
