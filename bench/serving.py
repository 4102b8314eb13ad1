"""Exported inference on the CPU, runtime against runtime, and a load test of `serve`.

Sections (each prints a table; all figures go to the JSON file):

- runtimes: images per second of one exported generator (the default model of
  `pix2pix-tf train`, 256x256, or ``--run``'s) at batch 1 and 8 in every
  runtime installed: the TF SavedModel (the baseline), OpenVINO fp32 (dynamic
  shapes, the `runtimes` default, and static), OpenVINO int8 (NNCF, calibrated
  on training inputs), ONNX Runtime and TFLite. Variants alternate call by call
  within each round (`measure.alternated`); a figure is the median over rounds
  of each round's median call, a ratio the median of the per-round ratios. Also each fp32
  runtime's largest difference from the SavedModel's output, the GFLOP/s each
  reaches, and the fp32 ceiling: this machine's float32 matmul peak against
  TensorFlow's GFLOP/s at batch 8.
- load: `pix2pix-tf serve` in a child process, ``--clients`` threads posting a
  photo over loopback for ``--seconds``: errors, latency percentiles, requests
  per second and the server's resident memory over time.

Run::

    python -m bench.serving                                  # about 8 minutes on 2 cores
    python -m bench.serving --run runs/occ                   # a trained run: int8 PSNR/SSIM too
    python -m bench.serving --load-only exported/occ         # only the load test of an export
    python -m bench.serving --skip onnx tflite --rounds 3    # quicker

``--json`` names the results file (default ``bench/results/serving.json``).
"""

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pix2pix_tf  # noqa: F401  (before TensorFlow: its quiet start, see tf_logs)

# isort: split

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from bench import measure  # noqa: E402
from pix2pix_tf import atomic  # noqa: E402
from pix2pix_tf.serving import runtimes  # noqa: E402
from pix2pix_tf.serving.export import export_generator  # noqa: E402

BASELINE = "tensorflow"
TARGETS = {  # issue 17, on this 2-core machine
    "openvino fp32 batch 8 >= 1.5x": ("openvino", "batch 8", 1.5),
    "openvino fp32 batch 1 >= 1.3x": ("openvino", "batch 1", 1.3),
    "openvino int8 batch 8 >= 2.5x": ("openvino int8", "batch 8", 2.5),
}


def build_export(args, workdir):
    """The export folder to measure: ``--run``'s generator, or the default model's."""
    from pix2pix_tf.training import TrainConfig, build_model, load_trained
    from pix2pix_tf.training.run import sized_pairs

    if args.run:
        config, model = load_trained(args.run)
    else:
        config = TrainConfig(image_size=(args.size, args.size), upsampling=args.upsampling)
        model = build_model(config)
    formats = {"savedmodel", "openvino", "onnx", "tflite"} - set(args.skip)
    calibration = [a for a, _ in sized_pairs(config, "train", args.calibration_images)]
    started = time.perf_counter()
    path = export_generator(
        model.generator,
        Path(workdir) / "export",
        formats=formats,
        calibration=calibration if "int8" not in args.skip else None,
    )
    print(f"  exported {sorted(formats)} in {time.perf_counter() - started:.0f} s", flush=True)
    height, width = config.image_size
    image = (1, height, width, model.generator.input_channels)
    return path, config, measure.forward_flops(model.generator, image) / 1e9


def open_variants(path, skip):
    variants = {BASELINE: runtimes.open_exported(path, "tensorflow")}
    installed = runtimes.available(path)
    if "openvino" in installed:
        variants["openvino"] = runtimes.open_exported(path, "openvino")  # dynamic, the default
        variants["openvino static"] = runtimes.open_exported(path, "openvino", shapes="static")
        if "int8" not in skip and "openvino" in runtimes.available(path, "int8"):
            variants["openvino int8"] = runtimes.open_exported(path, "openvino", "int8")
    for runtime in ("onnxruntime", "tflite"):
        if runtime in installed:
            variants[runtime] = runtimes.open_exported(path, runtime)
    return variants


def bench_runtimes(args, path, config, gflop_per_image):
    variants = open_variants(path, args.skip)
    height, width = config.image_size
    results = {}
    for batch in (1, 8):
        x = np.random.default_rng(batch).uniform(-1, 1, (batch, height, width, 3))
        x = x.astype(np.float32)
        expected = variants[BASELINE].serve(x)
        differences = {}
        for name, runner in variants.items():  # warm up (and compile static shapes)
            differences[name] = float(np.abs(runner.serve(x) - expected).max())
        calls = {name: (lambda r=runner: r.serve(x)) for name, runner in variants.items()}  # noqa: B023
        per_round = measure.alternated(calls, args.rounds, args.calls[batch])
        row = {}
        for name, seconds in per_round.items():
            ratios = measure.ratios(per_round[BASELINE], seconds)
            row[name] = {
                **measure.summary(seconds, batch),
                "vs_tensorflow": round(statistics.median(ratios), 3),
                "vs_tensorflow_rounds": [round(r, 2) for r in ratios],
                "max_abs_difference": differences[name],
                "gflop_per_second": round(gflop_per_image * batch / statistics.median(seconds), 1),
            }
        results[f"batch {batch}"] = row
        print_runtimes(f"batch {batch}", row, args.rounds)
    return results


def print_runtimes(title, row, rounds):
    print(f"\nExported inference at {title}, images/s ({rounds} rounds, calls alternating)")
    columns = ("runtime", "images/s", "/ tensorflow (median)", "per-round",
               "max abs diff vs TF", "GFLOP/s")  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in row.items():
        rounds_text = " ".join(f"{v:.2f}" for v in r["vs_tensorflow_rounds"])
        print(
            f"| {name} | {r['images_per_second']:.2f} | {r['vs_tensorflow']:.2f}x | "
            f"{rounds_text} | {r['max_abs_difference']:.1e} | {r['gflop_per_second']:.0f} |"
        )


def fp32_ceiling(runtimes_results, gflop_per_image):
    """How far any fp32 runtime could go: the float32 matmul peak of this machine
    against the GFLOP/s TensorFlow reaches at batch 8 (an int8 or bfloat16
    runtime is not bound by it)."""
    peak = measure.matmul_peak_gflops()
    tf_rate = runtimes_results["batch 8"][BASELINE]["gflop_per_second"]
    ceiling = {
        "gflop_per_image": round(gflop_per_image, 2),
        "matmul_peak_gflop_per_second": round(peak, 1),
        "tensorflow_batch_8_share_of_peak": round(tf_rate / peak, 3),
        "fp32_speedup_at_peak": round(peak / tf_rate, 2),
    }
    print(
        f"\nfp32 ceiling: {gflop_per_image:.1f} GFLOP per image; float32 matmul peak "
        f"{peak:.0f} GFLOP/s; TensorFlow at batch 8 reaches {tf_rate:.0f} "
        f"({tf_rate / peak:.0%} of it), so an fp32 runtime at the peak would be "
        f"{peak / tf_rate:.2f}x TensorFlow"
    )
    return ceiling


def int8_quality(path, config, count):
    """PSNR/SSIM of fp32 and int8 on the test split of ``config``'s data."""
    from pix2pix_tf.training.run import sized_pairs

    return runtimes.precision_quality(path, sized_pairs(config, "test", count))


def _rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_test(path, clients, seconds, size, runtime="auto"):
    """`pix2pix-tf serve` in a child process under ``clients`` concurrent posters."""
    command = [sys.executable, "-m", "pix2pix_tf.cli", "serve", str(path), "--port", "0",
               "--runtime", runtime]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError(f"serve did not start: {line!r}")
        port = int(match.group(1))
        photo = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
        body = cv2.imencode(".png", cv2.GaussianBlur(photo, (9, 9), 3))[1].tobytes()
        latencies, errors, lock = [], [], threading.Lock()
        deadline = time.monotonic() + seconds

        def client():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    connection.request("POST", "/predict", body, {"Content-Type": "image/png"})
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException) as error:
                    ok, response = False, error
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                with lock:
                    if ok:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors.append(str(getattr(response, "status", response)))

        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # first call compiles
        warm.request("POST", "/predict", body, {"Content-Type": "image/png"})
        warm.getresponse().read()
        memory = [_rss_mib(server.pid)]
        threads = [threading.Thread(target=client) for _ in range(clients)]
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            time.sleep(1)
            memory.append(_rss_mib(server.pid))
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    ms = sorted(1000 * s for s in latencies)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "image": f"{size}x{size}",
        "requests": len(ms),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "requests_per_second": round(len(ms) / elapsed, 2),
        "latency_ms": {
            "p50": round(ms[len(ms) // 2], 1) if ms else None,
            "p95": round(ms[int(len(ms) * 0.95)], 1) if ms else None,
            "max": round(ms[-1], 1) if ms else None,
        },
        "rss_mib": {
            "after_warm_up": round(memory[0], 1),
            "at_a_third": round(memory[len(memory) // 3], 1),
            "end": round(memory[-1], 1),
            "max": round(max(memory), 1),
        },
    }


def print_load(load):
    lat, rss = load["latency_ms"], load["rss_mib"]
    print(
        f"\nLoad test: {load['clients']} clients for {load['seconds']} s, {load['image']}: "
        f"{load['requests']} requests, {load['errors']} errors, "
        f"{load['requests_per_second']} requests/s; latency p50 {lat['p50']} ms, p95 "
        f"{lat['p95']} ms, max {lat['max']} ms; server RSS {rss['after_warm_up']} MiB after "
        f"warm-up, {rss['at_a_third']} at a third, {rss['end']} at the end (max {rss['max']})"
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--run", type=Path, help="a training run to export (default: a fresh model)")
    p.add_argument("--size", type=int, default=256, help="image size of the fresh model")
    p.add_argument(
        "--upsampling", choices=("transpose", "resize"), default="transpose",
        help="decoder of the fresh model: transposed convolutions (the paper) or resize + conv",
    )  # fmt: skip
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument(
        "--calls", type=int, nargs=2, default=[5, 2], metavar=("B1", "B8"),
        help="timed calls of each runtime per round at batch 1 and 8, alternating",
    )  # fmt: skip
    p.add_argument("--calibration-images", type=int, default=32)
    p.add_argument("--quality-images", type=int, default=64, help="with --run: int8 quality")
    p.add_argument("--skip", nargs="*", default=[], choices=("onnx", "tflite", "int8", "load"))
    p.add_argument("--load-only", type=Path, metavar="EXPORTED", help="only load-test this export")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--load-size", type=int, default=128, help="side of the load test's photo")
    p.add_argument("--json", type=Path, default=Path("bench/results/serving.json"))
    args = p.parse_args(argv)
    args.calls = {1: args.calls[0], 8: args.calls[1]}
    started = time.perf_counter()
    results = {"load_average_before": os.getloadavg(), "settings": {
        k: str(v) for k, v in vars(args).items()}}  # fmt: skip
    with tempfile.TemporaryDirectory() as workdir:
        if args.load_only:
            path = args.load_only
        else:
            print("Exporting ...", flush=True)
            path, config, gflop_per_image = build_export(args, workdir)
            results["runtimes"] = bench_runtimes(args, path, config, gflop_per_image)
            results["fp32_ceiling"] = fp32_ceiling(results["runtimes"], gflop_per_image)
            results["targets"] = {}
            print("\nTargets")
            for name, (variant, batch, bound) in TARGETS.items():
                row = results["runtimes"][batch].get(variant)
                value = row["vs_tensorflow"] if row else None
                holds = value is not None and value >= bound
                results["targets"][name] = {"value": value, "bound": bound, "holds": holds}
                print(f"  {'holds' if holds else 'FAILS'}: {name}: {value}")
            if args.run and "int8" not in args.skip:
                quality = int8_quality(path, config, args.quality_images)
                results["int8_quality"] = quality
                print(
                    f"\nint8 on {quality['images']} test images: PSNR {quality['fp32']['psnr']:.2f}"
                    f" -> {quality['int8']['psnr']:.2f} dB ({quality['psnr_change']:+.2f}), SSIM "
                    f"{quality['fp32']['ssim']:.4f} -> {quality['int8']['ssim']:.4f} "
                    f"({quality['ssim_change']:+.4f})"
                )
        if "load" not in args.skip:
            results["load"] = load_test(path, args.clients, args.seconds, args.load_size)
            print_load(results["load"])
    results["load_average_after"] = os.getloadavg()
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    atomic.write_json(args.json, results)
    print(f"\nLoad average before {results['load_average_before']}, after "
          f"{results['load_average_after']}. Written to {args.json} "
          f"({results['wall_seconds']} s).")  # fmt: skip


if __name__ == "__main__":
    main()
