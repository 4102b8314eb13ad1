"""Serving a trained generator: any-size exports, runtimes, prediction on files, a web page."""

from pix2pix_tf.serving.export import export_generator, load_exported
from pix2pix_tf.serving.predict import predict_files
from pix2pix_tf.serving.runtimes import open_exported

__all__ = ["export_generator", "load_exported", "open_exported", "predict_files"]
