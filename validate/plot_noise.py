#!/usr/bin/python3
"""Plots the output of `synctur noise`: per bath, the Welch spectrum with error bars against
its target S(w) W(w)^2 (log-log) and the autocovariance against L_band(t), each with the
z-scores against the estimator's exact expectation below.

    build/synctur noise inputs/noise.toml -o noise.csv
    /usr/bin/python3 validate/plot_noise.py noise.csv [--outdir validate/figures]

writes validate/figures/<stem>_static.png and <stem>_driven.png (stem = the CSV's name
without extension, e.g. noise_static.png).  Needs numpy and matplotlib (Debian's
/usr/bin/python3 has them).  CSV columns and units: docs/NOISE.md ("synctur noise").
"""
import argparse
import os
import sys

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {
    "static": "static bath (nu = 2, Ohmic)",
    "driven": "driven bath (nu = 1, Drude)",
}


def load(path):
    """The provenance line and the table as a numpy structured array."""
    with open(path) as f:
        head = f.readline().strip()
    if not head.startswith("# synctur"):
        sys.exit(f"{path}: not a `synctur noise` CSV (first line: {head!r})")
    d = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding=None,
                      skip_header=1)
    if "kind" not in d.dtype.names:
        sys.exit(f"{path}: no 'kind' column; is this the output of `synctur noise`?")
    return head, d


def scalar(d, bath, kind):
    v = d[(d["bath"] == bath) & (d["kind"] == kind)]["value"]
    return float(v[0]) if len(v) else float("nan")


def plot_bath(head, d, bath, out):
    psd = d[(d["bath"] == bath) & (d["kind"] == "psd")]
    acf = d[(d["bath"] == bath) & (d["kind"] == "acf")]
    k4 = d[(d["bath"] == bath) & (d["kind"] == "kappa4")]
    wb, wf = scalar(d, bath, "band_limit"), scalar(d, bath, "flat_limit")
    dt, taps = scalar(d, bath, "dt"), scalar(d, bath, "taps")

    fig, ax = plt.subplots(2, 2, figsize=(12, 8), sharex="col",
                           gridspec_kw={"height_ratios": [3, 1]})

    # spectrum, log-log: w > 0 only; y down to 1e-6 of the peak (beyond w_b the estimate
    # falls to the window's side lobes and the FFT roundoff)
    p = psd[psd["x"] > 0]
    peak = np.max(p["target"])
    a = ax[0, 0]
    a.errorbar(p["x"], p["value"], yerr=p["se"], fmt=".", ms=2, lw=0.6, color="C0",
               label="Welch estimate +- SE")
    pos = p["target"] > 0
    a.plot(p["x"][pos], p["target"][pos], "-", color="k", lw=1,
           label="target S(w) W(w)^2")
    a.plot(p["x"], p["expected"], "--", color="C3", lw=0.8,
           label="expected (realised filter, Hann leakage)")
    for w in (wf, wb):
        a.axvline(w, color="0.6", lw=0.6, ls=":")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_ylim(1e-6 * peak, 3 * peak)
    a.set_ylabel("S [force^2 time]")
    a.set_title("spectrum (dotted: flat limit, band limit w_b)")
    a.legend(fontsize=8, loc="lower left")

    z = ax[1, 0]
    ok = np.isfinite(p["z"])
    z.plot(p["x"][ok], p["z"][ok], ".", ms=2, color="C0")
    z.axhline(0, color="k", lw=0.6)
    for s in (-3, 3):
        z.axhline(s, color="0.6", lw=0.6, ls="--")
    z.set_xscale("log")
    z.set_xlabel("w [frequency]")
    z.set_ylabel("(est - expected)/SE")
    zmax = np.max(np.abs(p["z"][ok])) if ok.any() else 0.0
    z.set_title(f"max |z| = {zmax:.2f} over {ok.sum()} bins", fontsize=9)

    # autocovariance
    a = ax[0, 1]
    a.errorbar(acf["x"], acf["value"], yerr=acf["se"], fmt="o", ms=3, lw=0.8, color="C0",
               label="estimate +- SE")
    a.plot(acf["x"], acf["target"], "-", color="k", lw=1, label="target L_band(t)")
    a.plot(acf["x"], acf["expected"], "--", color="C3", lw=0.8,
           label="realised sum_k h_k h_k+n")
    a.axhline(0, color="0.6", lw=0.6)
    # symlog: the variance and the small long-time tail in one panel
    a.set_yscale("symlog", linthresh=1e-3 * abs(acf["target"][0]))
    a.set_ylabel("covariance [force^2] (symlog, linear below 1e-3 C_0)")
    c0, se0, t0 = acf["value"][0], acf["se"][0], acf["target"][0]
    a.set_title(f"autocovariance; variance {c0:.6g} +- {se0:.2g} vs {t0:.6g} "
                f"(z = {(c0 - t0) / se0:+.2f})", fontsize=10)
    a.legend(fontsize=8)

    z = ax[1, 1]
    z.plot(acf["x"], acf["z"], "o", ms=3, color="C0")
    z.axhline(0, color="k", lw=0.6)
    for s in (-3, 3):
        z.axhline(s, color="0.6", lw=0.6, ls="--")
    z.set_xlabel("t [time]")
    z.set_ylabel("(est - realised)/SE")
    z.set_title(f"max |z| = {np.max(np.abs(acf['z'])):.2f} over {len(acf)} lags", fontsize=9)

    k4txt = ""
    if len(k4):
        k4txt = f", kappa4 = {k4['value'][0]:.3g} +- {k4['se'][0]:.2g} (z = {k4['z'][0]:+.2f})"
    fig.suptitle(f"{LABELS.get(bath, bath)}: dt = {dt:.6g}, w_b = {wb:.6g}, "
                 f"{int(taps)} taps{k4txt}\n{head[2:]}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="output of `synctur noise` (CSV)")
    ap.add_argument("--outdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "figures"),
                    help="directory for the PNGs (default: validate/figures)")
    args = ap.parse_args()
    head, d = load(args.csv)
    os.makedirs(args.outdir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(args.csv))[0]
    for bath in dict.fromkeys(d["bath"]):  # file order
        out = os.path.join(args.outdir, f"{stem}_{bath}.png")
        plot_bath(head, d, bath, out)
        print(out)


if __name__ == "__main__":
    main()
