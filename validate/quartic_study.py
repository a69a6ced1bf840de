#!/usr/bin/env python3
"""Issue 16, part 3: how P_A, D_PA and Q_PA change with the quartic coefficient lambda
(lambda_A = lambda_B = lambda), in the classical and the semiclassical (quantum noise) modes,
at the paper's adiabatic TUR-violating point and at one diabatic point, with error bars.

Runs `synctur simulate` (and `synctur exact` for the lambda = 0 reference) through the CLI and
writes a CSV and a Markdown table.  Units: hbar = k_B = 1, frequencies in w_A.

  adiabatic: gamma_2 = 100, w_c = 1.2, T = 0.1, Omega = 0.3 (paper Fig. 3b: Q_PA < 2, P_A < 0)
  diabatic : gamma_2 = 1,   w_c = 1.2, T = 0.1, Omega = 10  (Omega >> w_A, w_B; gamma_2 = 1
             because at gamma_2 = 100 the diabatic relaxation time, ~4e4, is beyond a short study)

Usage: validate/quartic_study.py [--bin build/synctur] [--scale 1] [--out validate/quartic_study]
(--scale multiplies the number of periods; 1 takes ~10 min on 2 shared cores.)
"""
import argparse
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

POINTS = {
    "adiabatic": {"static_bath.gamma": 100, "drive.Omega": 0.3, "periods": 40000},
    "diabatic": {"static_bath.gamma": 1, "drive.Omega": 10, "periods": 400000},
}
COMMON = {"static_bath.temperature": 0.1, "driven_bath.temperature": 0.1,
          "driven_bath.cutoff": 1.2, "simulation.trajectories": 8,
          "simulation.pearson": "false", "simulation.seed": 16}
LAMBDAS = [0.0, 0.3, 3.0]
KEYS = ["P_A", "D_PA", "Q_PA"]


def run(binary, command, sets, extra=()):
    args = [binary, command, os.path.join(ROOT, "inputs", "quickstart.toml"), "--format", "json"]
    for k, v in sets.items():
        args += ["--set", "%s=%s" % (k, v)]
    args += list(extra)
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "synctur"))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--out", default=os.path.join(HERE, "quartic_study"))
    a = ap.parse_args()
    rows = []
    for name, pt in POINTS.items():
        base = dict(COMMON)
        base.update({k: v for k, v in pt.items() if k != "periods"})
        for stat in ("classical", "quantum"):
            ex = run(a.bin, "exact", dict(base, **{"system.statistics": stat}))
            rows.append({"point": name, "statistics": stat, "lambda": 0.0, "engine": "exact",
                         **{k: ex[k] for k in KEYS}, **{k + "_se": 0.0 for k in KEYS}})
            for lam in LAMBDAS:
                sets = dict(base, **{"system.statistics": stat, "system.quartic_A": lam,
                                     "system.quartic_B": lam,
                                     "simulation.periods": int(pt["periods"] * a.scale)})
                r = run(a.bin, "simulate", sets, ["--quiet"])
                row = {"point": name, "statistics": stat, "lambda": lam, "engine": "simulate"}
                for k in KEYS:
                    row[k] = r.get(k)
                    row[k + "_se"] = r.get(k + "_se")
                row["cov_xAxA"] = r.get("cov_xAxA")
                row["wall_s"] = r.get("wall_s")
                rows.append(row)
                print(name, stat, lam, {k: (row[k], row[k + "_se"]) for k in KEYS},
                      file=sys.stderr, flush=True)
    cols = ["point", "statistics", "lambda", "engine"] + [c for k in KEYS for c in (k, k + "_se")] \
        + ["cov_xAxA", "wall_s"]
    with open(a.out + ".csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)

    def fmt(v, se):
        if v is None:
            return "null"
        return "%.4g" % v if not se else "%.4g +- %.2g" % (v, se)

    with open(a.out + ".md", "w") as f:
        f.write("| point | statistics | lambda | engine | P_A | D_PA | Q_PA | <x_A^2> |\n")
        f.write("|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write("| %s | %s | %g | %s | %s | %s | %s | %s |\n" % (
                r["point"], r["statistics"], r["lambda"], r["engine"],
                fmt(r["P_A"], r["P_A_se"]), fmt(r["D_PA"], r["D_PA_se"]),
                fmt(r["Q_PA"], r["Q_PA_se"]),
                "%.4g" % r["cov_xAxA"] if r.get("cov_xAxA") is not None else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
