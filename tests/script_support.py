"""Shared by the script tests (checkpoint_resume.py, mpi_checkpoint.py, simulate_series.py):
the pass/fail bookkeeping and the comparison of outputs without their timing fields."""
import json
import sys

failures = []


def check(cond, what):
    """Prints ok/FAIL for one claim and records a failure."""
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def strip(x):
    """An output without the fields that may differ between identical runs (wall time, timing
    fields, the MPI rank count)."""
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items()
                if not (k == "wall_s" or k.endswith("_seconds") or k == "ranks")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def load(path):
    with open(path) as f:
        return strip(json.load(f))


def finish(label):
    """Prints the verdict and exits 1 on any failure."""
    print(f"{len(failures)} failure(s)" if failures else f"all {label} checks passed")
    sys.exit(1 if failures else 0)
