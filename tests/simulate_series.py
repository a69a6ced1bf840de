#!/usr/bin/env python3
"""`synctur simulate --series FILE` (docs/CHECKPOINT.md, "Per-block series").

usage: simulate_series.py SYNCTUR_BINARY SOURCE_DIR

The series holds the block means the estimates are made of, so exact identities hold: per run,
the row count is trajectories x blocks and the period-weighted means of the columns over the
main run's rows are the JSON's <key>_uncorrected (simulation.bias = "correct": <key> =
<key>_uncorrected - <key>_bias) to rounding, those over the bath-off run's rows its
cov_*_static_uncorrected, and with simulation.bias = "off" the Omega +- h runs' P_A, P_B give
dP_A_dOmega, dP_B_dOmega; at system.mass = 4 the cov_* columns are in the output's units.  The column header is the documented one; the file is written with a
resume too (the same bytes as without the checkpoint), and refused with a sweep.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from script_support import check, failures  # noqa: E402

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
QUICK = os.path.join(SRC, "inputs", "quickstart.toml")
HEADER = "run,unit,trajectory,block,periods,P_A,P_B,J_1,J_2_direct,cov_xAxA,cov_xBxB,cov_xAxB"



def run(args):
    return subprocess.run([BIN] + args, capture_output=True, text=True, timeout=300)


def read_series(path):
    with open(path) as f:
        lines = f.read().splitlines()
    comments = [l for l in lines if l.startswith("#")]
    body = [l for l in lines if not l.startswith("#")]
    runs = {}
    for l in body[1:]:
        cells = l.split(",")
        runs.setdefault(cells[0], []).append([int(c) for c in cells[1:5]] +
                                             [float(c) for c in cells[5:]])
    return comments, body[0], runs


def weighted_mean(rows, col):
    i = HEADER.split(",").index(col) - 1  # the run name is not in the row
    return sum(r[3] * r[i] for r in rows) / sum(r[3] for r in rows)


def close(a, b, rel):
    return abs(a - b) <= rel * abs(b)


tmp = tempfile.mkdtemp(prefix="synctur_series_")
os.chdir(tmp)

# 3000 periods: blocks of 1 period; 4097: blocks of 2, the last one of 1 period.
for periods, blocks in ((3000, 3000), (4097, 2049)):
    args = ["simulate", QUICK, "--quiet", "--threads", "2", "--set",
            f"simulation.periods={periods}", "--set", "simulation.trajectories=6",
            "-o", "s.json", "--series", "s.csv"]
    r = run(args)
    check(r.returncode == 0, f"{periods} periods: run with --series ({r.stderr.strip()[-300:]})")
    if r.returncode != 0:
        continue
    with open("s.json") as f:
        J = json.load(f)
    comments, header, runs = read_series("s.csv")
    check(header == HEADER, f"{periods} periods: column header '{header}'")
    check(any("synctur" in c for c in comments) and any("simulation.seed = 1" in c
                                                         for c in comments)
          and any("D_comm" in c for c in comments), f"{periods} periods: '#' header lines")
    check(sorted(runs) == ["bath_off", "main"], f"{periods} periods: runs {sorted(runs)}")
    for name, rows in runs.items():
        check(len(rows) == 6 * blocks and sum(r[3] for r in rows) == 6 * periods,
              f"{periods} periods, {name}: {len(rows)} rows = 6 trajectories x {blocks} blocks")
    for col in ("P_A", "P_B", "J_1", "J_2_direct", "cov_xAxA", "cov_xBxB", "cov_xAxB"):
        key = col + "_uncorrected" if col + "_uncorrected" in J else col
        m = weighted_mean(runs["main"], col)
        check(close(m, J[key], 1e-12), f"{periods} periods, main: mean of {col} {m!r} = "
              f"JSON {key} {J[key]!r}")
    for col in ("cov_xAxA", "cov_xBxB", "cov_xAxB"):
        key = col + "_static_uncorrected"
        m = weighted_mean(runs["bath_off"], col)
        check(close(m, J[key], 1e-12), f"{periods} periods, bath_off: mean of {col} = JSON {key}")

# system.mass = 4: the plans run at unit mass; the cov_* columns are in the output's units
r = run(["simulate", QUICK, "--quiet", "--set", "simulation.periods=1000", "--set",
         "simulation.trajectories=2", "--set", "system.mass=4", "-o", "m.json", "--series",
         "m.csv"])
if r.returncode == 0:
    with open("m.json") as f:
        J = json.load(f)
    _, _, runs = read_series("m.csv")
    for col in ("P_A", "cov_xAxA", "cov_xAxB"):
        m = weighted_mean(runs["main"], col)
        check(close(m, J[col + "_uncorrected"], 1e-12), f"mass 4: mean of {col} = JSON")
else:
    check(False, f"mass 4 run ({r.stderr.strip()[-300:]})")

# bias off, with the Omega +- h runs: the derivative from the series
r = run(["simulate", QUICK, "--quiet", "--threads", "2", "--set", "simulation.periods=2000",
         "--set", "simulation.trajectories=4", "--set", "simulation.bias=\"off\"", "--set",
         "simulation.omega_derivative=true", "--set", "simulation.pearson=false", "-o", "d.json",
         "--series", "d.csv"])
check(r.returncode == 0, f"omega_derivative run ({r.stderr.strip()[-300:]})")
if r.returncode == 0:
    with open("d.json") as f:
        J = json.load(f)
    _, _, runs = read_series("d.csv")
    check(sorted(runs) == ["main", "omega_minus", "omega_plus"], f"runs {sorted(runs)}")
    check(close(weighted_mean(runs["main"], "P_A"), J["P_A"], 1e-12), "bias off: mean of P_A = P_A")
    h, Om = J["omega_step"], J["parameters"]["drive"]["Omega"]
    for l in ("A", "B"):
        d = (weighted_mean(runs["omega_plus"], "P_" + l) -
             weighted_mean(runs["omega_minus"], "P_" + l)) / (2 * h * Om)
        check(close(d, J[f"dP_{l}_dOmega"], 1e-8),
              f"(P_{l}(Omega+) - P_{l}(Omega-)) / (2 h Omega) = dP_{l}_dOmega")

# with a checkpoint and a resume: the same bytes
base = ["simulate", QUICK, "--quiet", "--set", "simulation.periods=1000", "--set",
        "simulation.trajectories=4"]
r1 = run(base + ["-o", "a.json", "--series", "a.csv"])
r2 = run(base + ["-o", "b.json", "--checkpoint", "b.ckpt"])
r3 = run(["simulate", "--resume", "b.ckpt", "--quiet", "-o", "c.json", "--series", "c.csv"])
with open("a.csv", "rb") as f, open("c.csv", "rb") as g:
    check(r1.returncode == r2.returncode == r3.returncode == 0 and f.read() == g.read(),
          "series of a finished checkpoint resumed = series of the run (byte for byte)")

# refusals: exit 2, one line
sweep = os.path.join(tmp, "sweep.toml")
with open(QUICK) as f, open(sweep, "w") as g:
    g.write(f.read() + '\n[sweep]\nx = { key = "static_bath.gamma", from = 0.5, to = 1.0, '
            'points = 2 }\n')
for what, args in (("sweep", ["simulate", sweep, "--series", "x.csv"]),
                   ("same file as -o", ["simulate", QUICK, "-o", "x.csv", "--series", "x.csv"])):
    r = run(args)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2 and len(lines) == 1 and "--series" in lines[0]
          and not os.path.exists("x.csv"), f"refused: {what} ({lines})")

print(f"{len(failures)} failure(s)" if failures else "all series checks passed")
os.chdir("/")
if not failures:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
