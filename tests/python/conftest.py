"""Shared by the Python API tests: the CLI binary, the inputs, exact comparisons.

Run by CTest (tests/CMakeLists.txt) with the build's python dir on PYTHONPATH and SYNCTUR_BIN /
SYNCTUR_SOURCE_DIR set; by hand:
  PYTHONPATH=build/python SYNCTUR_BIN=build/synctur /usr/bin/python3 -m pytest tests/python
"""
import json
import math
import os
import struct
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("SYNCTUR_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
BIN = os.environ.get("SYNCTUR_BIN", os.path.join(SOURCE, "build", "synctur"))
QUICKSTART = os.path.join(SOURCE, "inputs", "quickstart.toml")

# Wall-clock keys: the only ones two runs of the same input may disagree on.
TIMING = {"wall_s", "bias_seconds", "commutator_seconds", "simulation_wall_s",
          "simulation_bias_seconds"}


def run_cli(*args, check=True):
    """synctur args... -> (returncode, stdout, stderr)."""
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"synctur {' '.join(map(str, args))}: exit {p.returncode}\n"
                             f"{p.stderr}")
    return p.returncode, p.stdout, p.stderr


def cli_json(*args):
    return json.loads(run_cli(*args)[1])


def bits(x):
    return struct.pack("<d", x)


def same(a, b):
    """Bit-for-bit equality of a JSON value (null = a non-finite number) and a Python value."""
    if a is None:
        return isinstance(b, float) and not math.isfinite(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return bits(float(a)) == bits(float(b))  # NaN == NaN, 0.0 != -0.0
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def assert_same_point(cli, py, skip=()):
    """The dict has exactly the JSON object's keys, in its order, with the same bits."""
    assert list(cli) == list(py)
    bad = [k for k in cli if k not in skip and not same(cli[k], py[k])]
    assert not bad, {k: (cli[k], py[k]) for k in bad[:5]}


def assert_same_table(cli, table, skip=()):
    """A Table equals the CLI's JSON table: head, columns, and every cell (but `skip`)."""
    for k in ("command", "version", "input", "overrides", "parameters"):
        assert same(cli[k], table.meta[k]), k
    assert same(cli.get("sweep"), table.meta.get("sweep")) or "sweep" not in cli
    assert cli["columns"] == table.columns
    assert table.rows == len(cli["points"])
    for c in cli["columns"]:
        if c in skip:
            continue
        col = table[c]
        for i, row in enumerate(cli["points"]):
            assert same(row[c], col[i].item() if hasattr(col[i], "item") else col[i]), (c, i)


@pytest.fixture(scope="session")
def synctur():
    import synctur as s
    return s


@pytest.fixture
def write_toml(tmp_path):
    def write(text, name="input.toml"):
        p = tmp_path / name
        p.write_text(text)
        return str(p)
    return write
