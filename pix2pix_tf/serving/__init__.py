"""Serving a trained generator: any-size SavedModel export and prediction on image files."""

from pix2pix_tf.serving.export import export_generator, load_exported
from pix2pix_tf.serving.predict import predict_files

__all__ = ["export_generator", "load_exported", "predict_files"]
