"""Judging results: scores beside free baselines (`baselines`) and pictures (`plots`)."""
