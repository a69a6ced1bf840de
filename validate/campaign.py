#!/usr/bin/python3
"""Validation campaign: simulation vs exact vs lowest-order theory (issue 7).

    /usr/bin/python3 validate/campaign.py --quick      # minutes: the committed REPORT.md
    /usr/bin/python3 validate/campaign.py              # full mode: a few hours on 2 cores

Options: --bin PATH (default build/synctur), --threads N (default 2), --only a,b,c,d,
--cache DIR (default validate/cache/).
Writes validate/REPORT.md and validate/report_figures/*.png.  Restartable: every synctur run
goes through validate/runner.py, which caches it under validate/cache/ keyed by (command line,
contents of the input file, synctur --version, a hash of the binary's bytes, a hash of the
sources under src/ and include/), so an interrupted campaign resumes where it stopped, a
finished one re-renders the report in seconds, and a rebuilt binary or an engine change reruns
everything.  Needs numpy and matplotlib (Debian's /usr/bin/python3).

Parts: (a) `synctur validate --format json` at >= 12 points (adiabatic/diabatic Omega up to
200, gamma_2 in {0.01, 1, 100}, w_c in {1.2, 1000}, isothermal and dT/Tbar = 1.8, r in {0, 0.5},
T from 0.05 to 2); (b) validity map of the lowest order, |exact - theory|/|theory| of P_A and
Q_PA over the (Omega, T) plane of Fig. 3(b) at gamma_1 = 0.01 and 1e-3; (c) Figs. 3(b) and 4
with exact beside theory (and simulation points with error bars for Fig. 4); (d) noise spectra
vs targets (validate/plot_noise.py) and the dt / band-limit convergence of P_A with common
random numbers; (e) the lowest order recovered from simulations alone
(`synctur validate --gamma1-extrapolation`); (f, only with --only f) long runs at held-out
points (T = 0, gamma_2 = 60 on both sides of Omega = 1, w_c = 1000) with a table of the bias
estimate against the measured deviation:
    /usr/bin/python3 validate/campaign.py --only f --report validate/REPORT_LONG.md
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

sys.dont_write_bytecode = True  # no validate/__pycache__ from the import below
from runner import Runner, read_csv_text  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIGS = os.path.join(HERE, "report_figures")

QUANTITIES = ["P_A", "P_B", "P", "J_1", "J_2", "S_dot", "eta", "cov_xAxA", "cov_xBxB",
              "cov_xAxB", "pearson_driven", "pearson_tilde_driven", "D_PA", "D_PB", "D_P", "Q_PA",
              "Q_PB", "Q_P"]
SHOWN = ["P_A", "P_B", "P", "J_1", "S_dot", "D_PA", "Q_PA"]


def save_fig(fig, name, dpi=80):
    """tight_layout, write report_figures/<name>.png, close; returns the file name."""
    fig.tight_layout()
    fig.savefig(os.path.join(FIGS, name + ".png"), dpi=dpi)
    plt.close(fig)
    return name + ".png"


def sets(d):
    out = []
    for k, v in d.items():
        out += ["--set", f"{k}={v}"]
    return out


def fmt(v, digits=4):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:.{digits}g}"


# --------------------------------------------------------------------------------------------
# (a) simulation vs exact at many points
# --------------------------------------------------------------------------------------------

def temps(T, dT_over_Tbar=0.0):
    """Tbar = T; T_1 = T (1 + x/2), T_2 = T (1 - x/2) (docs/INPUTS.md)."""
    return T * (1 + dT_over_Tbar / 2), T * (1 - dT_over_Tbar / 2)


# (label, gamma_2, w_c, Omega, T(bar), dT/Tbar, r)
POINTS = [
    ("quickstart", 1.0, 1.2, 2.0, 0.5, 0.0, 0.0),
    ("adiabatic", 1.0, 1.2, 0.3, 0.5, 0.0, 0.0),
    ("cold", 1.0, 1.2, 0.5, 0.05, 0.0, 0.5),
    ("gradient", 1.0, 1.2, 2.0, 0.5, 1.8, 0.0),
    ("wc1000-diabatic", 1.0, 1000.0, 20.0, 0.5, 0.0, 0.5),
    ("Omega200-hot", 1.0, 1.2, 200.0, 2.0, 1.8, 0.0),
    ("Omega200-wc1000", 1.0, 1000.0, 200.0, 2.0, 1.8, 0.0),  # no steady state (parametric)
    ("weak-g2", 0.01, 1.2, 2.0, 0.5, 0.0, 0.0),
    ("weak-g2-adiabatic", 0.01, 1.2, 0.5, 0.05, 0.0, 0.0),
    ("weak-g2-Omega200", 0.01, 1.2, 200.0, 2.0, 0.0, 0.5),
    ("strong-g2", 100.0, 1.2, 2.0, 0.5, 0.0, 0.0),
    ("strong-g2-adiabatic", 100.0, 1.2, 0.3, 0.2, 0.0, 0.0),
    ("strong-g2-gradient", 100.0, 1.2, 20.0, 0.5, 1.8, 0.5),
    ("strong-g2-Omega200", 100.0, 1.2, 200.0, 1.0, 0.0, 0.0),
    ("strong-g2-wc1000", 100.0, 1000.0, 0.5, 1.0, 0.0, 0.5),
    # the same with the step chosen without regard to w_c (band 30 << w_c = 1000) and the
    # scheme's offset NOT removed: the bias the default simulation.cutoff_band = 6 limits
    # (expected to FAIL) ...
    ("strong-g2-wc1000-cutoff_band0-uncorrected", 100.0, 1000.0, 0.5, 1.0, 0.0, 0.5,
     {"simulation.cutoff_band": 0, "simulation.bias": "off", "_expected": "FAIL"}),
    # ... and with the default simulation.bias = "correct", which removes it exactly (pass)
    ("strong-g2-wc1000-cutoff_band0", 100.0, 1000.0, 0.5, 1.0, 0.0, 0.5,
     {"simulation.cutoff_band": 0}),
    # the same step as the default, grid-point sampling instead of Simpson, uncorrected
    # (expected to FAIL on the heat currents), then corrected (pass)
    ("strong-g2-wc1000-left-uncorrected", 100.0, 1000.0, 0.5, 1.0, 0.0, 0.5,
     {"simulation.quadrature": "left", "simulation.bias": "off", "_expected": "FAIL"}),
    ("strong-g2-wc1000-left", 100.0, 1000.0, 0.5, 1.0, 0.0, 0.5,
     {"simulation.quadrature": "left"}),
]


def point_sets(g2, wc, Om, T, x, r, quick):
    T1, T2 = temps(T, x)
    d = {"static_bath.gamma": g2, "driven_bath.cutoff": wc, "drive.Omega": Om,
         "driven_bath.temperature": f"{T1:.6g}", "static_bath.temperature": f"{T2:.6g}",
         "drive.r": r, "simulation.trajectories": 16}
    # Simulated time span (drive periods scale with Omega); longer where relaxation is slow.
    span = (6e4 if quick else 6e5) * (5 if g2 >= 100 else 1)
    if Om >= 100:
        span /= 5  # ~10x more steps per time unit
    if wc >= 100:
        span /= 5 if quick else 10  # the step resolves w_c (simulation.cutoff_band): dt ~ 2.6e-4
    d["simulation.periods"] = max(2000, int(span * Om / (2 * math.pi)))
    return d


def part_a(R, quick):
    rows = []
    for (label, g2, wc, Om, T, x, r, *extra) in POINTS:
        d = point_sets(g2, wc, Om, T, x, r, quick)
        extra = dict(extra[0]) if extra else {}
        expected = extra.pop("_expected", "pass")
        d.update(extra)
        res = R.run(["validate", "inputs/quickstart.toml", "--format", "json", "--seed", "7"] +
                    sets(d), label=f"(a) {label}")
        row = {"label": label, "g2": g2, "wc": wc, "Omega": Om, "T": T, "x": x, "r": r,
               "expected": expected,
               "rc": res["rc"], "wall": res["wall"], "err": res["err"].strip()}
        if res["rc"] in (0, 1):
            row["json"] = json.loads(res["out"])
        rows.append(row)
    return rows


def report_a(rows, md):
    md.append("## (a) Simulation vs exact at %d points\n" % len(rows))
    md.append("Each row: `synctur validate inputs/quickstart.toml --format json --seed 7 --set ...`"
              " (commands in the appendix); z = (simulation - exact)/se, pass iff every |z| < 4 "
              "over all 17 compared quantities (the Pearson rows are the driven state's "
              "`pearson_driven`, `pearson_tilde_driven` in both). Columns: z of each shown quantity, then the "
              "relative difference (exact - theory)/|theory| of P_A, D_PA and Q_PA. `(nc)`: a "
              "TUR ratio not counted because its simulated denominator has se/|O| > 0.1 (its "
              "parts are). The se come from a jackknife over 8 units (16 trajectories), so z "
              "follows Student's t with 7 dof: P(|z| >= 4) = 0.5% per quantity for a correct "
              "engine.\n")
    head = ["point", "g2", "w_c", "Omega", "T", "dT/Tbar", "r", "result"] + \
        [f"z {q}" for q in SHOWN] + ["max abs z (all 17)", "se/abs(P_A)", "rel P_A", "rel D_PA", "rel Q_PA",
                                     "wall s"]
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "---|" * len(head))
    zs_all = []
    for row in rows:
        base = [row["label"], fmt(row["g2"]), fmt(row["wc"]), fmt(row["Omega"]), fmt(row["T"]),
                fmt(row["x"]), fmt(row["r"])]
        if "json" not in row:
            md.append("| " + " | ".join(base + ["no steady state (exit 3)"] +
                                        ["-"] * (len(head) - 8)) + " |")
            continue
        j = row["json"]
        zs = [j.get(q + "_z") for q in QUANTITIES
              if j.get(q + "_z") is not None and j.get(q + "_counted", 1) == 1]
        if row["expected"] == "pass":
            zs_all += zs  # the demonstrations of a known bias stay out of the calibration
        mz = max(abs(z) for z in zs) if zs else float("nan")
        verdict = "pass" if j["passed"] == 1 else "FAIL: " + j.get("failed", "")
        if row["expected"] != "pass":
            verdict += " (expected: demonstrates a bias)"

        def zcell(q):
            c = fmt(j.get(q + "_z"), 3)
            return c + " (nc)" if j.get(q + "_counted", 1) == 0 else c
        cells = base + [verdict] + [zcell(q) for q in SHOWN] + \
            [fmt(mz, 3), fmt(j["P_A_simulation_se"] / abs(j["P_A_simulation"]), 2)] + [fmt(j.get(q + "_rel_exact_theory"), 3) for q in ("P_A", "D_PA", "Q_PA")] + \
            [f"{row['wall']:.0f}"]
        md.append("| " + " | ".join(cells) + " |")
    md.append("")
    if zs_all:
        zs_all = np.array(zs_all)
        md.append(f"All z-scores together: n = {len(zs_all)}, mean {zs_all.mean():+.2f}, "
                  f"rms {np.sqrt((zs_all ** 2).mean()):.2f} (1 expected for calibrated errors), "
                  f"|z| > 3: {int((abs(zs_all) > 3).sum())}, |z| >= 4: {int((abs(zs_all) >= 4).sum())}."
                  " The quantities of one point are correlated (P = P_A + P_B, Q from D and "
                  "S_dot), so these are not independent draws.\n")
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.hist(np.clip(zs_all, -6, 6), bins=np.linspace(-6, 6, 25), density=True, alpha=0.7,
                label="all z (clipped to +-6)")
        g = np.linspace(-6, 6, 200)
        ax.plot(g, np.exp(-g ** 2 / 2) / np.sqrt(2 * np.pi), "k-", label="N(0, 1)")
        nu = 7.0  # jackknife over 8 units
        tpdf = math.gamma((nu + 1) / 2) / (math.sqrt(nu * math.pi) * math.gamma(nu / 2)) * \
            (1 + g ** 2 / nu) ** (-(nu + 1) / 2)
        ax.plot(g, tpdf, "k--", label="Student t, 7 dof")
        ax.set_xlabel("z = (simulation - exact)/se")
        ax.legend(fontsize=8)
        save_fig(fig, "a_zscores", dpi=80)
        md.append("![z histogram](report_figures/a_zscores.png)\n")
    fails = [r for r in rows if "json" in r and r["json"]["passed"] != 1]
    unexpected = [r["label"] for r in fails if r["expected"] == "pass"]
    md.append(f"Points failing unexpectedly: {', '.join(unexpected) if unexpected else 'none'}.\n")
    if fails:
        md.append("Failing points and their stderr:\n")
        for r in fails:
            md.append(f"- {r['label']}: `{r['err']}`")
        md.append("")


# --------------------------------------------------------------------------------------------
# (b) validity map of the lowest order over the (Omega, T) plane of Fig. 3(b)
# --------------------------------------------------------------------------------------------

def map_runs(R, quick, g1):
    n = 12 if quick else 24
    grid = sets({"sweep.x.points": n, "sweep.y.points": n, "driven_bath.gamma": g1})
    ex = R.run(["exact", "inputs/fig3_wc1.2.toml", "--format", "csv"] + grid,
               label=f"(b) exact map gamma_1 = {g1}")
    th = R.run(["theory", "inputs/fig3_wc1.2.toml", "--format", "csv"] + grid,
               label=f"(b) theory map gamma_1 = {g1}")
    return read_csv_text(ex["out"]), read_csv_text(th["out"]), n


def part_b(R, quick, md):
    md.append("## (b) Validity map of the lowest order (Fig. 3(b) plane: gamma_2 = 100, w_c = 1.2)\n")
    md.append("|exact - theory|/|theory| of P_A and Q_PA over (Omega, T), `synctur exact` and "
              "`synctur theory` sweeps of inputs/fig3_wc1.2.toml at reduced resolution; grey "
              "crosses: no periodic steady state (exact's steady_state = 0).\n")
    summary = []
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), sharex=True, sharey=True)
    maps = {}
    for i, g1 in enumerate([0.01, 1e-3]):
        ex, th, n = map_runs(R, quick, g1)
        maps[g1] = (ex, th, n)
        Om = ex["drive.Omega"].reshape(n, n)
        T = ex["T"].reshape(n, n) if "T" in ex else ex["static_bath.temperature"].reshape(n, n)
        ss = ex["steady_state"].reshape(n, n)
        for k, q in enumerate(["P_A", "Q_PA"]):
            rel = np.abs(ex[q] - th[q]) / np.abs(th[q])
            rel = rel.reshape(n, n)
            ax = axes[k, i]
            pc = ax.pcolormesh(Om, T, np.where(ss == 1, rel, np.nan), shading="nearest",
                               norm=LogNorm(1e-4, 1e2), cmap="viridis")
            bad = ss != 1
            ax.plot(Om[bad], T[bad], "x", color="0.5", ms=4)
            ax.set_xscale("log")
            ax.set_title(f"{q}: gamma_1 = {g1:g}", fontsize=9)
            fig.colorbar(pc, ax=ax)
            good = rel[(ss == 1) & np.isfinite(rel)]
            adiab = rel[(ss == 1) & (Om < 1) & np.isfinite(rel)]
            diab = rel[(ss == 1) & (Om > 5) & np.isfinite(rel)]
            summary.append((q, g1, int(bad.sum()), n * n, np.median(good), good.max(),
                            np.median(adiab) if adiab.size else float("nan"),
                            np.median(diab) if diab.size else float("nan"),
                            float((good < 0.1).mean())))
    for ax in axes[1]:
        ax.set_xlabel("Omega")
    for ax in axes[:, 0]:
        ax.set_ylabel("T")
    save_fig(fig, "b_validity_map", dpi=70)
    md.append("| quantity | gamma_1 | points without steady state | median rel. diff. | max | "
              "median, Omega < 1 | median, Omega > 5 | fraction < 10% |")
    md.append("|---|---|---|---|---|---|---|---|")
    for (q, g1, nb, nt, med, mx, ma, mdb, frac) in summary:
        md.append(f"| {q} | {g1:g} | {nb} / {nt} | {fmt(med, 3)} | {fmt(mx, 3)} | {fmt(ma, 3)} | "
                  f"{fmt(mdb, 3)} | {frac:.2f} |")
    md.append("\n![validity map](report_figures/b_validity_map.png)\n")
    return maps


# --------------------------------------------------------------------------------------------
# (c) Figs. 3(b) and 4 with exact beside theory
# --------------------------------------------------------------------------------------------

def part_c(R, quick, md, maps):
    md.append("## (c) Figs. 3(b) and 4 redrawn with the exact solution\n")
    ex, th, n = maps[0.01]
    Om = ex["drive.Omega"].reshape(n, n)
    T = ex["T"].reshape(n, n)
    ss = ex["steady_state"].reshape(n, n)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    ex3, _, _ = maps[1e-3]
    for ax, data, title in [(axes[0], th, "theory (lowest order)"),
                            (axes[1], ex, "exact, gamma_1 = 0.01"),
                            (axes[2], ex3, "exact, gamma_1 = 1e-3")]:
        Q = data["Q_PA"].reshape(n, n)
        pc = ax.pcolormesh(Om, T, Q, shading="nearest", norm=LogNorm(0.5, 100), cmap="RdBu_r")
        ax.contour(Om, T, Q, levels=[2.0], colors="k", linewidths=1)
        if data is not th:
            sd = data["steady_state"].reshape(n, n)
            ax.plot(Om[sd != 1], T[sd != 1], "x", color="0.5", ms=4)
        ax.set_xscale("log")
        ax.set_xlabel("Omega")
        ax.set_title("Q_PA " + title, fontsize=9)
        fig.colorbar(pc, ax=ax)
    axes[0].set_ylabel("T")
    save_fig(fig, "c_fig3b", dpi=70)
    md.append("Fig. 3(b) (Q_PA over (Omega, T), black line Q_PA = 2, the TUR bound; "
              f"{n} x {n} points, the maps of part (b)):\n")
    md.append("![Fig 3b](report_figures/c_fig3b.png)\n")
    # TUR violation regions
    lines = []
    for name, data in [("theory", th), ("exact gamma_1 = 0.01", ex), ("exact gamma_1 = 1e-3", ex3)]:
        Q = data["Q_PA"].reshape(n, n)
        ok = np.isfinite(Q)
        ad = ok & (Om < 1)
        di = ok & (Om > 5)
        lines.append(f"| {name} | {int((Q[ad] < 2).sum())} / {int(ad.sum())} | "
                     f"{int((Q[di] < 2).sum())} / {int(di.sum())} |")
    md.append("| Q_PA < 2 (TUR violated) | points with Omega < 1 | points with Omega > 5 |")
    md.append("|---|---|---|")
    md += lines
    md.append("")

    # Fig. 4: Q vs gamma_2 at Omega = 200, T = 0.1
    npts = 13 if quick else 41
    g = sets({"sweep.x.points": npts})
    th4 = read_csv_text(R.run(["theory", "inputs/fig4.toml", "--format", "csv"], label="(c) Fig. 4 theory")["out"])
    ex4 = {}
    for g1 in ([0.01, 1e-4]):
        ex4[g1] = read_csv_text(R.run(["exact", "inputs/fig4.toml", "--format", "csv"] + g +
                                 sets({"driven_bath.gamma": g1}),
                                 label=f"(c) Fig. 4 exact gamma_1 = {g1}")["out"])
    sim_g2 = [0.01, 1.0] if quick else [0.01, 0.1, 1.0, 10.0, 100.0]
    sims = []
    for g2 in sim_g2:
        span = (2e4 if quick else 2e5) * (5 if g2 >= 100 else 1)
        res = R.run(["validate", "inputs/fig4.toml", "--format", "json", "--no-sweep", "--seed", "3"] +
                    sets({"static_bath.gamma": g2, "simulation.trajectories": 16,
                          "simulation.periods": int(span * 200 / (2 * math.pi))}),
                    label=f"(c) Fig. 4 simulation gamma_2 = {g2}")
        if res["rc"] in (0, 1):
            sims.append((g2, json.loads(res["out"])))
    fig, ax = plt.subplots(figsize=(6, 4))
    x = th4["static_bath.gamma"]
    for q, c in [("Q_PA", "C0"), ("Q_PB", "C1"), ("Q_P", "C2")]:
        ax.plot(x, th4[q], "-", color=c, label=f"{q} theory")
        ax.plot(ex4[0.01]["static_bath.gamma"], ex4[0.01][q], "o", color=c, ms=4, mfc="none",
                label=f"{q} exact gamma_1 = 0.01")
        ax.plot(ex4[1e-4]["static_bath.gamma"], ex4[1e-4][q], "^", color=c, ms=4,
                label=f"{q} exact gamma_1 = 1e-4")
        for g2, j in sims:
            ax.errorbar([g2], [j[q + "_simulation"]], yerr=[j[q + "_simulation_se"]], fmt="s",
                        color=c, ms=5, capsize=3)
    ax.axhline(2, color="k", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("gamma_2")
    ax.set_ylabel("Q")
    ax.set_title("Fig. 4: Omega = 200, T = 0.1, w_c = 1.2 (squares: simulation +- se)", fontsize=9)
    ax.legend(fontsize=6, ncol=3)
    save_fig(fig, "c_fig4", dpi=80)
    md.append("Fig. 4 (Q vs gamma_2 at Omega = 200, T = 0.1; theory 121 points, exact "
              f"{npts} points at gamma_1 = 0.01 and 1e-4, simulation at gamma_2 in {sim_g2} "
              "with gamma_1 = 0.01):\n")
    md.append("![Fig 4](report_figures/c_fig4.png)\n")
    md.append("| gamma_2 | Q_PA theory | Q_PA exact g1=0.01 | Q_PA exact g1=1e-4 | D_PA exact/theory g1=0.01 | Q_P theory | Q_P exact g1=0.01 |")
    md.append("|---|---|---|---|---|---|---|")
    for i, g2 in enumerate(ex4[0.01]["static_bath.gamma"]):
        it = int(np.argmin(abs(np.log(x / g2))))
        md.append(f"| {fmt(g2, 3)} | {fmt(th4['Q_PA'][it])} | {fmt(ex4[0.01]['Q_PA'][i])} | "
                  f"{fmt(ex4[1e-4]['Q_PA'][i])} | {fmt(ex4[0.01]['D_PA'][i] / th4['D_PA'][it], 3)} | "
                  f"{fmt(th4['Q_P'][it])} | {fmt(ex4[0.01]['Q_P'][i])} |")
    md.append("")
    md.append("Simulation points of Fig. 4 (`synctur validate inputs/fig4.toml --no-sweep ...`, "
              "gamma_1 = 0.01): value +- se (z vs exact)\n")
    head = ["P_A", "P_B", "P", "D_PA", "Q_PA", "Q_P"]
    md.append("| gamma_2 | " + " | ".join(f"{q} exact | {q} simulation (z)" for q in head) +
              " | failing |")
    md.append("|---|" + "---|---|" * len(head) + "---|")
    for g2, j in sims:
        md.append(f"| {fmt(g2)} | " + " | ".join(
            f"{fmt(j[q + '_exact'])} | {fmt(j[q + '_simulation'])} +- "
            f"{fmt(j[q + '_simulation_se'], 2)} ({fmt(j[q + '_z'], 3)})" for q in head) +
            f" | {j.get('failed') or '-'} |")
    md.append("")
    # P_A at Omega = 200 vs time step (and with it the noise band limit, w_b ~ pi/(2 dt)), at
    # gamma_2 = 1: the simulation point with that gamma_2 gives exact and theory (not
    # sims[-1], which is gamma_2 = 100 in the full mode).
    at_g1 = next((j for g2, j in sims if g2 == 1.0), None)
    md.append("P_A at the Fig. 4 point gamma_2 = 1 (Omega = 200, T = 0.1) against the time step "
              "(the automatic band limit w_b = pi/(2 dt) grows with it); exact "
              f"{fmt(at_g1['P_A_exact'], 6) if at_g1 else '-'}, theory "
              f"{fmt(at_g1['P_A_theory'], 6) if at_g1 else '-'}:\n")
    md.append("| steps/period | dt | band limit | P_A | +- se | z vs exact | batches per unit | "
              "P = P_A + P_B | +- se |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    pa_exact = at_g1["P_A_exact"] if at_g1 else float("nan")
    for n in ([82, 164, 328] if quick else [41, 82, 164, 328, 656]):
        r = R.run(["simulate", "inputs/fig4.toml", "--no-sweep", "--quiet", "--seed", "1"] +
                  sets({"static_bath.gamma": 1, "simulation.periods": 100000 if quick else 300000,
                        "simulation.pearson": "false", "simulation.steps_per_period": n}),
                  label=f"(c) Fig. 4 point, gamma_2 = 1, steps_per_period = {n}")
        j = json.loads(r["out"])
        md.append(f"| {n} | {j['dt']:.3g} | {j['band_limit']:.4g} | {j['P_A']:.4e} | "
                  f"{j['P_A_se']:.1e} | {(j['P_A'] - pa_exact) / j['P_A_se']:+.2f} | "
                  f"{j['n_batches'] / j['jackknife_units']:.0f} | {j['P']:.5e} | "
                  f"{j['P_se']:.1e} |")
    md.append("")


# --------------------------------------------------------------------------------------------
# (d) noise spectra and dt / band-limit convergence of P_A
# --------------------------------------------------------------------------------------------

def part_d(R, quick, md):
    md.append("## (d) Noise spectra and time-step convergence\n")
    res = R.run(["noise", "inputs/noise.toml"], label="(d) noise spectra")
    csvp = os.path.join(R.cache, "noise.csv")
    with open(csvp, "w") as f:
        f.write(res["out"])
    p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "plot_noise.py"), csvp,
                        "--outdir", FIGS], capture_output=True, text=True)
    md.append("`build/synctur noise inputs/noise.toml -o noise.csv && /usr/bin/python3 "
              "validate/plot_noise.py noise.csv --outdir validate/report_figures`"
              + (f" (plot_noise.py failed: {p.stderr.strip()[-200:]})" if p.returncode else "")
              + ":\n")
    for b in ("static", "driven"):
        png = os.path.join(FIGS, f"noise_{b}.png")
        if os.path.exists(png):
            try:  # plot_noise.py draws at 120 dpi; keep the committed copy small
                from PIL import Image
                im = Image.open(png)
                if im.width > 900:
                    im.convert("RGB").resize((im.width // 2, im.height // 2),
                                             Image.LANCZOS).quantize(64).save(png, optimize=True)
            except ImportError:
                pass
            md.append(f"![noise {b}](report_figures/noise_{b}.png)")
    md.append("")
    # dt convergence with common random numbers: fixed band limit, noise_decimation * steps
    # fixed, so every run sees the same white inputs on the finest grid.
    n0 = 16
    levels = [0, 1, 2, 3]
    periods = 20000 if quick else 200000
    rows = []
    for i in levels:
        r = R.run(["simulate", "inputs/quickstart.toml", "--quiet", "--seed", "5"] +
                  sets({"simulation.steps_per_period": n0 << i,
                        "simulation.noise_decimation": 8 >> i, "noise.band_limit": 10.6,
                        "simulation.periods": periods, "simulation.pearson": "false",
                        "simulation.bias": "estimate"}),
                  label=f"(d) dt convergence n = {n0 << i}")
        j = json.loads(r["out"])
        rows.append((n0 << i, j["dt"], j["P_A"], j["P_A_se"], j["cov_xAxA"], j["P_A_bias"]))
    ex = json.loads(R.run(["exact", "inputs/quickstart.toml", "--no-fluctuations"],
                          label="(d) exact P_A")["out"])
    md.append("P_A at the quick-start point vs steps per period, common random numbers (the "
              "noise is synthesised once on the finest grid, `noise.band_limit = 10.6` fixed, "
              "`simulation.noise_decimation` = 8, 4, 2, 1 with steps_per_period = 16, 32, 64, "
              f"128; {periods} periods x 16 trajectories, seed 5, `simulation.bias = "
              "\"estimate\"`: uncorrected means). The statistical error is "
              "common to all rows, so the differences between rows show the dt bias. Exact "
              f"P_A = {ex['P_A']:.6e} (the band limit leaves its own bias at this w_b). "
              "`P_A_bias` is the scheme's computed offset (docs/SIMULATION.md section 3b): "
              "P_A - P_A_bias is what the default (`correct`) reports.\n")
    md.append("| steps/period | dt | P_A (uncorrected) | +- se | P_A - exact | change from "
              "previous | P_A_bias (computed) | P_A - P_A_bias - exact | cov_xAxA |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    prev = None
    for (n, dt, pa, se, cx, b) in rows:
        md.append(f"| {n} | {dt:.4g} | {pa:.6e} | {se:.2e} | {pa - ex['P_A']:+.2e} | "
                  f"{'-' if prev is None else f'{pa - prev:+.2e}'} | {b:+.2e} | "
                  f"{pa - b - ex['P_A']:+.2e} | {cx:.6f} |")
        prev = pa
    md.append("")
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    dts = np.array([r[1] for r in rows])
    pas = np.array([r[2] for r in rows])
    ax.loglog(dts[:-1], np.abs(pas[:-1] - pas[-1]), "o-", label="|P_A(dt) - P_A(finest)|")
    ax.loglog(dts[:-1], np.abs(pas[0] - pas[-1]) * (dts[:-1] / dts[0]) ** 2, "k--", label="dt^2")
    ax.set_xlabel("dt")
    ax.legend(fontsize=7)
    save_fig(fig, "d_dt_convergence", dpi=80)
    md.append("![dt convergence](report_figures/d_dt_convergence.png)\n")

    # Band-limit convergence at a fixed step with common random numbers: the white inputs are
    # keyed by their global index, so runs that differ only in w_b filter the same white noise.
    n_fix = 192
    bands = [8, 12, 16, 24, 32, 48, 64, 95]
    brow = []
    for wb in bands:
        r = R.run(["simulate", "inputs/quickstart.toml", "--quiet", "--seed", "5"] +
                  sets({"simulation.steps_per_period": n_fix, "noise.band_limit": wb,
                        "simulation.periods": periods, "simulation.pearson": "false",
                        "simulation.bias": "estimate"}),
                  label=f"(d) band-limit convergence w_b = {wb}")
        j = json.loads(r["out"])
        brow.append((wb, j["P_A"], j["P_A_se"], j["J_1"], j["cov_xAxA"], j["cov_xAxA_se"],
                     j["cov_xAxA_bias"]))
        dt_fix = j["dt"]
    ex_full = json.loads(R.run(["exact", "inputs/quickstart.toml", "--no-fluctuations"],
                               label="(d) exact P_A")["out"])
    md.append(f"P_A, J_1 and <x_A^2> at the quick-start point vs the noise band limit w_b, "
              f"fixed step ({n_fix} steps/period, dt = {dt_fix:.4g}; the widest band it allows "
              f"is pi/(2 dt) = {0.5 * math.pi / dt_fix:.0f}), common "
              f"random numbers (seed 5, {periods} periods x 16 trajectories): the rows share "
              "their statistical error, so their differences show the band-limit bias "
              "(uncorrected means, `simulation.bias = \"estimate\"`; the last column removes "
              "the computed offset, as the default does). Exact: "
              f"P_A = {ex_full['P_A']:.6e}, J_1 = {ex_full['J_1']:.6e}, <x_A^2> = "
              f"{ex_full['cov_xAxA']:.6f}.\n")
    md.append("| w_b | P_A | +- se | P_A - exact | J_1 - exact | <x_A^2> | +- se | <x_A^2> - exact "
              "| <x_A^2> - bias - exact |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    for (wb, pa, se, j1, cx, cse, cb) in brow:
        md.append(f"| {wb} | {pa:.6e} | {se:.1e} | {pa - ex_full['P_A']:+.2e} | "
                  f"{j1 - ex_full['J_1']:+.2e} | {cx:.6f} | {cse:.1e} | "
                  f"{cx - ex_full['cov_xAxA']:+.2e} | {cx - cb - ex_full['cov_xAxA']:+.2e} |")
    md.append("")
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    wbs = np.array([b[0] for b in brow], float)
    cxs = np.array([b[4] for b in brow])  # uncorrected
    ax.loglog(wbs[:-1], np.abs(cxs[:-1] - cxs[-1]), "o-", label="|<x_A^2>(w_b) - <x_A^2>(95)|")
    ax.loglog(wbs[:-1], np.abs(cxs[0] - cxs[-1]) * (wbs[:-1] / wbs[0]) ** -2, "k--",
              label="w_b^-2")
    ax.set_xlabel("noise band limit w_b")
    ax.legend(fontsize=7)
    save_fig(fig, "d_band_convergence", dpi=80)
    md.append("![band-limit convergence](report_figures/d_band_convergence.png)\n")



# --------------------------------------------------------------------------------------------
# (e) the leading order in gamma_1 from simulations: synctur validate --gamma1-extrapolation
# --------------------------------------------------------------------------------------------

def part_e(R, quick, md):
    md.append("## (e) The lowest order from simulations alone: gamma_1 -> 0\n")
    md.append("`synctur validate ... --gamma1-extrapolation K`: simulations at gamma_1 / 2^k "
              "(k < K, independent seeds), straight-line fit of X/gamma_1 in gamma_1, intercept "
              "compared with theory/gamma_1 (theory is exactly linear in gamma_1). The exact "
              "column shows how far the paper's gamma_1 = 0.01 is from that limit.\n")
    md.append("| input | X | theory/g1 | exact/g1 at g1 = 0.01 | simulation intercept +- se | z | chi2/dof |")
    md.append("|---|---|---|---|---|---|---|")
    K = 4 if quick else 6
    per = 40000 if quick else 400000
    for inp in ["inputs/validate_quick1.toml", "inputs/validate_quick2.toml"]:
        r = R.run(["validate", inp, "--format", "json", "--gamma1-extrapolation", str(K)] +
                  sets({"simulation.periods": per}), label=f"(e) {inp} gamma_1 extrapolation")
        if r["rc"] not in (0, 1):
            continue
        j = json.loads(r["out"])
        g1 = j["parameters"]["driven_bath"]["gamma"]
        for q in ["P_A", "P_B", "P", "J_1"]:
            f = f"g1fit_{q}_"
            md.append(f"| {os.path.basename(inp)} | {q} | {j[f + 'theory']:.5g} | "
                      f"{j[q + '_exact'] / g1:.5g} | {j[f + 'intercept']:.5g} +- "
                      f"{j[f + 'intercept_se']:.2g} | {j[f + 'z']:+.2f} | "
                      f"{fmt(j[f + 'chi2_per_dof'], 3)} |")
    md.append("")

# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# (f) long runs at held-out points: systematic error at 5-10x (and more) smaller errors
# --------------------------------------------------------------------------------------------

# (label, sets): points that were not used to tune any default; standard errors far below the
# quick rows' (32 trajectories, 10^5-10^6 periods).  The w_c = 1000 row is what 2 cores allow in
# minutes (2x smaller errors than its quick row); a 10x smaller error there needs ~10 core-hours.
LONG_POINTS = [
    ("T0-g2", {"static_bath.gamma": 2, "drive.Omega": 1.5, "driven_bath.cutoff": 2,
               "drive.r": 0.3, "static_bath.temperature": 0, "driven_bath.temperature": 0,
               "simulation.trajectories": 32, "simulation.periods": 1280000}),
    ("g60-adiabatic", {"static_bath.gamma": 60, "drive.Omega": 0.4,
                       "static_bath.temperature": 0.15, "driven_bath.temperature": 0.15,
                       "simulation.trajectories": 32, "simulation.periods": 1000000}),
    ("g60-diabatic", {"static_bath.gamma": 60, "drive.Omega": 2.5,
                      "static_bath.temperature": 0.15, "driven_bath.temperature": 0.15,
                      "simulation.trajectories": 32, "simulation.periods": 1000000}),
    ("g100-wc1000", {"static_bath.gamma": 100, "driven_bath.cutoff": 1000, "drive.Omega": 0.5,
                     "static_bath.temperature": 1, "driven_bath.temperature": 1, "drive.r": 0.5,
                     "simulation.trajectories": 16, "simulation.periods": 19000}),
]
MEANS = ["P_A", "P_B", "P", "J_1", "J_2", "S_dot", "cov_xAxA", "cov_xBxB", "cov_xAxB",
         "pearson_driven", "pearson_tilde_driven"]


def part_f(R, md):
    md.append("## (f) Long runs at held-out points: systematic error\n")
    md.append("Each row: `synctur validate inputs/quickstart.toml --format json --seed 11 --set ...`"
              " with the defaults (in particular `simulation.bias = \"correct\"`: the means "
              "carry the scheme's exactly computed offset removed, docs/SIMULATION.md section 3b)."
              " z = (simulation - exact)/se; pass iff every counted |z| < 4.\n")
    head = ["point", "result", "max abs z", "se/abs(P_A)", "wall s"] + \
        [f"z {q}" for q in QUANTITIES]
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "---|" * len(head))
    bias_rows = []
    for label, d in LONG_POINTS:
        res = R.run(["validate", "inputs/quickstart.toml", "--format", "json", "--seed", "11"] +
                    sets(d), label=f"(f) {label}")
        if res["rc"] not in (0, 1):
            md.append(f"| {label} | exit {res['rc']}: {res['err'].strip()} |" +
                      " - |" * (len(head) - 2))
            continue
        j = json.loads(res["out"])
        zs = [j.get(q + "_z") for q in QUANTITIES
              if j.get(q + "_z") is not None and j.get(q + "_counted", 1) == 1]
        mz = max(abs(z) for z in zs) if zs else float("nan")
        verdict = "pass" if j["passed"] == 1 else "FAIL: " + j.get("failed", "")
        cells = [label, verdict, fmt(mz, 3),
                 fmt(j["P_A_simulation_se"] / abs(j["P_A_simulation"]), 2),
                 f"{res['wall']:.0f}"] + \
            [fmt(j.get(q + "_z"), 3) for q in QUANTITIES]
        md.append("| " + " | ".join(cells) + " |")
        for q in MEANS:
            if q + "_bias" in j and j.get(q + "_uncorrected") is not None:
                dev = j[q + "_uncorrected"] - j[q + "_exact"]
                se = j[q + "_simulation_se"]
                bias_rows.append((label, q, j[q + "_bias"], dev, se, j[q + "_exact"]))
    md.append("")
    if bias_rows:
        md.append("Bias estimate (`<q>_bias`: the scheme's exact expectation minus the continuum)"
                  " against the measured deviation of the uncorrected mean from exact; z of their"
                  " difference. A `z dev` far from 0 is the bias an uncorrected run would show.\n")
        md.append("| point | quantity | bias estimate | measured deviation | se | z dev | "
                  "z (dev - bias) | bias/abs(exact) |")
        md.append("|---|---|---|---|---|---|---|---|")
        for label, q, b, dev, se, ex in bias_rows:
            md.append(f"| {label} | {q} | {b:.3e} | {dev:.3e} | {se:.2e} | {dev / se:+.2f} | "
                      f"{(dev - b) / se:+.2f} | {b / abs(ex) if ex else float('nan'):.2e} |")
        md.append("")

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="minutes instead of hours")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "synctur"))
    ap.add_argument("--threads", type=int, default=2, help="OpenMP threads per process")
    ap.add_argument("--mpirun", default="",
                    help='run every synctur call under this launcher, e.g. "mpirun -np 4" or '
                         '"srun" (an MPI build; docs/CLUSTER.md)')
    ap.add_argument("--only", default="a,b,c,d,e",
                    help="comma-separated parts to run (f, the long held-out runs, ~1 h on 2 "
                         "cores, only when named: --only f --report validate/REPORT_LONG.md)")
    ap.add_argument("--report", default=os.path.join(HERE, "REPORT.md"))
    ap.add_argument("--cache", default=os.path.join(HERE, "cache"),
                    help="the runner's cache directory (a campaign run in pieces on several "
                         "machines can carry it along; validate/README.md)")
    a = ap.parse_args()
    os.makedirs(FIGS, exist_ok=True)
    # exit 1 (validate: some |z| >= Z) and 3 (no steady state) are results, cached too
    R = Runner(a.bin, a.threads, cache=a.cache, launcher=a.mpirun, ok=(0, 1, 3))
    t0 = time.time()
    parts = set(a.only.split(","))
    md = [f"# Validation report ({'QUICK mode' if a.quick else 'full mode'})\n",
          f"Generated by `/usr/bin/python3 validate/campaign.py{' --quick' if a.quick else ''}` "
          f"with {R.version}, {a.threads} threads. "
          + ("**This is the quick mode**: short simulations (errors a few times larger than the "
             "full mode's), 12 x 12 maps instead of 24 x 24, 13 exact points in Fig. 4. "
             if a.quick else "") + "\n"]
    body = []
    if "a" in parts:
        rows = part_a(R, a.quick)
        report_a(rows, body)
    maps = None
    if "b" in parts or "c" in parts:
        maps = part_b(R, a.quick, body)
    if "c" in parts:
        part_c(R, a.quick, body, maps)
    if "d" in parts:
        part_d(R, a.quick, body)
    if "e" in parts:
        part_e(R, a.quick, body)
    if "f" in parts:
        part_f(R, body)
    md += ["<!-- SUMMARY -->"] + body
    md.append("## Appendix: commands\n")
    md.append("Every synctur run of this report (the campaign adds `--threads N -o FILE`):\n")
    md.append("```")
    md += [f"# {lab}\n{cmd}" for lab, cmd in R.commands]
    md.append("```")
    md.append(f"\nsynctur wall time of all {R.ran + R.cached} results {R.wall_total:.0f} s "
              f"({a.threads} threads; summed over the runs, whichever invocation of the campaign "
              f"ran them); this invocation {time.time() - t0:.0f} s ({R.ran} runs, {R.cached} "
              "from the cache).")
    md.append("\n<!-- SECTIONS -->")
    text = "\n".join(md) + "\n"
    # The hand-written blocks of an existing report are kept: the conclusions between the
    # SUMMARY markers, and the hand-written sections between the SECTIONS markers (e.g. (f),
    # from validate/quartic_study.py's results), which go after the appendix.
    old = open(a.report).read() if os.path.exists(a.report) else ""
    for name in ("SUMMARY", "SECTIONS"):
        begin, end = f"<!-- BEGIN {name}", f"<!-- END {name} -->"
        block = f"{begin} (hand-written, kept by campaign.py) -->\n{end}\n"
        i, j = old.find(begin), old.find(end)
        if 0 <= i < j:
            block = old[i:j + len(end)] + "\n"
        text = text.replace(f"<!-- {name} -->\n", block + "\n")
    text = text.rstrip("\n") + "\n"
    with open(a.report + ".tmp", "w") as f:
        f.write(text)
    os.replace(a.report + ".tmp", a.report)
    print(f"campaign: wrote {a.report} ({R.ran} runs, {R.cached} cached, "
          f"{time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
