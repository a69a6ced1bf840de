#!/usr/bin/env python3
"""MPI layouts give bit-identical results (issue 13; docs/CLUSTER.md).

Runs `synctur` as 1 process x 1 thread (no mpirun), 1 x 2 threads, and under
`mpirun --oversubscribe` with 2 x 1, 3 x 1 (uneven split of the units) and 2 x 2, and compares
the JSON outputs key by key, floats bit for bit, apart from timing fields.  Also: refusals end
every rank with the same status, one message and no output file.
usage: mpi_layouts.py SYNCTUR_BINARY SOURCE_DIR MPIRUN
"""
import json
import os
import subprocess
import sys
import tempfile

BIN, SRC, MPIRUN = sys.argv[1], sys.argv[2], sys.argv[3]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
TIMING = ("wall_s", "bias_seconds", "commutator_seconds", "seconds", "ranks")
failures = []


def run(ranks, threads, args, out):
    cmd = [BIN] + args + ["--threads", str(threads), "-o", out]
    if ranks > 0:
        cmd = [MPIRUN, "-np", str(ranks), "--oversubscribe"] + cmd
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600)


def strip(obj):
    """Drop timing fields (top level and in sweep rows) and the input path echo."""
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if not any(t in k for t in TIMING)}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def compare(name, args, layouts=((0, 1), (0, 2), (2, 1), (3, 1), (2, 2))):
    with tempfile.TemporaryDirectory() as d:
        ref = None
        for ranks, threads in layouts:
            out = os.path.join(d, f"{ranks}x{threads}.json")
            p = run(ranks, threads, args, out)
            label = f"{name} {max(ranks, 1)} ranks x {threads} threads"
            if p.returncode != 0:
                failures.append(f"{label}: exit {p.returncode}: {p.stderr.strip()[-400:]}")
                continue
            with open(out) as f:
                # floats parsed from the shortest round-trip text: equal iff bit-identical
                data = json.load(f)
            if data.get("ranks") != max(ranks, 1):
                failures.append(f"{label}: provenance ranks = {data.get('ranks')}")
            data = strip(data)
            if ref is None:
                ref = (label, data)
            elif data != ref[1]:
                keys = [k for k in ref[1] if ref[1][k] != data.get(k)] if isinstance(data, dict) else []
                failures.append(f"{label} differs from {ref[0]}: {keys[:10]}")
            print(f"ok: {label}" if data == ref[1] else f"DIFF: {label}")


def sweep_input(d, extra=""):
    path = os.path.join(d, "sweep.toml")
    with open(os.path.join(SRC, "inputs", "quickstart.toml")) as f:
        base = f.read()
    with open(path, "w") as f:
        f.write(base + extra +
                '\n[sweep]\nx = { key = "static_bath.gamma", from = 0.5, to = 8.0, points = 5, '
                'scale = "log" }\n')
    return path


qs = os.path.join(SRC, "inputs", "quickstart.toml")
small = ["--set", "simulation.periods=3000", "--set", "simulation.trajectories=6",
         "--set", "simulation.omega_derivative=true", "--set", "simulation.pearson=true", "--quiet"]
compare("simulate point", ["simulate", qs] + small)
with tempfile.TemporaryDirectory() as d:
    sw = sweep_input(d)
    compare("theory sweep", ["theory", sw, "--format", "json"])
    compare("exact sweep", ["exact", sw, "--format", "json", "--no-fluctuations"])
    compare("simulate sweep", ["simulate", sw, "--format", "json", "--set",
                               "simulation.periods=1000", "--set", "simulation.trajectories=4",
                               "--quiet"], layouts=((0, 1), (2, 1), (3, 1)))

# Refusals: every rank ends with the same status, one message, no output.
with tempfile.TemporaryDirectory() as d:
    for name, args, status in [
        ("bad input", ["simulate", qs, "--set", "static_bath.gamma=-1"], 2),
        ("no steady state", ["simulate", qs, "--set", "system.omega_B=1.000000000001"] + small, 3),
    ]:
        out = os.path.join(d, "out.json")
        p = run(2, 1, args, out)
        lines = [l for l in p.stderr.splitlines() if l.startswith("error:")]
        ok = p.returncode == status and len(lines) == 1 and not os.path.exists(out)
        print(("ok: " if ok else "FAIL: ") + f"{name}: exit {p.returncode}, {len(lines)} error lines")
        if not ok:
            failures.append(f"{name}: exit {p.returncode} (want {status}), stderr: {p.stderr[-400:]}")

if failures:
    print("\n".join(["FAILED:"] + failures))
    sys.exit(1)
