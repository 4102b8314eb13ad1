"""The walkthrough notebooks: paired, stripped, and (slow) executed in smoke mode.

Each notebook's source of truth is its jupytext ``py:percent`` file; the paired
``.ipynb`` must hold the same cells and no outputs. The slow test executes each
notebook with nbmake's runner and ``PIX2PIX_SMOKE=1`` (tiny sizes, a few steps),
as ``PIX2PIX_SMOKE=1 pytest --nbmake notebooks/`` does.
"""

from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9]*.py"))
SMOKE_TIMEOUT_S = 900


def _cells(notebook):
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def test_there_are_seven_walkthroughs():
    assert len(SOURCES) == 7, [p.name for p in SOURCES]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_matches_its_py_percent_source(source):
    paired = source.with_suffix(".ipynb")
    assert paired.is_file(), f"{paired.name} is missing: run `jupytext --sync {source}`."
    text = source.read_text()
    assert "formats: ipynb,py:percent" in text, f"{source.name} is not paired with its .ipynb."
    from_py = jupytext.reads(text, fmt="py:percent")
    stored = nbformat.read(paired, as_version=4)
    assert _cells(stored) == _cells(from_py), (
        f"{paired.name} differs from {source.name}: run `jupytext --sync {source}` "
        "(edit the .py, it is the source of truth)."
    )
    assert stored.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_has_no_outputs(source):
    stored = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    dirty = [
        i
        for i, cell in enumerate(stored.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{source.with_suffix('.ipynb').name} stores outputs in cells {dirty}: rewrite it "
        f"from its source without outputs with `jupytext --to ipynb notebooks/{source.name}`."
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_has_a_parameters_cell_with_a_smoke_mode(source):
    notebook = jupytext.read(source)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{source.name} needs exactly one cell tagged 'parameters'."
    assert 'os.environ.get("PIX2PIX_SMOKE")' in tagged[0].source


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs_end_to_end_in_smoke_mode(source, monkeypatch):
    from nbmake.nb_run import NotebookRun

    monkeypatch.setenv("PIX2PIX_SMOKE", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    result = NotebookRun(source.with_suffix(".ipynb"), SMOKE_TIMEOUT_S).execute()
    if result.error is not None:
        pytest.fail(
            f"{source.stem} failed in cell {result.error.failing_cell_index}:\n"
            f"{result.error.summary}\n{result.error.trace}",
            pytrace=False,
        )
