#!/usr/bin/env python3
"""Time to an answer: wall time of `synctur simulate` to a target relative standard error.

Method (bench/README.md): each point is run at two lengths, N and 4N periods (pilot runs,
median wall time of --repeats runs each); the whole-command wall time is fitted as
wall = a + b * periods (a: plan, warm-up, bias reference, exact reference, commutator...; b: per
measured period). The standard error of the target key from the longer run, with
se ~ 1/sqrt(periods), gives the periods needed; the projection is a + b * periods_needed.
Its own uncertainty: the relative se of an se from the jackknife's n_batches samples,
1/sqrt(2 (n_batches - 1)), doubled for periods ~ se^2.  Standard library only.
"""
import argparse
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WC1000 = ["static_bath.gamma=100", "driven_bath.cutoff=1000", "drive.Omega=0.5",
          "static_bath.temperature=1", "driven_bath.temperature=1", "drive.r=0.5"]
# name: (input, --set overrides, target key, target relative se, pilot periods N)
POINTS = {
    "quickstart": ("inputs/quickstart.toml", [], "P_A", 0.01, 10000),
    "g100": ("inputs/quickstart.toml", ["static_bath.gamma=100"], "P_A", 0.05, 40000),
    "wc1000": ("inputs/quickstart.toml", WC1000, "J_1", 0.03, 200),
    "wc30": ("inputs/quickstart.toml", WC1000[:1] + ["driven_bath.cutoff=30"] + WC1000[2:],
             "J_1", 0.03, 4000),
    "fig4": ("inputs/fig4.toml", ["--no-sweep"], "P_A", 0.05, 40000),
}
DEFAULT_POINTS = "quickstart,g100,wc1000,fig4"


def run(args, point, periods, extra_sets):
    inp, sets, _, _, _ = POINTS[point]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        cmd = [args.synctur, "simulate", inp, "--quiet", "--threads", str(args.threads),
               "-o", out, "--set", f"simulation.periods={periods}"]
        for s in sets + extra_sets:
            cmd += [s] if s.startswith("--") else ["--set", s]
        t0 = time.monotonic()
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit(f"time_to_answer: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
        with open(out) as f:
            d = json.load(f)
    d["_wall_command"] = wall
    d["_command"] = " ".join(cmd[:4] + cmd[7:])  # without the temporary -o
    return d


def rel_se(d, key):
    ref = d.get(key + "_exact")
    ref = ref if isinstance(ref, (int, float)) and ref != 0 else d[key]
    return d[key + "_se"] / abs(ref)


def measure(args, point, extra_sets):
    inp, sets, key, target, n = POINTS[point]
    n = args.periods.get(point, n)
    runs = {}
    for periods in (n, 4 * n):
        rs = [run(args, point, periods, extra_sets) for _ in range(args.repeats)]
        runs[periods] = (statistics.median(r["_wall_command"] for r in rs), rs)
    (w1, r1), (w4, r4) = runs[n], runs[4 * n]
    b = (w4 - w1) / (3 * n)
    a = w1 - b * n
    d = r4[0]
    rs_long = rel_se(d, key)
    need = 4 * n * (rs_long / target) ** 2
    u_se = 1 / math.sqrt(2 * max(d["n_batches"] - 1, 1))  # relative se of the se
    u_need = 2 * u_se
    wall_need = a + b * need
    return {
        "point": point, "input": inp, "sets": sets + extra_sets, "key": key, "target": target,
        "threads": args.threads, "pilot_periods": [n, 4 * n], "wall_pilot_s": [w1, w4],
        "wall_pilot_all_s": [[r["_wall_command"] for r in runs[p][1]] for p in (n, 4 * n)],
        "fixed_s": a, "per_period_ms": 1e3 * b, "rel_se_pilot": rs_long,
        "value": d[key], "value_exact": d.get(key + "_exact"), "bias": d.get(key + "_bias"),
        "periods_needed": need, "periods_needed_rel_unc": u_need,
        "wall_projected_s": wall_need,
        "wall_projected_range_s": [a + b * need * (1 - u_need), a + b * need * (1 + u_need)],
        "steps_per_period": d["steps_per_period"], "warmup_periods": d["warmup_periods"],
        "n_batches": d["n_batches"], "n_eff": d["n_eff"], "trajectories": d["trajectories"],
        "ns_per_step_core": 1e9 * d["wall_s"] * args.threads / d["steps_total"],
        "bias_seconds": d.get("bias_seconds"), "sampling_wall_s": d["wall_s"],
        "warnings": d.get("warnings", ""), "command_long": d["_command"],
    }


def to_target(args, res, extra_sets):
    periods = max(2, math.ceil(res["periods_needed"]))
    d = run(args, res["point"], periods, extra_sets)
    res["run_to_target"] = {
        "periods": periods, "wall_s": d["_wall_command"],
        "wall_projected_s": res["fixed_s"] + 1e-3 * res["per_period_ms"] * periods,
        "rel_se": rel_se(d, res["key"]), "value": d[res["key"]], "command": d["_command"]}


def table(results):
    h = ("| point | key, target | n/period | pilot N, 4N: wall s | fixed s | per period ms | "
         "core-ns/step | se at 4N | periods needed | projected wall s (range) |")
    lines = [h, "|" + "---|" * (h.count("|") - 1)]
    for r in results:
        lines.append(
            f"| {r['point']} | {r['key']} {100 * r['target']:g}% | {r['steps_per_period']} | "
            f"{r['pilot_periods'][0]}, {r['pilot_periods'][1]}: {r['wall_pilot_s'][0]:.1f}, "
            f"{r['wall_pilot_s'][1]:.1f} | {r['fixed_s']:.1f} | {r['per_period_ms']:.3g} | "
            f"{r['ns_per_step_core']:.0f} | {100 * r['rel_se_pilot']:.2f}% | "
            f"{r['periods_needed']:.3g} +- {100 * r['periods_needed_rel_unc']:.0f}% | "
            f"{r['wall_projected_s']:.3g} ({r['wall_projected_range_s'][0]:.3g}-"
            f"{r['wall_projected_range_s'][1]:.3g}) |")
    for r in results:
        t = r.get("run_to_target")
        if t:
            lines.append(f"\nrun to target, {r['point']}: {t['periods']} periods, wall {t['wall_s']:.1f} s "
                         f"(projected {t['wall_projected_s']:.1f} s), {r['key']} se "
                         f"{100 * t['rel_se']:.2f}% (target {100 * r['target']:g}%)")
    return "\n".join(lines)


def machine():
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "load_avg": os.getloadavg(),
            "date": datetime.date.today().isoformat()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("synctur", nargs="?", default=os.path.join(ROOT, "build", "synctur"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--points", default=DEFAULT_POINTS, help="comma list of " + ",".join(POINTS))
    ap.add_argument("--periods", action="append", default=[], metavar="POINT=N",
                    help="pilot length N of a point (runs N and 4N)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="extra --set for every run (e.g. simulation.cutoff_band=2)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per length (median wall)")
    ap.add_argument("--run-to-target", default="", metavar="POINTS",
                    help="comma list: also run these points to their projected periods")
    ap.add_argument("--json", default="", help="write the results as JSON to this file")
    args = ap.parse_args()
    args.synctur = os.path.abspath(args.synctur)
    args.periods = {k: int(v) for k, v in (s.split("=", 1) for s in args.periods)}
    results = []
    for p in args.points.split(","):
        if p not in POINTS:
            sys.exit(f"time_to_answer: unknown point '{p}' (--points: {', '.join(POINTS)})")
        r = measure(args, p, args.set)
        if p in args.run_to_target.split(","):
            to_target(args, r, args.set)
        results.append(r)
        print(f"[done] {p}: {r['wall_projected_s']:.3g} s projected", file=sys.stderr, flush=True)
    m = machine()
    print(f"{m['cpu']}, {m['cores']} cores, load {m['load_avg'][0]:.2f}, {m['date']}, "
          f"{args.threads} threads")
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": m, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
