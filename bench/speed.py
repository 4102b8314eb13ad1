"""Speed of pix2pix_tf against the TensorFlow tutorial, measured in one run.

Sections (each prints a table; all figures go to the JSON file):

- training: seconds per step and images per second at 256x256 of the tutorial's
  step (`bench.tutorial`, the baseline) and of ours (`Pix2Pix.train_step` as
  `pix2pix-tf train` builds it), at batch 1 and the default batch, in float32
  and the default precision; variants run interleaved, round by round, and
  each ratio is the median of the per-round ratios. Also the first step
  (tracing included), the step's FLOPs and its share of this machine's
  measured matmul peak.
- inference: images per second of the exported SavedModel, ours
  (`export_generator`) against the tutorial generator's `Model.export`, at
  batch 1 and 8. Other runtimes (OpenVINO fp32/int8, ONNX Runtime, TFLite)
  side by side, and a load test of `serve`: `python -m bench.serving`.
- data: images per second of each task's tf.data pipeline (`bench.bench_tasks`),
  against what default training consumes.
- memory: peak RSS of a process training each model (a fresh process each).

Run::

    python -m bench.speed                    # full run, about 10 minutes on 2 cores
    python -m bench.speed --quick            # fewer rounds and images, about 5 minutes
    python -m bench.speed --gpu              # adds mixed_float16 and XLA variants (GPU)
    python -m bench.speed --mode quality     # L1/SSIM after a fixed number of images

``--json`` names the results file (default ``bench/results/speed.json``).
"""

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pix2pix_tf  # noqa: F401  (before TensorFlow: its quiet start, see tf_logs)

# isort: split

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench import measure  # noqa: E402
from bench.tutorial import Tutorial  # noqa: E402
from pix2pix_tf import atomic  # noqa: E402
from pix2pix_tf.serving.export import export_generator  # noqa: E402
from pix2pix_tf.training import TrainConfig, build_model, compile_model  # noqa: E402
from pix2pix_tf.training.precision import resolve_jit_compile, resolve_precision  # noqa: E402

SIZE = 256
BASELINE = "tutorial float32 b1"
PAPER_FILTERS = 64  # the tutorial's and the paper's width
# What `pix2pix-tf train` runs by default; --precision, --batch-size, --base-filters
# and --disc-filters try other candidates.
DEFAULTS = TrainConfig()


def default_policy():
    return resolve_precision(DEFAULTS.precision)


def variant_name(kind, policy, batch, jit=False, filters=PAPER_FILTERS, disc_filters=None):
    width = "" if filters == PAPER_FILTERS else f" f{filters}"
    if disc_filters not in (None, filters):
        width += f" d{disc_filters}"
    return f"{kind} {policy.replace('mixed_', '')} b{batch}{width}{' XLA' if jit else ''}"


def default_spec():
    """(kind, policy, batch, jit, filters, disc_filters) of what `pix2pix-tf train`
    runs by default here."""
    jit = resolve_jit_compile(DEFAULTS.jit_compile)
    return ("ours", default_policy(), DEFAULTS.batch_size, jit, *default_widths())


def default_widths():
    """(generator, discriminator) base filters of the default model."""
    return DEFAULTS.base_filters, DEFAULTS.disc_filters or DEFAULTS.base_filters


def default_name():
    """The variant that `pix2pix-tf train` runs with its defaults on this machine."""
    return variant_name(*default_spec())


class Variant:
    """One model and its compiled training step, on fixed in-memory batches.

    Args:
        kind: "tutorial" or "ours".
        policy: Keras dtype policy name.
        batch: images per step.
        jit: XLA-compile the step.
        filters: base filters of our generator (the tutorial has 64).
        disc_filters: base filters of our discriminator; None: ``filters``.
    """

    def __init__(self, kind, policy, batch, jit=False, filters=PAPER_FILTERS, disc_filters=None):
        self.kind, self.policy, self.batch, self.jit = kind, policy, batch, jit
        self.filters = PAPER_FILTERS if kind == "tutorial" else filters
        self.disc_filters = self.filters if kind == "tutorial" else disc_filters or filters
        self.name = variant_name(kind, policy, batch, jit, self.filters, self.disc_filters)
        keras.mixed_precision.set_global_policy(policy)  # layers keep the policy they are built in
        rng = np.random.default_rng(0)
        shape = (batch, SIZE, SIZE, 3)
        self.x = tf.constant(rng.uniform(-1, 1, shape).astype(np.float32))
        self.y = tf.constant(rng.uniform(-1, 1, shape).astype(np.float32))
        if kind == "tutorial":
            self.model = Tutorial(SIZE, jit_compile=jit)
            self.generator = self.model.generator
            self.function = self.model.train_step
            self.args = (self.x, self.y)
        else:
            config = dataclasses.replace(
                DEFAULTS,
                image_size=(SIZE, SIZE),
                batch_size=batch,
                precision=policy,
                base_filters=self.filters,
                disc_filters=self.disc_filters,
            )
            self.model = build_model(config)
            compile_model(self.model, config, total_steps=10_000)
            self.generator = self.model.generator
            self.function = tf.function(self.model.train_step, jit_compile=jit)
            self.args = ((self.x, self.y),)
        keras.mixed_precision.set_global_policy("float32")

    def step(self):
        logs = self.function(*self.args)
        # Fetching a loss waits for the step, and only for it.
        float(np.asarray(next(iter(logs.values()))).ravel()[0])

    def flops(self):
        return measure.step_flops(self.generator, self.model.discriminator, self.batch, SIZE)


def training_variants(args):
    """The (kind, policy, batch, jit, filters, disc_filters) of every variant this run times."""
    policy, batch, filters = default_policy(), DEFAULTS.batch_size, default_widths()
    paper = PAPER_FILTERS, PAPER_FILTERS
    wanted = [
        ("tutorial", "float32", 1, False, *paper),
        ("ours", "float32", 1, False, *paper),  # the same network and batch as the tutorial
        default_spec(),
        ("ours", policy, 1, False, *paper),
        ("ours", "float32", batch, False, *filters),
        ("tutorial", policy, 1, False, *paper),  # the same-precision baseline
    ]
    if args.bf16:  # emulated on CPUs without bfloat16 instructions: see docs/performance.md
        wanted += [("ours", "mixed_bfloat16", 1, False, *paper)]
    if args.xla:
        wanted += [
            ("tutorial", "float32", 1, True, *paper),
            ("ours", "float32", 1, True, *paper),
            ("ours", "float32", batch, True, *filters),
        ]
    if args.gpu:
        wanted += [
            ("tutorial", "mixed_float16", 1, False, *paper),
            ("ours", "mixed_float16", 1, False, *paper),
            ("ours", "mixed_float16", batch, False, *filters),
            ("ours", "mixed_float16", batch, True, *filters),
        ]
    return list(dict.fromkeys(wanted))  # in order, without repeats


def bench_training(args):
    variants = {}
    first_step = {}
    for spec in training_variants(args):
        variant = Variant(*spec)
        first_step[variant.name] = round(measure.timed(variant.step), 2)
        print(f"  built {variant.name}: first step {first_step[variant.name]} s", flush=True)
        variants[variant.name] = variant
    for variant in variants.values():  # past the first steps' one-off costs
        variant.step()
    per_round = measure.interleaved(
        {name: v.step for name, v in variants.items()}, args.rounds, args.calls
    )
    rows = {}
    base = per_round[BASELINE]
    for name, variant in variants.items():
        row = measure.summary(per_round[name], variant.batch)
        flops = variant.flops()
        # Images per second: per-round ratios of ours over the baseline's rate.
        speedups = [r * variant.batch for r in measure.ratios(base, per_round[name])]
        row.update(
            {
                "kind": variant.kind,
                "policy": variant.policy,
                "batch": variant.batch,
                "xla": variant.jit,
                "first_step_seconds": first_step[name],
                "gflop_per_step": round(flops / 1e9, 2),
                "throughput_vs_baseline": round(statistics.median(speedups), 3),
                "throughput_vs_baseline_rounds": [round(s, 3) for s in speedups],
            }
        )
        rows[name] = row
    same = same_batch_ratios(per_round, variants)
    return rows, same, variants


def same_batch_ratios(per_round, variants):
    """Step-time ratios tutorial / ours at equal precision and batch (> 1: ours faster)."""
    pairs = {}
    for name, variant in variants.items():
        paper_widths = variant.filters == variant.disc_filters == PAPER_FILTERS
        if variant.kind != "ours" or variant.jit or not paper_widths:
            continue  # the same network only
        twin = variant_name("tutorial", variant.policy, variant.batch)
        if twin in per_round:
            speedups = measure.ratios(per_round[twin], per_round[name])
            pairs[f"{name} vs {twin}"] = {
                "median": round(statistics.median(speedups), 3),
                "rounds": [round(s, 3) for s in speedups],
            }
    return pairs


def ratio_key(name):
    """The key of a served model's speed-up over the tutorial in an inference row."""
    return f"{name.replace(' ', '_')}_vs_tutorial"


def bench_inference(args, default, paper, tutorial, workdir):
    """Exported SavedModels against the tutorial generator's: ours (the default
    model) and, when the default is narrower, ours at the tutorial's width."""
    models = {"ours": default}
    if paper.filters != default.filters:
        models["ours f64"] = paper  # the same network: what the export itself gains
    loaded = {}
    for name, variant in models.items():
        # `train` exports under the global policy it trained in: so does this.
        keras.mixed_precision.set_global_policy(variant.policy)
        path = export_generator(variant.generator, Path(workdir) / name.replace(" ", "_"))
        keras.mixed_precision.set_global_policy("float32")
        loaded[name] = tf.saved_model.load(str(path))
    tutorial_path = Path(workdir) / "tutorial"
    tutorial.generator.export(str(tutorial_path), verbose=False)
    # Keep the loaded objects: their functions need the variables they hold.
    loaded["tutorial"] = tf.saved_model.load(str(tutorial_path))
    served = {name: saved.serve for name, saved in loaded.items()}
    results = {}
    for batch in (1, 8):
        x = tf.constant(
            np.random.default_rng(1).uniform(-1, 1, (batch, SIZE, SIZE, 3)).astype(np.float32)
        )
        calls = {
            name: (lambda f=f: np.asarray(f(x)).ravel()[0])  # noqa: B023 (x is this batch's)
            for name, f in served.items()
        }
        for call in calls.values():
            call()  # trace and warm up
        per_round = measure.interleaved(calls, args.rounds, args.calls)
        row = {name: measure.summary(seconds, batch) for name, seconds in per_round.items()}
        for name in models:
            speedups = measure.ratios(per_round["tutorial"], per_round[name])
            row[ratio_key(name)] = round(statistics.median(speedups), 3)
            row[ratio_key(name) + "_rounds"] = [round(s, 3) for s in speedups]
        results[f"batch {batch}"] = row
    return results


def bench_data(args, train_images_per_second):
    """Each task's pipeline against what default training consumes."""
    from bench import bench_tasks

    options = argparse.Namespace(
        images=args.data_images,
        repeats=args.data_repeats,
        size=SIZE,
        batch_size=DEFAULTS.batch_size,
        seed=0,
    )
    rows = bench_tasks.bench("synthetic", options)
    for row in rows.values():
        if "pipeline" in row:
            row["times_training"] = round(row["pipeline"] / train_images_per_second, 1)
    return rows


def rss_child(kind):
    """Peak RSS of a fresh process building ``kind``'s default model and training 3 steps."""
    policy = "float32" if kind == "tutorial" else default_policy()
    batch = 1 if kind == "tutorial" else DEFAULTS.batch_size
    variant = Variant(kind, policy, batch, False, *default_widths())
    for _ in range(3):
        variant.step()
    print(json.dumps({"peak_rss_mib": round(measure.peak_rss_mib(), 1)}))


def candidate_args():
    """The options that make a child process measure the same defaults as this one."""
    return [
        *("--precision", DEFAULTS.precision, "--batch-size", str(DEFAULTS.batch_size)),
        *("--base-filters", str(DEFAULTS.base_filters)),
        *("--disc-filters", str(default_widths()[1])),
    ]


def bench_memory():
    results = {}
    for kind in ("tutorial", "ours"):
        run = subprocess.run(
            [sys.executable, "-m", "bench.speed", "--rss-child", kind, *candidate_args()],
            capture_output=True,
            text=True,
            check=True,
        )
        results[kind] = json.loads(run.stdout.strip().splitlines()[-1])["peak_rss_mib"]
    return results


def print_training(rows, same, peaks):
    print(
        f"\nTraining at {SIZE}x{SIZE}; matmul peak here: "
        + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peaks.items())
    )
    print(
        "| variant | first step s | s/step | images/s | vs tutorial fp32 b1 (images/s) "
        "| per-round | GFLOP/step | % of peak |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r in rows.items():
        rounds = " ".join(f"{s:.2f}" for s in r["throughput_vs_baseline_rounds"])
        print(
            f"| {name} | {r['first_step_seconds']:.2f} | {r['seconds_per_step']:.3f} "
            f"| {r['images_per_second']:.3f} | {r['throughput_vs_baseline']:.2f}x | {rounds} "
            f"| {r['gflop_per_step']:.1f} | {100 * r['share_of_matmul_peak']:.0f}% |"
        )
    print("\nSame precision, same batch: tutorial s/step / ours s/step (> 1: ours faster)")
    for pair, r in same.items():
        print(f"  {pair}: {r['median']:.2f}x (rounds {' '.join(f'{s:.2f}' for s in r['rounds'])})")


def print_inference(results):
    print("\nExported SavedModel inference, images/s")
    names = [n for n in results["batch 1"] if ratio_key(n) in results["batch 1"]]
    print(
        "| batch | tutorial | " + " | ".join(f"{n} | / tutorial (per-round)" for n in names) + " |"
    )
    print("| --- | --- |" + " --- | --- |" * len(names))
    for batch, r in results.items():
        cells = []
        for n in names:
            rounds = " ".join(f"{s:.2f}" for s in r[ratio_key(n) + "_rounds"])
            rate = r[n]["images_per_second"]
            cells.append(f"{rate:.2f} | {r[ratio_key(n)]:.2f}x ({rounds})")
        print(f"| {batch} | {r['tutorial']['images_per_second']:.2f} | " + " | ".join(cells) + " |")


def print_data(rows, train_rate):
    print(f"\ntf.data images/s per task (synthetic faces), vs training's {train_rate:.2f} images/s")
    print("| task | pipeline | in memory | pipeline / training |")
    print("| --- | --- | --- | --- |")
    for name, r in rows.items():
        if "skipped" in r:
            print(f"| {name} | skipped: {r['skipped']} | | |")
            continue
        print(f"| {name} | {r['pipeline']} | {r.get('in_memory', '-')} | {r['times_training']}x |")


def targets(rows, same, inference, data, default):
    """The issue's targets, each with its figure and whether it holds."""
    pipeline = min(r["times_training"] for r in data.values() if "times_training" in r)
    fp32 = same.get(f"{variant_name('ours', 'float32', 1)} vs {BASELINE}", {}).get("median")
    checks = {
        "default throughput >= 1.8x tutorial": (rows[default]["throughput_vs_baseline"], 1.8),
        "same precision, same batch step no slower (fp32 b1)": (fp32, 1.0),
        "export inference batch 8 >= 1.5x": (inference["batch 8"][ratio_key("ours")], 1.5),
        "first step < 6 s (default)": (rows[default]["first_step_seconds"], 6.0),
        "pipeline >= 20x training, every task": (pipeline, 20.0),
    }
    results = {}
    for name, (value, bound) in checks.items():
        holds = value is not None and (value < bound if "< 6 s" in name else value >= bound)
        results[name] = {"value": value, "bound": bound, "holds": bool(holds)}
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", default="speed", choices=("speed", "quality"))
    p.add_argument("--quick", action="store_true", help="fewer rounds and images")
    p.add_argument("--rounds", type=int, help="interleaved rounds (default 5; quick 3)")
    p.add_argument("--calls", type=int, default=2, help="timed steps per variant and round")
    p.add_argument("--no-xla", dest="xla", action="store_false", help="skip the XLA variants")
    p.add_argument("--gpu", action="store_true", help="add mixed_float16 and XLA variants")
    p.add_argument("--bf16", action="store_true", help="add ours in mixed_bfloat16 at batch 1")
    p.add_argument("--skip", nargs="*", default=[], choices=("inference", "data", "memory"))
    p.add_argument("--images", type=int, default=200, help="quality mode: training images")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="quality mode: seeds")
    p.add_argument("--json", type=Path, default=Path("bench/results/speed.json"))
    p.add_argument("--precision", help="measure this precision as the default instead")
    p.add_argument("--batch-size", type=int, help="measure this batch size as the default instead")
    p.add_argument("--base-filters", type=int, help="measure this width as the default instead")
    p.add_argument(
        "--disc-filters", type=int, help="measure this discriminator width as the default instead"
    )
    p.add_argument("--rss-child", choices=("tutorial", "ours"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    global DEFAULTS
    DEFAULTS = dataclasses.replace(
        DEFAULTS,
        precision=args.precision or DEFAULTS.precision,
        batch_size=args.batch_size or DEFAULTS.batch_size,
        base_filters=args.base_filters or DEFAULTS.base_filters,
        disc_filters=args.disc_filters or DEFAULTS.disc_filters,
    )
    if args.rss_child:
        return rss_child(args.rss_child)
    if args.mode == "quality":
        from bench import equal_quality

        return equal_quality.main(args, DEFAULTS)
    if args.gpu and not tf.config.list_physical_devices("GPU"):
        p.error("--gpu needs a visible GPU; without one, leave it out.")
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.data_images = 32 if args.quick else 64
    args.data_repeats = 1 if args.quick else 2
    if args.quick:
        args.xla = False

    started = time.perf_counter()
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
        },
        "settings": {k: str(v) for k, v in vars(args).items()},
        "defaults": {
            "precision": DEFAULTS.precision,
            "resolved_policy": default_policy(),
            "batch_size": DEFAULTS.batch_size,
            "jit_compile": resolve_jit_compile(DEFAULTS.jit_compile),
        },
    }
    print("Matmul peak ...", flush=True)
    peaks = {
        "float32": measure.matmul_peak_gflops(tf.float32),
        "bfloat16": measure.matmul_peak_gflops(tf.bfloat16),
    }
    print("Training ...", flush=True)
    rows, same, variants = bench_training(args)
    # Best of before and after: a peak measured while something else ran is too low.
    for dtype, peak in peaks.items():
        peaks[dtype] = max(peak, measure.matmul_peak_gflops(getattr(tf, dtype)))
    results["matmul_peak_gflops"] = {k: round(v, 1) for k, v in peaks.items()}
    for row in rows.values():
        peak = peaks["bfloat16" if "bfloat16" in row["policy"] else "float32"]
        row["share_of_matmul_peak"] = round(
            row["gflop_per_step"] / row["seconds_per_step"] / peak, 3
        )
    results["training"], results["same_precision_same_batch"] = rows, same
    print_training(rows, same, peaks)
    default = default_name()
    if "inference" not in args.skip:
        with tempfile.TemporaryDirectory() as workdir:
            paper = variants[variant_name("ours", "float32", 1)]
            results["inference"] = bench_inference(
                args, variants[default], paper, variants[BASELINE], workdir
            )
        print_inference(results["inference"])
    del variants
    if "data" not in args.skip:
        train_rate = rows[default]["images_per_second"]
        results["data"] = bench_data(args, train_rate)
        print_data(results["data"], train_rate)
    if "memory" not in args.skip:
        results["peak_rss_mib"] = bench_memory()
        print(f"\nPeak RSS, 3 training steps in a fresh process: {results['peak_rss_mib']} MiB")
    if not {"inference", "data"} & set(args.skip):
        results["targets"] = targets(rows, same, results["inference"], results["data"], default)
        print("\nTargets")
        for name, t in results["targets"].items():
            print(
                f"  {'holds' if t['holds'] else 'FAILS'}: {name}: {t['value']} (bound {t['bound']})"
            )
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    atomic.write_json(args.json, results)
    print(f"\nWritten to {args.json} ({results['wall_seconds']} s).")


if __name__ == "__main__":
    main()
