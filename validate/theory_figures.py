#!/usr/bin/python3
"""Regenerate every figure of the paper from `synctur theory` / `synctur response`.

Usage (Debian's python3, which has numpy and matplotlib):

    /usr/bin/python3 validate/theory_figures.py [--synctur PATH] [--out DIR] [--threads N]
                                                [--quick] [--only fig3,fig8 ...]

For each inputs/fig*.toml the script runs synctur with the CSV output written into the
output directory (default validate/figures/), then draws the figure as a PNG there.  Every run
goes through validate/runner.py's cache (validate/cache/, keyed by the arguments, the input's
contents, the binary's bytes and the sources), so an interrupted run can simply be restarted
and a rebuilt binary or an edited input reruns what it affects.  `--quick` coarsens the sweeps with
`--set sweep.x.points=...` overrides (maps 50 x 50, lines 100 points) and writes
`*.quick.csv` / `*.quick.png`, so quick and full results never mix.

The module is also imported by validate/theory_claims.py (FigureRunner, read_csv).
"""

import argparse
import math
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # no validate/__pycache__ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import Runner, read_csv, read_csv_text  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
INPUTS = REPO / "inputs"

# name -> (synctur command, input file, --set overrides used by --quick)
MAP_QUICK = ["--set", "sweep.x.points=50", "--set", "sweep.y.points=50"]
RUNS = {
    "fig2a": ("response", "fig2a.toml", ["--set", "response.points=1501"]),
    "fig2b": ("theory", "fig2b.toml", ["--set", "sweep.x.points=50"]),
    "fig3_wc1000": ("theory", "fig3_wc1000.toml", MAP_QUICK),
    "fig3_wc1.2": ("theory", "fig3_wc1.2.toml", MAP_QUICK),
    "fig4": ("theory", "fig4.toml", ["--set", "sweep.x.points=41"]),
    "fig5": ("theory", "fig5.toml", MAP_QUICK),
    "fig6": ("theory", "fig6.toml", MAP_QUICK),
    "fig7_wc1000": ("theory", "fig7_wc1000.toml", MAP_QUICK),
    "fig7_wc1.2": ("theory", "fig7_wc1.2.toml", MAP_QUICK),
    "fig8a": ("theory", "fig8a.toml", ["--set", "sweep.x.points=100"]),
    "fig8b": ("theory", "fig8b.toml", ["--set", "sweep.x.points=100"]),
    "fig9": ("theory", "fig9.toml", MAP_QUICK),
    "fig10": ("theory", "fig10.toml", ["--set", "sweep.x.points=20"]),
}

# Runs whose input has the same parameters and sweep as another run (only the comments
# differ): their CSV is shared, as long as the parsed TOML files stay equal (checked each time).
SAME_AS = {"fig7_wc1000": "fig3_wc1000", "fig7_wc1.2": "fig3_wc1.2"}

# figure -> the runs it needs
FIGURES = {
    "fig2": ["fig2a", "fig2b"],
    "fig3": ["fig3_wc1000", "fig3_wc1.2"],
    "fig4": ["fig4"],
    "fig5": ["fig5"],
    "fig6": ["fig6"],
    "fig7": ["fig7_wc1000", "fig7_wc1.2"],
    "fig8": ["fig8a", "fig8b"],
    "fig9": ["fig9"],
    "fig10": ["fig10"],
}


# ----------------------------------------------------------------------------------------
# running synctur (validate/runner.py: one runner and one cache for every validate script)


class FigureRunner:
    """Runs synctur through runner.Runner (cached in validate/cache/) and writes each named
    output as OUT/<name>[.quick].csv."""

    def __init__(self, synctur, out, threads=2, quick=False, verbose=True):
        self.out = Path(out).resolve()
        self.quick = quick
        self.verbose = verbose
        self.synctur = Runner(synctur, threads, log=self.log)
        self.out.mkdir(parents=True, exist_ok=True)

    def suffix(self):
        return ".quick" if self.quick else ""

    def csv_path(self, name):
        return self.out / f"{name}{self.suffix()}.csv"

    def run(self, name, command, toml, extra=(), quick_extra=()):
        """`synctur COMMAND TOML [extra] [quick_extra if --quick] --format csv`, written to
        the CSV of `name` (plus `.quick` with --quick); returns that path."""
        toml = Path(toml)
        if not toml.is_absolute():
            toml = INPUTS / toml
        csv = self.csv_path(name)
        sets = list(extra) + (list(quick_extra) if self.quick else [])
        res = self.synctur.run([command, str(toml), *sets, "--format", "csv"])
        if res["cached"]:
            self.log(f"[cached] {res['cmd']}")
        _place(Path(res["out_path"]), csv)
        self.log(f"      -> {csv}")
        return csv

    def run_figure_input(self, name):
        command, toml, quick_extra = RUNS[name]
        other = SAME_AS.get(name)
        if other is not None and RUNS[other][0] == command and RUNS[other][2] == quick_extra:
            import tomllib

            with open(INPUTS / toml, "rb") as f1, open(INPUTS / RUNS[other][1], "rb") as f2:
                if tomllib.load(f1) == tomllib.load(f2):
                    self.log(f"[reuse] inputs/{toml} has the same parameters and sweep as "
                             f"inputs/{RUNS[other][1]}: using its CSV")
                    return self.run_figure_input(other)
        return self.run(name, command, toml, quick_extra=quick_extra)

    def point(self, toml, sets=()):
        """One `synctur theory TOML --no-sweep --set ... --format csv` run; returns a row dict."""
        toml = Path(toml)
        if not toml.is_absolute():
            toml = INPUTS / toml
        args = ["theory", str(toml), "--no-sweep", "--format", "csv"]
        for s in sets:
            args += ["--set", s]
        d = read_csv_text(self.synctur.run(args)["out"])
        return {k: v[0] for k, v in d.items()}

    def log(self, msg):
        if self.verbose:
            print(msg, flush=True)


def _place(src, dst):
    """dst becomes the cached output src: a hard link (no second copy of a large CSV), or a
    copy where links are not possible; nothing to do when it already is."""
    if dst.exists() and os.path.samefile(src, dst):
        return
    tmp = dst.with_name(dst.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def unique_ordered(a):
    _, idx = np.unique(a, return_index=True)
    return a[np.sort(idx)]


def grid(d, xkey, ykey, zkey):
    """Reshape a 2-D sweep (x fastest) to (x, y, Z[iy][ix])."""
    n = len(d[xkey])
    x = unique_ordered(d[xkey])
    nx = len(x)
    ny = n // nx
    y = d[ykey].reshape(ny, nx)[:, 0]
    return x, y, d[zkey].reshape(ny, nx)


def blocks(d, ykey):
    """Split a sweep into blocks of equal d[ykey] (y = outer axis): [(yvalue, {col: arr})]."""
    ys = unique_ordered(d[ykey])
    return [(y, {k: v[d[ykey] == y] for k, v in d.items()}) for y in ys]


# ----------------------------------------------------------------------------------------
# drawing

LAB_OMEGA = r"$\Omega/\omega_A$"
LAB_T = r"$T/\omega_A$"
LAB_TBAR = r"$\bar T/\omega_A$"
POWER_UNIT = r"$[\hbar\omega_A^2]$"


def _mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return matplotlib, plt


def _edges_log(x):
    lx = np.log(x)
    e = np.empty(len(x) + 1)
    e[1:-1] = 0.5 * (lx[1:] + lx[:-1])
    e[0] = lx[0] - (e[1] - lx[0])
    e[-1] = lx[-1] + (lx[-1] - e[-2])
    return np.exp(e)


def _edges_lin(y):
    e = np.empty(len(y) + 1)
    e[1:-1] = 0.5 * (y[1:] + y[:-1])
    e[0] = y[0] - (e[1] - y[0])
    e[-1] = y[-1] + (y[-1] - e[-2])
    return e


def _contour(ax, x, y, Z, level, **kw):
    Zf = np.where(np.isfinite(Z), Z, np.nan)
    if np.nanmin(Zf) < level < np.nanmax(Zf):
        ax.contour(x, y, Zf, levels=[level], **kw)


def ratio_map(fig, ax, x, y, R, bound, label, ylabel, title, Pother=None):
    """Density map of a TUR ratio R (log colour scale, diverging at `bound`:
    cool = R < bound = TUR violated) with the R = bound contour (dashed)."""
    matplotlib, _ = _mpl()
    from matplotlib.colors import TwoSlopeNorm

    L = np.log10(np.where(R > 0, R, np.nan))
    lo, hi = np.nanmin(L), np.nanmax(L)
    c = math.log10(bound)
    lo = min(lo, c - 0.5)
    hi = min(max(hi, c + 0.5), c + 4.0)  # R diverges where the power vanishes: clip at 2e4 bound
    norm = TwoSlopeNorm(vmin=lo, vcenter=c, vmax=hi)
    m = ax.pcolormesh(_edges_log(x), _edges_lin(y), L, cmap="coolwarm", norm=norm,
                      shading="flat", rasterized=True)
    cb = fig.colorbar(m, ax=ax, extend="max" if np.nanmax(L) > hi else "neither")
    cb.set_label(r"$\log_{10}$ " + label)
    _contour(ax, x, y, L, c, colors="k", linestyles="--", linewidths=1.2)
    if Pother is not None:
        _contour(ax, x, y, Pother, 0.0, colors="0.3", linestyles=":", linewidths=1.0)
    ax.set_xscale("log")
    ax.set_xlabel(LAB_OMEGA)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)


def _signed_log(P, decades=5):
    """Map a signed quantity to [-1, 1]: each sign on its own log scale spanning `decades`
    decades below that sign's largest |P| (so a small negative region next to a large
    positive one stays visible).  Returns (mapped values, tick positions, tick labels)."""
    scales = {}
    for sgn in (-1, 1):
        v = sgn * P[np.isfinite(P) & (sgn * P > 0)]
        top = np.max(v) if v.size else np.nanmax(np.abs(P))
        e_top = math.ceil(math.log10(top)) if top > 0 else 0
        scales[sgn] = (e_top - decades, e_top)
    out = np.zeros_like(P)
    ticks, labels = [0.0], ["0"]
    for sgn, (e_lo, e_hi) in scales.items():
        m = np.isfinite(P) & (sgn * P > 0)
        out[m] = sgn * np.clip((np.log10(sgn * P[m]) - e_lo) / (e_hi - e_lo), 0.0, 1.0)
        for e in range(e_lo + 1, e_hi + 1, 2):
            ticks.append(sgn * (e - e_lo) / (e_hi - e_lo))
            labels.append(("-" if sgn < 0 else "") + f"1e{e}")
    out[~np.isfinite(P)] = np.nan
    return out, ticks, labels


def power_map(fig, ax, x, y, P, label, ylabel, title, Rother=None, bound=2.0):
    """Density map of a power (diverging colours around 0, cool = P < 0 = power produced; each
    sign on its own 5-decade log scale) with the P = 0 contour (dashed)."""
    V, ticks, labels = _signed_log(P)
    m = ax.pcolormesh(_edges_log(x), _edges_lin(y), V, cmap="coolwarm", vmin=-1, vmax=1,
                      shading="flat", rasterized=True)
    cb = fig.colorbar(m, ax=ax, ticks=ticks)
    cb.ax.set_yticklabels(labels)
    cb.set_label(label + " " + POWER_UNIT + " (log scale per sign)")
    _contour(ax, x, y, P, 0.0, colors="k", linestyles="--", linewidths=1.2)
    if Rother is not None:
        _contour(ax, x, y, np.log10(np.where(Rother > 0, Rother, np.nan)), math.log10(bound),
                 colors="0.3", linestyles=":", linewidths=1.0)
    ax.set_xscale("log")
    ax.set_xlabel(LAB_OMEGA)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)


def _save(fig, path, log):
    fig.savefig(path, dpi=130)
    log(f"      wrote {path}")


def fig2(csvs, png, log):
    _, plt = _mpl()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    d = read_csv(csvs["fig2a"])
    for g, blk in blocks(d, "static_bath.gamma"):
        w = blk["w"]
        e = finite_eigenvalue(blk)
        a.semilogy(w[w > 0], e[w > 0], label=rf"$\gamma_2 = {g:g}\,\omega_A$")
    wbar = math.sqrt((1.0 + 0.6 ** 2) / 2.0)
    for w0, lab in ((1.0, r"$\omega_A$"), (0.6, r"$\omega_B$"), (wbar, r"$\bar\omega$")):
        a.axvline(w0, color="0.6", lw=0.8, ls=":")
        a.text(w0, 0.97, lab, transform=a.get_xaxis_transform(), ha="center", va="top",
               fontsize=8, backgroundcolor="w")
    a.set_xlabel(r"$\omega/\omega_A$")
    a.set_ylabel(r"finite eigenvalue of $\chi_2''(\omega)$  $[1/(m\,\omega_A^2)]$")
    a.set_title("(a) eigenvalue of $\\chi_2''$ (weak vs strong damping)", fontsize=9)
    lo = max(np.nanmin(finite_eigenvalue(d)[d["w"] > 0.05]), 1e-6)
    a.set_ylim(bottom=lo)
    a.legend(fontsize=8, loc="center right")
    d = read_csv(csvs["fig2b"])
    for g, blk in blocks(d, "static_bath.gamma"):
        b.plot(blk["static_bath.temperature"], blk["pearson"], label=rf"$\gamma_2 = {g:g}\,\omega_A$")
    b.axhline(-1, color="0.6", lw=0.8, ls=":")
    b.axhline(0, color="0.6", lw=0.8, ls=":")
    b.set_xlabel(r"$T_2/\omega_A$")
    b.set_ylabel(r"Pearson coefficient $\mathcal{C}$")
    b.set_ylim(-1.05, 0.1)
    b.set_title("(b) synchronisation (Pearson C) vs $T_2$", fontsize=9)
    b.legend(fontsize=8)
    _save(fig, png, log)
    plt.close(fig)


def finite_eigenvalue(d):
    """The non-zero eigenvalue of chi_2''(w) (chi_2'' has rank 1: the bath couples to x_A + x_B)."""
    lo, hi = d["eig_min"], d["eig_max"]
    return np.where(np.abs(hi) >= np.abs(lo), hi, lo)


def _map_pair(csv_a, csv_b, qkey, pkey, ylab, ykey, titles, png, log, bound=2.0, ratio=None,
              qlabel=None, plabel=None):
    _, plt = _mpl()
    ncol = 2 if csv_b is not None else 1
    fig, axes = plt.subplots(2, ncol, figsize=(5.2 * ncol, 8), constrained_layout=True,
                             squeeze=False)
    for j, csv in enumerate([c for c in (csv_a, csv_b) if c is not None]):
        d = read_csv(csv)
        x, y, P = grid(d, "drive.Omega", ykey, pkey)
        if ratio is None:
            _, _, R = grid(d, "drive.Omega", ykey, qkey)
        else:
            R = ratio(d).reshape(P.shape)
        ratio_map(fig, axes[0][j], x, y, R, bound, qlabel or _lab(qkey), ylab, titles[0][j],
                  Pother=P)
        power_map(fig, axes[1][j], x, y, P, plabel or _lab(pkey), ylab, titles[1][j],
                  Rother=R, bound=bound)
    fig.suptitle(_params(d) + "\ndotted: the other row's dashed contour", fontsize=9)
    _save(fig, png, log)
    plt.close(fig)


def _params(d):
    """One-line summary of the fixed model parameters of a sweep (first row)."""
    v = {k: d[k][0] for k in d}
    temps = ""
    if "dT_over_Tbar" in d:
        temps = rf", $\Delta T/\bar T={v['dT_over_Tbar']:g}$"
    elif "T" in d:
        temps = r", $T_1=T_2=T$"
    return (rf"$\omega_A={v['system.omega_A']:g}$, $\omega_B={v['system.omega_B']:g}$, "
            rf"$\gamma_2={v['static_bath.gamma']:g}$, $\gamma_1={v['driven_bath.gamma']:g}$, "
            rf"$\phi={v['drive.phi']:.4g}$, $r={v['drive.r']:g}$, $m={v['system.mass']:g}$" + temps)


def _lab(key):
    return {"Q_PA": r"$Q_{P_A}$", "Q_PB": r"$Q_{P_B}$", "P_A": r"$P_A$", "P_B": r"$P_B$"}[key]


NOTE = "dashed: own threshold; dotted: the other panel's"


def fig3(csvs, png, log):
    _map_pair(csvs["fig3_wc1000"], csvs["fig3_wc1.2"], "Q_PA", "P_A", LAB_T, "T",
              [[r"(a) $Q_{P_A}$, $\omega_c=1000$ (dashed: $Q_{P_A}=2$)",
                r"(b) $Q_{P_A}$, $\omega_c=1.2$ (dashed: $Q_{P_A}=2$)"],
               [r"(c) $P_A$, $\omega_c=1000$ (dashed: $P_A=0$)",
                r"(d) $P_A$, $\omega_c=1.2$ (dashed: $P_A=0$)"]], png, log)


def fig5(csvs, png, log):
    _map_pair(csvs["fig5"], None, "Q_PA", "P_A", LAB_TBAR, "Tbar",
              [[r"(a) $Q_{P_A}$, $\Delta T/\bar T=1.8$ (dashed: $Q_{P_A}=2$)"],
               [r"(b) $P_A$, $\Delta T/\bar T=1.8$ (dashed: $P_A=0$)"]], png, log)


def fig6(csvs, png, log):
    _map_pair(csvs["fig6"], None, None, "P_A", LAB_TBAR, "Tbar",
              [[r"(a) $Q_{P_A}/\mathcal{V}_{P_A}$, $r=1/2$ (dashed: ratio $=1$)"],
               [r"(b) $P_A$, $r=1/2$ (dashed: $P_A=0$)"]], png, log, bound=1.0,
              ratio=lambda d: d["Q_PA"] / d["V_PA"],
              qlabel=r"$Q_{P_A}/\mathcal{V}_{P_A}$")


def fig7(csvs, png, log):
    _map_pair(csvs["fig7_wc1000"], csvs["fig7_wc1.2"], "Q_PB", "P_B", LAB_T, "T",
              [[r"(a) $Q_{P_B}$, $\omega_c=1000$ (dashed: $Q_{P_B}=2$)",
                r"(b) $Q_{P_B}$, $\omega_c=1.2$ (dashed: $Q_{P_B}=2$)"],
               [r"(c) $P_B$, $\omega_c=1000$ (dashed: $P_B=0$)",
                r"(d) $P_B$, $\omega_c=1.2$ (dashed: $P_B=0$)"]], png, log)


def fig9(csvs, png, log):
    _map_pair(csvs["fig9"], None, "Q_PA", "P_A", LAB_T, "T",
              [[r"(a) $Q_{P_A}$, $\gamma_2=0.01$ (dashed: $Q_{P_A}=2$)"],
               [r"(b) $P_A$, $\gamma_2=0.01$ (dashed: $P_A=0$)"]], png, log)


def fig4(csvs, png, log):
    _, plt = _mpl()
    from matplotlib.colors import LogNorm

    d = read_csv(csvs["fig4"])
    g = d["static_bath.gamma"]
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    ax.plot(d["pearson"], d["Q_PA"] / 2, color="0.5", lw=0.8, zorder=1)
    s = ax.scatter(d["pearson"], d["Q_PA"] / 2, c=g, norm=LogNorm(), cmap="viridis", s=12,
                   zorder=2)
    cb = fig.colorbar(s, ax=ax)
    cb.set_label(r"$\gamma_2/\omega_A$")
    ax.axhline(1.0, color="k", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel(r"Pearson coefficient $\mathcal{C}$")
    ax.set_ylabel(r"$Q_{P_A}/2$")
    ax.set_title(r"Fig. 4: $Q_{P_A}/2$ vs $\mathcal{C}$ (parametric in $\gamma_2$), "
                 r"$\Omega=200$, $T=0.1$, $\omega_c=1.2$", fontsize=9)
    _save(fig, png, log)
    plt.close(fig)


def fig8(csvs, png, log):
    _, plt = _mpl()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for g, blk in blocks(read_csv(csvs["fig8a"]), "static_bath.gamma"):
        a.plot(blk["drive.Omega"], blk["eta"], label=rf"$\gamma_2 = {g:g}\,\omega_A$")
    for r, blk in blocks(read_csv(csvs["fig8b"]), "drive.r"):
        b.plot(blk["drive.Omega"], blk["eta"], label=rf"$r = {r:g}$")
    for ax, t in ((a, r"(a) $\eta$, $r=0$"), (b, r"(b) $\eta$, $\gamma_2=100$, several $r$")):
        ax.set_xscale("log")
        ax.set_ylim(0, 1.05)
        ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
        ax.set_xlabel(LAB_OMEGA)
        ax.set_ylabel(r"$\eta = -P_A/P_B$ (only where $P_A<0<P_B$)")
        ax.set_title(t + r", $\gamma_1=0.001$, $\omega_c=1.2$, $T=0.1$", fontsize=9)
        ax.legend(fontsize=8)
    _save(fig, png, log)
    plt.close(fig)


def fig10(csvs, png, log):
    _, plt = _mpl()
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    for tb, blk in blocks(read_csv(csvs["fig10"]), "Tbar"):
        ax.plot(blk["dT_over_Tbar"], blk["Omega_th"], marker=".", label=rf"$\bar T = {tb:g}\,\omega_A$")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\Delta T/\bar T$")
    ax.set_ylabel(r"$\Omega_{th}/\omega_A$  ($Q_{P_A}<2$ for $\Omega>\Omega_{th}$)")
    ax.set_title(r"Fig. 10: threshold frequency, $\gamma_2=100$, $\omega_c=1.2$, $r=0$", fontsize=9)
    ax.legend(fontsize=8)
    _save(fig, png, log)
    plt.close(fig)


DRAW = {"fig2": fig2, "fig3": fig3, "fig4": fig4, "fig5": fig5, "fig6": fig6, "fig7": fig7,
        "fig8": fig8, "fig9": fig9, "fig10": fig10}


def default_synctur():
    return REPO / "build" / "synctur"


def add_common_args(p):
    p.add_argument("--synctur", default=str(default_synctur()),
                   help="synctur binary (default: build/synctur of this checkout)")
    p.add_argument("--out", default=str(REPO / "validate" / "figures"),
                   help="output directory for CSVs and PNGs (default: validate/figures)")
    p.add_argument("--threads", type=int, default=2, help="threads per synctur run (default 2)")
    p.add_argument("--quick", action="store_true",
                   help="coarse sweeps (maps 50x50) written as *.quick.csv/png")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(p)
    p.add_argument("--only", default="", help="comma-separated figures, e.g. fig3,fig8")
    a = p.parse_args(argv)
    runner = FigureRunner(a.synctur, a.out, a.threads, a.quick)
    figs = [f.strip() for f in a.only.split(",") if f.strip()] or list(FIGURES)
    for f in figs:
        if f not in FIGURES:
            sys.exit(f"error: unknown figure '{f}' (known: {', '.join(FIGURES)})")
    t_all = time.time()
    for f in figs:
        runner.log(f"== {f}")
        csvs = {n: runner.run_figure_input(n) for n in FIGURES[f]}
        DRAW[f](csvs, runner.out / f"{f}{runner.suffix()}.png", runner.log)
    runner.log(f"total {time.time() - t_all:.1f} s")


if __name__ == "__main__":
    main()
