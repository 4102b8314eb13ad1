"""Benchmarks of pix2pix_tf against the TensorFlow pix2pix tutorial (see bench/README.md)."""
