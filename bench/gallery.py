"""The gallery: one picture per experiment of the seeds, from real runs, beside the baselines.

Each experiment's picture shows test faces the model never saw (input, the free
baselines where they draw something, the model's output, the target) and its
table scores the model beside those baselines. Most runs are the walkthrough
notebooks' own (``make walkthroughs`` writes them to ``RUNS/notebooks``); the
experiments no notebook trains (super-resolution, denoising, Noise2Noise) are
trained here with ``pix2pix-tf train`` into ``RUNS/<name>`` when their folder
holds no finished run. Writes ``docs/gallery.md`` and ``docs/gallery/``.

Run::

    python -m bench.gallery --data ../shared/data/utkface --runs runs/gallery

A run folder that is missing stops the gallery with the command that makes it.
"""

import argparse
import dataclasses
import io
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from bench import quality, walkthroughs

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
EXAMPLES = 4  # test faces in each picture
SCORED = 200  # test faces scored per group
ALIGNMENT_PHOTOS = 400  # the photos notebook 05 aligns (its NUM_PHOTOS)
MEAN_FACE_PHOTOS = 2000  # training photos averaged for the "mean training face"


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One gallery picture.

    Attributes:
        name: file stem of the picture in ``docs/gallery/``.
        title: heading.
        task: the pix2pix task of the run; "alignment" and "dcgan" are notebook 05's
            other experiments.
        run: the run folder, relative to ``--runs``.
        notebook: the notebook whose run it is, or None: trained by this script.
        options: ``pix2pix-tf train`` options of a run trained here.
        note: what to look at.
    """

    name: str
    title: str
    task: str
    run: str
    notebook: str | None = None
    options: tuple = ()
    note: str = ""


NB04 = "04_what_the_generator_needs"
SKETCH_BUDGET = (
    "Notebook 04's budget, the same for its four inputs: 400 steps of 4 faces, with the "
    "paper's dropout, on the photos shrunk to 64x64 first. "
)
NB05 = "05_faces_of_one_person"
AGE_NOTE = (
    "UTKFace split by the age in its file names: young (<= 30) and old (>= 60), no pairs. "
    "Each row: a test face, its translation, and the translation taken back (the cycle). "
    "With no pairs there is no target to score against: the table gives the share of "
    "translations that a domain classifier, trained here on the same photos, puts in the "
    "target domain (beside the untranslated inputs'), the SSIM of input and output (is "
    "the person still there?) and the round trip's PSNR. Notebook 07 walks through it."
)
EXPERIMENTS = (
    Experiment(
        "mugshot",
        "Mugshot: front view -> profile",
        "mugshot",
        "notebooks/01_mugshot",
        "01_mugshot_front_to_profile",
        note="Synthetic people (no paired real mugshots are available here); people of the "
        "test split were never seen in training.",
    ),
    Experiment(
        "occlusion",
        "Occluded faces: mask, blur, partial, full (blind)",
        "occlusion",
        "notebooks/02_occlusion",
        "02_occluded_faces",
        note="One blind model for every occlusion (the broad mix of `occluders.OcclusionMix`), "
        "scored on the four original types; 600 steps of 16 faces (the notebook's budget); "
        "Telea inpainting is given the true mask. The faces sit small in a black frame "
        "because `prepare` aligns UTKFace's photos by the eyes with a margin. At this budget "
        "the detector finds the face mask, the patch and the lower face and the filler paints "
        "them over with smooth, flat skin (a speck of the mask's strap or the patch's corner "
        "can stay); a blur it finds too, and fills worse than the blurred photo itself. "
        "25-minute runs, blind and with the mask given, are in "
        "[quality.md](quality.md#occlusions-it-never-saw-issue-13).",
    ),
    Experiment(
        "colorization",
        "Grayscale -> colour",
        "colorization",
        "notebooks/03_colorization",
        "03_grayscale_to_colour",
    ),
    Experiment(
        "threshold",
        "Thresholds -> photo",
        "threshold",
        "notebooks/04_inputs/threshold",
        NB04,
        note=SKETCH_BUDGET + "Layout and coarse colour come back; detail does not.",
    ),
    Experiment(
        "contours",
        "Contours -> photo (a failure case at this budget)",
        "contours",
        "notebooks/04_inputs/contours",
        NB04,
        note=SKETCH_BUDGET + "**Not enough for contours of real faces**: the outputs have "
        "the face's layout, washed-out colour, blur and the transposed convolutions' "
        "checkerboard. (On the synthetic faces, whose flat colours the lines enclose, the same "
        "budget gives SSIM 0.75.)",
    ),
    Experiment(
        "canny",
        "Canny edges -> photo (a failure case at this budget)",
        "canny",
        "notebooks/04_inputs/canny",
        NB04,
        note=SKETCH_BUDGET + "**Not enough for edges of real faces**: eyes, brows and mouth "
        "land in the right places, but skin, hair and background are guessed, blurred and "
        "checkered.",
    ),
    Experiment(
        "autoencoder",
        "Autoencoder: photo -> the same photo",
        "autoencoder",
        "notebooks/04_inputs/autoencoder",
        NB04,
        note="The ceiling of notebook 04's budget: the whole photo as input.",
    ),
    Experiment(
        "noise",
        "Noise -> face",
        "noise",
        "notebooks/05_one_person/noise",
        NB05,
        note="An input without information: the best answer under L1 is one face for all, "
        "close to the mean face. After notebook 05's 300 steps the outputs are still blurred "
        "blobs that let some noise through, and score below the mean face itself.",
    ),
    Experiment(
        "average",
        "Another person -> a person: the average face",
        "average",
        "notebooks/05_one_person/average",
        NB05,
        note="The input is a different person from the target, so the model learns the "
        "average face. After 300 steps it is not there yet: a checkered blur, below the mean "
        "face's own scores.",
    ),
    Experiment(
        "alignment",
        "Eye alignment: the mean face before and after",
        "alignment",
        "notebooks/05_one_person",
        NB05,
        note="UTKFace's photos come cropped and roughly aligned by its authors, so aligning "
        "them by the eyes gains little here (sharpness is the variance of the Laplacian of "
        "the mean, at 128x128); on photos framed in many ways (notebook 05 on the synthetic "
        "snapshots) the mean goes from a blur (5) to a face (250).",
    ),
    Experiment(
        "dcgan",
        "DCGAN: faces from noise, during training",
        "dcgan",
        "notebooks/05_one_person",
        NB05,
        note="800 steps of 16 of the 400 aligned UTKFace photos, 32 filters (`make "
        "walkthroughs` widens notebook 05's DCGAN from 16). The samples differ in skin tone, "
        "light and background, not yet in shape: blurred, checkered face-like images, a "
        "start rather than faces. Below, how different two samples are, beside two real "
        "faces (0 would be one picture for every noise vector).",
    ),
    Experiment(
        "age",
        "Young <-> old without pairs (CycleGAN)",
        "age",
        "age",
        options=(
            *("--model", "cyclegan", "--image-size", "64", "--generator", "resnet6"),
            *("--base-filters", "32", "--batch-size", "4", "--upsampling", "resize"),
            *("--steps", "5200", "--steps-per-epoch", "400", "--max-minutes", "60"),
        ),
        note=AGE_NOTE,
    ),
    Experiment(
        "superres",
        "Super-resolution: 4x downscaled -> full size",
        "superres",
        "superres",
        options=("--image-size", "64", "--steps", "1000", "--steps-per-epoch", "250"),
        note="The input is the bicubic upscaling the model starts from (residual output). "
        "On a folder the 4x downscaling acts on the photo at its own size (200 -> 50 px), "
        "so at the 64x64 shown here the loss is mild, and so is the gain.",
    ),
    Experiment(
        "denoise",
        "Denoising (Gaussian noise, sigma 25)",
        "denoise",
        "denoise",
        options=("--image-size", "64", "--steps", "1200", "--steps-per-epoch", "300"),
    ),
    Experiment(
        "noise2noise",
        "Noise2Noise: denoising learnt from noisy targets only",
        "noise2noise",
        "noise2noise",
        options=("--image-size", "64", "--steps", "1200", "--steps-per-epoch", "300"),
        note="Trained on pairs of two noisy copies of each photo, never a clean one; scored "
        "on the clean photo.",
    ),
)


def train_command(experiment, data, runs):
    """The ``pix2pix-tf train`` command of a run trained here (a list of arguments)."""
    return [
        *("pix2pix-tf", "train", "--task", experiment.task, "--data", str(data)),
        *("--out", str(Path(runs) / experiment.run), *experiment.options),
    ]


def shown_command(experiment):
    """The command as the page shows it: DATA and RUNS for the folders of this machine."""
    return shlex.join(train_command(experiment, "DATA", "RUNS"))


def ensure_run(experiment, data, runs):
    """Trains a run of this script unless its folder holds a finished one; returns seconds."""
    run_dir = Path(runs) / experiment.run
    if (run_dir / "metrics.json").is_file():
        return 0.0
    if experiment.notebook is not None:
        raise SystemExit(
            f"{run_dir}: no finished run of notebooks/{experiment.notebook}.py; make it with "
            f"`python -m bench.walkthroughs --data DATA --runs {Path(runs) / 'notebooks'} "
            f"--only {experiment.notebook[:2]}` (or `make walkthroughs`)."
        )
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    return quality.run_training(
        train_command(experiment, data, runs), run_dir.parent / f"{experiment.name}.log"
    )


def settings(config, metrics):
    """A run's settings and training time in a few words."""
    height, width = config.image_size
    data = "synthetic people" if config.data == "synthetic" else f"`{Path(config.data).name}/`"
    if config.model == "cyclegan":
        return ", ".join(
            [
                data,
                f"{height}x{width}",
                f"{metrics['steps']} steps of {config.batch_size} faces per domain",
                f"{config.generator} generators of {config.base_filters} filters",
                f"{config.upsampling} upsampling",
                f"{config.gan_mode} GAN, cycle weight {config.cycle_weight:g}, identity "
                f"{config.identity_weight:g}, pool {config.pool_size}",
                f"lr {config.learning_rate:g}",
                f"{metrics['train_seconds_this_session'] / 60:.1f} min of training",
            ]
        )
    parts = [
        data,
        f"{height}x{width}",
        f"{metrics['steps']} steps of {config.batch_size} faces",
        f"{config.base_filters} filters",
        f"{config.norm} norm",
        f"{config.gan_mode} GAN",
        f"{config.output_mode} output",
        f"L1 weight {config.l1_weight:g}",
        f"lr {config.learning_rate:g}",
        f"{metrics['train_seconds_this_session'] / 60:.1f} min of training",
    ]
    if config.lr_decay_fraction:
        parts.insert(-1, f"decaying over the last {config.lr_decay_fraction:.0%}")
    if config.depth:  # set by the recipe or --depth; else the deepest that fits
        parts.insert(4, f"U-Net depth {config.depth}")
    return ", ".join(parts)


# --- pictures -------------------------------------------------------------------------


def save_picture(fig, path_stem):
    """The figure as a compressed PNG or JPEG at ``path_stem`` + suffix; returns the path."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    data, suffix = walkthroughs.compress_image(buffer.getvalue(), ".png")
    path = Path(f"{path_stem}{suffix}")
    for old in path.parent.glob(f"{path.stem}.*"):
        old.unlink()
    path.write_bytes(data)
    return path


def first_images(batches, count):
    """The first ``count`` images of each part of float batches: a tuple of arrays."""
    parts = None
    for batch in batches:
        batch = [np.asarray(x) for x in batch]
        parts = batch if parts is None else [np.concatenate([p, b]) for p, b in zip(parts, batch)]
        if len(parts[0]) >= count:
            break
    return tuple(p[:count] for p in parts)


def method_table(rows, grouped):
    """Markdown of `compare` rows: one line per group (and a mean row), SSIM/PSNR per method."""
    from pix2pix_tf.evaluation.baselines import markdown_table, wide_table

    table = wide_table(rows, group="group", mean_row="mean" if grouped else None)
    counts = {row["group"]: row["images"] for row in rows}
    for line in table:
        line["faces"] = counts.get(line["group"], sum(counts.values()))
        line.update({key: line.pop(key) for key in list(line) if key not in ("group", "faces")})
    if not grouped:
        for line in table:
            line.pop("group")
    return markdown_table(table), table


def mean_training_face(config, count=MEAN_FACE_PHOTOS):
    """The mean of up to ``count`` training photos of a run's data, float in [-1, 1]."""
    from pix2pix_tf.data.photos import source_photos

    photos = source_photos(config.data, "train", config.image_size, num_faces=config.num_faces)
    import cv2

    height, width = config.image_size
    # A folder keeps its photos' own size: each is shrunk to the model's first.
    images = np.stack(
        [
            cv2.resize(p, (width, height), interpolation=cv2.INTER_AREA)
            for p, _ in photos.take(count).as_numpy_iterator()
        ]
    )
    return images.astype(np.float32).mean(axis=0) / 127.5 - 1.0


def pix2pix_entry(experiment, run_dir, out_dir, limit):
    """Picture and scores of a pix2pix run: (picture path, markdown table, table, metrics)."""
    from pix2pix_tf.evaluation import plots
    from pix2pix_tf.evaluation.baselines import compare, input_as_output, model_method
    from pix2pix_tf.training import load_trained, split_dataset

    config, model = load_trained(run_dir)
    if config.data != "synthetic" and not Path(config.data).is_absolute():
        # A notebook's relative path (a dataset it prepared) is relative to notebooks/.
        config = dataclasses.replace(config, data=str((NOTEBOOKS / config.data).resolve()))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    task = experiment.task
    size = config.image_size[0]
    if task in quality.TASKS:
        groups = quality.evaluation_groups(task, config.data, size, config.seed, limit)
        free = quality.baselines(task)
    else:
        test = split_dataset(config, "test")[0].unbatch().take(limit).batch(16)
        groups = {task: test}
        if task in ("noise", "average"):
            mean = mean_training_face(config)
            free = {"mean training face": lambda x, m=None: np.repeat(mean[None], len(x), 0)}
        elif task == "mugshot":
            free = {"front view as profile": input_as_output}
        else:
            free = {"input as output": input_as_output}
    methods = {"model": model_method(model)}
    shown = methods["model"]
    if config.dropout > 0 and config.norm == "batch":
        # Trained with dropout before batch norm: at inference without dropout, the
        # moving variances (gathered with it) no longer fit and outputs drift (paler
        # faces). The paper's own inference keeps dropout and batch statistics.
        methods["model, paper inference"] = shown = paper_inference(model)
    methods.update(free)
    rows = []
    for name, batches in groups.items():
        rows += [{**row, "group": name} for row in compare(batches, methods)]
    markdown, table = method_table(rows, grouped=len(groups) > 1)
    if "model, paper inference" in methods:  # show the inference that scored better
        ssim = {
            name: np.mean([r["ssim"] for r in rows if r["method"] == name])
            for name in ("model", "model, paper inference")
        }
        shown = methods[max(ssim, key=ssim.get)]

    # The picture: faces spread over the scored ones (a folder's split keeps the files'
    # order, and UTKFace names begin with the age), one per row; with groups (occlusion
    # types), one group per row.
    parts = [first_images(b, limit) for b in groups.values()]
    spread_out = np.linspace(0, len(parts[0][0]) - 1, EXAMPLES).round().astype(int)
    if len(groups) > 1:
        picked = [[p[k][spread_out[i % EXAMPLES]] for i, p in enumerate(parts)] for k in (0, 1)]
        inputs, targets = (np.stack(x) for x in picked)
        masks = np.stack([p[2][spread_out[i % EXAMPLES]] for i, p in enumerate(parts)])
        row_titles = list(groups)
    else:
        inputs, targets = parts[0][0][spread_out], parts[0][1][spread_out]
        masks, row_titles = None, None
    columns, titles = [inputs], ["input"]
    drawn = {"telea": "Telea inpainting", "nl-means": "NL-means", "mean training face": "mean face"}
    for name in [n for n in free if n in drawn]:
        columns.append(free[name](inputs, masks))
        titles.append(drawn[name])
    columns += [shown(inputs), targets]
    paper = shown is not methods["model"]
    titles += ["pix2pix output" + ("\n(paper inference)" if paper else ""), "target"]
    fig = plots.image_grid(columns, titles, max_rows=len(inputs), row_titles=row_titles)
    picture = save_picture(fig, out_dir / experiment.name)
    return picture, markdown, table, config, metrics


def cyclegan_entry(experiment, run_dir, out_dir):
    """Picture and scores of an unpaired (CycleGAN) run, both directions."""
    from bench.unpaired import table as unpaired_table
    from bench.unpaired import table_rows
    from pix2pix_tf.data.transforms import resize, to_float
    from pix2pix_tf.evaluation.unpaired import cyclegan_grid
    from pix2pix_tf.tasks.unpaired import get_unpaired_task, unpaired_images
    from pix2pix_tf.training import load_trained

    config, model = load_trained(run_dir)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    domains = get_unpaired_task(config.task).domains
    picked = []
    for images in unpaired_images(config.task, config.data, "test", config.image_size, config.seed):
        faces = np.stack(
            list(images.map(lambda x: resize(to_float(x), config.image_size)).as_numpy_iterator())
        )
        # Spread over the split: a folder keeps its files' order, and UTKFace's begin with the age.
        picked.append(faces[np.linspace(0, len(faces) - 1, EXAMPLES).round().astype(int)])
    fig = cyclegan_grid(model, *picked, domains, title=f"{config.task}: test split")
    picture = save_picture(fig, out_dir / experiment.name)
    return picture, unpaired_table(metrics), table_rows(metrics), config, metrics


def paper_inference(model, batch_size=16):
    """A `compare` method running a `Pix2Pix` as the paper does at test time: dropout on,
    batch statistics of each batch of ``batch_size``."""

    def run(inputs, masks=None):
        return np.asarray(
            model.predict(inputs, inference_mode="paper", batch_size=batch_size, verbose=0)
        )

    return run


def aligned_faces(data, size, count=ALIGNMENT_PHOTOS):
    """(centre crops, aligned crops) of the first ``count`` photos of a folder, as notebook 05."""
    from pix2pix_tf.data import faces
    from pix2pix_tf.data.sources import image_folder_dataset

    photos = list(image_folder_dataset(str(data)).take(count).as_numpy_iterator())
    cuts = [faces.cut_face(p, size=size) for p in photos]
    aligned = np.stack([c.image for c in cuts if c.status == "aligned"])
    centred = np.stack([faces.cut_face(p, size=size, mode="none").image for p in photos])
    return centred, aligned


def filled_faces(aligned):
    """Aligned crops cut to the square they all fill and resized back, in [-1, 1]: the
    faces notebook 05's DCGAN learns from."""
    import cv2

    from pix2pix_tf.data import faces

    top, left, side = faces.mean_face(aligned)[1]
    height, width = aligned.shape[1:3]
    square = aligned[:, top : top + side, left : left + side]
    resized = [cv2.resize(f, (width, height), interpolation=cv2.INTER_LINEAR) for f in square]
    return np.stack(resized).astype(np.float32) / 127.5 - 1.0


def sharpness(image):
    """Variance of the Laplacian of the gray image: higher = more edges left."""
    import cv2

    gray = cv2.cvtColor(np.round(image).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def alignment_entry(data, out_dir):
    """Mean of centre crops beside the mean of aligned crops, with their sharpness."""
    from pix2pix_tf.data import faces
    from pix2pix_tf.evaluation import plots
    from pix2pix_tf.evaluation.baselines import markdown_table

    size = (128, 128)
    centred, aligned = aligned_faces(data, size)
    mean_aligned, (_, _, side) = faces.mean_face(aligned)
    margin = (size[0] - side) // 2
    cut = centred[:, margin : margin + side, margin : margin + side]
    mean_centred = faces.mean_face(cut, size=size)[0]
    fig = plots.image_grid(
        [mean_centred[None].astype(np.uint8), mean_aligned[None].astype(np.uint8)],
        [f"mean of {len(centred)} centre crops", f"mean of {len(aligned)} aligned faces"],
    )
    picture = save_picture(fig, out_dir / "alignment")
    table = [
        {"faces": f"{len(centred)} centre crops", "sharpness of the mean": sharpness(mean_centred)},
        {
            "faces": f"{len(aligned)} aligned by the eyes",
            "sharpness of the mean": sharpness(mean_aligned),
        },
    ]
    return picture, markdown_table(table, digits={"sharpness of the mean": 0}), table


def spread(images):
    """Mean L1 distance between pairs of images in [-1, 1] (0: all the same)."""
    flat = images.reshape(len(images), -1)
    distances = [
        np.abs(flat[i] - flat[j]).mean() for i in range(len(flat)) for j in range(i + 1, len(flat))
    ]
    return float(np.mean(distances))


def dcgan_entry(data, run_dir, out_dir):
    """The DCGAN's training GIF, and how varied its samples are beside real faces."""
    import tensorflow as tf

    from pix2pix_tf.evaluation.baselines import markdown_table

    gif = run_dir / "dcgan.gif"
    exported = run_dir / "dcgan_generator"
    if not gif.is_file() or not exported.is_dir():
        raise SystemExit(f"{run_dir}: no dcgan.gif and dcgan_generator; run notebook 05 first.")
    data_bytes, _ = walkthroughs.compress_image(gif.read_bytes(), ".gif")
    picture = out_dir / "dcgan.gif"
    picture.write_bytes(data_bytes)
    generator = tf.saved_model.load(str(exported))
    inputs = generator.signatures["serving_default"].structured_input_signature[1]
    latent = next(iter(inputs.values())).shape[-1]
    samples = generator.serve(tf.random.stateless_normal((64, latent), seed=[5, 0])).numpy()
    real = filled_faces(aligned_faces(data, samples.shape[1:3])[1])[:64]
    table = [
        {"images": "64 DCGAN samples", "mean L1 between two images": spread(samples)},
        {"images": f"{len(real)} real aligned faces", "mean L1 between two images": spread(real)},
    ]
    return picture, markdown_table(table, digits={"mean L1 between two images": 3}), table


# --- the page ------------------------------------------------------------------------


def source_line(experiment, config=None, metrics=None):
    """Which command and run made a picture."""
    if experiment.notebook is None:
        line = f"Command (run by `make gallery`): `{shown_command(experiment)}`"
    else:
        line = (
            f"Run: [`notebooks/{experiment.notebook}.py`](walkthroughs/{experiment.notebook}.md), "
            f"executed by `make walkthroughs` into `RUNS/{experiment.run}`"
        )
    if config is not None:
        line += f"; {settings(config, metrics)}"
    return line + "."


def data_line(data):
    folder = Path(data)
    count = sum(1 for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return (
        f"DATA is `{folder.name}/` ({count:,} photos); the mugshot run uses the built-in "
        "synthetic people. RUNS is the `--runs` folder (`make gallery RUNS=...`, default "
        "`runs/gallery`)."
    )


def build(data, runs, out_md, only=(), limit=SCORED):
    """Trains what is missing, draws every picture and writes the page; returns the summary."""
    out_dir = out_md.parent / out_md.stem
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = [e for e in EXPERIMENTS if not only or e.name in only]
    trained = {
        e.name: ensure_run(e, data, runs) for e in chosen if e.task not in ("alignment", "dcgan")
    }
    sections, summary = [], {}
    for experiment in chosen:
        started = time.perf_counter()
        run_dir = Path(runs) / experiment.run
        config = metrics = None
        if experiment.task == "alignment":
            picture, markdown, table = alignment_entry(data, out_dir)
        elif experiment.task == "dcgan":
            picture, markdown, table = dcgan_entry(data, run_dir, out_dir)
        elif "--model" in experiment.options:  # an unpaired task: CycleGAN
            picture, markdown, table, config, metrics = cyclegan_entry(experiment, run_dir, out_dir)
        else:
            picture, markdown, table, config, metrics = pix2pix_entry(
                experiment, run_dir, out_dir, limit
            )
        summary[experiment.name] = {
            "picture": picture.name,
            "bytes": picture.stat().st_size,
            "table": table,
            "train_seconds": None if metrics is None else metrics["train_seconds_this_session"],
            "trained_now_seconds": trained.get(experiment.name),
        }
        text = [f"## {experiment.title}", "", f"![{experiment.title}](gallery/{picture.name})", ""]
        if experiment.note:
            text += [experiment.note, ""]
        text += [markdown, "", source_line(experiment, config, metrics)]
        sections.append("\n".join(text))
        print(
            f"{experiment.name}: {picture} ({picture.stat().st_size / 1e3:.0f} KB, "
            f"{time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    header = [
        "<!-- Generated by `make gallery` (python -m bench.gallery); do not edit. -->",
        "# Gallery",
        "",
        "One picture per experiment, each from a real run, on test faces that the model never "
        "saw, with its SSIM and PSNR beside the free answers (the input itself, OpenCV's Telea "
        "inpainting, bicubic upscaling, non-local-means denoising, the mean face). "
        f"Scores are means over up to {limit} test faces per group. "
        "The runs are short, on 2 shared CPU cores: the pictures show what a few minutes of "
        "training give, not the best these models can do.",
        "",
        data_line(data),
        "",
        "Regenerate: `make walkthroughs gallery DATA=... RUNS=...`.",
    ]
    if only:  # the other experiments keep their sections and scores from the last build
        sections, summary = kept_with(out_md, out_dir, sections, summary)
    out_md.write_text("\n\n".join(["\n".join(header), *sections]) + "\n", encoding="utf-8")
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def kept_with(out_md, out_dir, sections, summary):
    """The page's sections and summary with the new ones in, the others as last built,
    in the gallery's order."""
    new = {section.split("\n", 1)[0]: section for section in sections}
    old = {}
    if out_md.is_file():
        for part in out_md.read_text(encoding="utf-8").split("\n## ")[1:]:
            section = "## " + part.rstrip("\n")
            old[section.split("\n", 1)[0]] = section
    merged = [new.get(f"## {e.title}") or old.get(f"## {e.title}") for e in EXPERIMENTS]
    saved = out_dir / "summary.json"
    scores = {**(json.loads(saved.read_text()) if saved.is_file() else {}), **summary}
    # In the gallery's order; experiments no longer in it lose their scores too.
    return [s for s in merged if s], {
        e.name: scores[e.name] for e in EXPERIMENTS if e.name in scores
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the folder of face photos")
    parser.add_argument("--runs", type=Path, default=REPO / "runs" / "gallery")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "gallery.md")
    parser.add_argument("--only", nargs="*", default=(), help="experiment names")
    parser.add_argument("--limit", type=int, default=SCORED, help="test faces scored per group")
    args = parser.parse_args(argv)
    if not Path(args.data).is_dir():
        raise SystemExit(f"--data {args.data}: no such folder.")
    unknown = set(args.only) - {e.name for e in EXPERIMENTS}
    if unknown:
        raise SystemExit(f"--only: no experiment {', '.join(sorted(unknown))}.")
    build(args.data, args.runs, args.out, args.only, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
