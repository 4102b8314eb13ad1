"""Images per second of each task's tf.data pipeline, on synthetic faces and a photo folder.

Two figures per task and source, each the median of ``--repeats`` timed passes
over ``--images`` images (after one untimed pass that traces the functions):

- pipeline: `task_pairs` -> `make_dataset` (training: jitter, flips, float
  conversion, batches), uncached, as training's first epoch reads it: rendering
  synthetic faces or reading and decoding files included.
- in memory: the same from photos already decoded in memory, so what is left is
  the task's own input making (occlusions, Canny, contours, ...) and the jitter.

Run::

    python bench/bench_tasks.py                       # synthetic faces only
    python bench/bench_tasks.py --data datasets/utkface --json results.json  # prepared
"""

import argparse
import os
import statistics
import sys
import time

import pix2pix_tf  # noqa: F401  (before TensorFlow: its quiet start, see tf_logs)

# isort: split

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from pix2pix_tf import atomic  # noqa: E402
from pix2pix_tf.data.photos import source_photos  # noqa: E402
from pix2pix_tf.data.pipeline import make_dataset  # noqa: E402
from pix2pix_tf.tasks import TASKS  # noqa: E402
from pix2pix_tf.tasks.pairs import task_pairs  # noqa: E402


def images_per_second(dataset, images, batch_size, repeats):
    """Median images/s of ``repeats`` passes over the first ``images`` images.

    Returns ``(wall, cpu)``: images per second of wall time, and images per second
    of this process's CPU time (all threads). On a shared machine the wall figure
    falls with the load; the CPU one says what one free core would give.
    """
    batches = max(1, images // batch_size)
    for _ in dataset.take(min(batches, 4)):  # trace the functions, start the threads
        pass
    rates, cpu_rates = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in dataset.take(batches):
            pass
        count = batches * batch_size
        rates.append(count / (time.perf_counter() - started))
        cpu_rates.append(count / max(time.process_time() - cpu_started, 1e-9))
    return statistics.median(rates), statistics.median(cpu_rates)


def data_options(data, images):
    """Enough synthetic people for ``images`` in the train split (80%)."""
    return {"num_faces": int(images / 0.8) + 1} if data == "synthetic" else {}


def in_memory_photos(data, count, size, seed):
    """The first ``count`` photos of the train split, decoded and resized, with landmarks."""
    photos = source_photos(data, "train", size, seed, **data_options(data, count))
    images, marks = [], []
    for image, landmarks in photos.take(count):
        scale = np.array([size[1] / image.shape[1], size[0] / image.shape[0]], np.float32)
        images.append(tf.image.resize(image, size, antialias=True).numpy().round().astype(np.uint8))
        marks.append(landmarks.numpy() * scale)
    return tf.data.Dataset.from_tensor_slices((np.stack(images), np.stack(marks)))


def bench(data, args):
    size = (args.size, args.size)
    rows = {}
    memory = in_memory_photos(data, args.images, size, args.seed).cache()
    for _ in memory:  # fill the cache before timing
        pass
    for name in sorted(TASKS):
        task = TASKS[name]

        def batches(pairs, task=task):
            return make_dataset(
                pairs, size, args.batch_size, training=True, flip=task.flip, cache=False
            )

        try:
            options = data_options(data, args.images)
            pairs = task_pairs(task, data, "train", size, args.seed, **options)
        except ValueError as error:
            if "needs pair" not in str(error):  # only a paired task on single photos is expected
                raise
            rows[name] = {"skipped": str(error).splitlines()[0]}
            print(f"{name:18s} skipped: {rows[name]['skipped']}", file=sys.stderr)
            continue
        wall, cpu = images_per_second(batches(pairs), args.images, args.batch_size, args.repeats)
        row = {"pipeline": round(wall, 1), "pipeline_per_cpu_s": round(cpu, 1)}
        if not task.paired:
            pairs = task.pairs_from_images(memory, seed=args.seed, training=True)
            wall, cpu = images_per_second(
                batches(pairs), args.images, args.batch_size, args.repeats
            )
            row.update(in_memory=round(wall, 1), in_memory_per_cpu_s=round(cpu, 1))
        rows[name] = row
        print(f"{name:18s} {row}", file=sys.stderr)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", help="a photo folder (or any source task_pairs reads) as well")
    p.add_argument("--images", type=int, default=256, help="images per timed pass")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--size", type=int, default=256, help="image height and width")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)

    sources = ["synthetic"] + ([args.data] if args.data else [])
    results = {
        "settings": vars(args),
        "cpus": os.cpu_count(),
        "tensorflow": tf.__version__,
        "results": {source: bench(source, args) for source in sources},
    }
    print(
        f"\nimages/s of wall time (per CPU second), {args.size}x{args.size}, "
        f"batch {args.batch_size}, median of {args.repeats}"
    )
    header = "| task | " + " | ".join(f"{s} pipeline | {s} in memory" for s in sources) + " |"
    print(header)
    print("|" + " --- |" * (1 + 2 * len(sources)))
    for name in sorted(TASKS):
        cells = []
        for source in sources:
            row = results["results"][source][name]
            for key in ("pipeline", "in_memory"):
                cells.append(f"{row[key]} ({row[key + '_per_cpu_s']})" if key in row else "-")
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        atomic.write_json(args.json, results)


if __name__ == "__main__":
    main()
