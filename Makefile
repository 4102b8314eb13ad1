# Two commands on a fresh machine with Python 3.10+:
#   make demo   train on the built-in synthetic faces; writes runs/demo/
#   make test   the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_OUT ?= runs/demo

.PHONY: demo test test-slow lint clean walkthroughs gallery

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files, so each install reruns only when the package metadata changes.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,notebooks,dev,serving]"
	touch $@

# About 5 minutes on 2 CPU cores: front -> profile on 2,000 synthetic people, 64 px,
# 900 steps of 16 (14,400 images); it prints where the pictures are and its test
# scores beside the trivial answer (the front view itself as the profile).
demo: $(VENV)/.installed
	$(BIN)/pix2pix-tf train --task mugshot --data synthetic --out $(DEMO_OUT) \
		--image-size 64 --base-filters 16 --batch-size 16 --num-faces 2000 \
		--steps 900 --steps-per-epoch 150 --no-jitter --gan-mode lsgan --dropout 0 \
		--lr 5e-4 --lr-decay 0.5

# Rendered notebooks (docs/walkthroughs/) and the gallery (docs/gallery.md) from real runs.
# DATA: a folder of face photos (UTKFace here); RUNS: where the runs go (not committed).
# 04 reads the photos shrunk to its 64x64 first, so that its sketches (1-pixel lines) are
# drawn at the model's size. The overrides keep the whole run near an hour on 2 CPU
# cores: a wider DCGAN trained longer, shorter 06 and 07.
DATA ?= ../shared/data/utkface
RUNS ?= runs/gallery
walkthroughs: $(VENV)/.installed-test
	$(BIN)/python -m bench.walkthroughs --data $(DATA) --runs $(RUNS)/notebooks --resized 04:64 \
		--set 05:DCGAN_FILTERS=32 --set 05:DCGAN_STEPS=800 \
		--set 06:EPOCHS=4 --set 06:STOP_AFTER=2 --set 07:MINUTES=5

gallery: $(VENV)/.installed-test
	$(BIN)/python -m bench.gallery --data $(DATA) --runs $(RUNS)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m slow

lint: $(VENV)/.installed-test
	$(BIN)/ruff check pix2pix_tf tests bench

clean:
	rm -rf $(VENV) runs
