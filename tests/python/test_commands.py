"""Every command's dict (or Table) equals the CLI's JSON for the same input, bit for bit."""
import json
import math
import tomllib

import numpy as np

from conftest import (QUICKSTART, TIMING, assert_same_point, assert_same_table, cli_json,
                      run_cli)

SHORT_SIM = {"simulation.periods": 2000, "simulation.trajectories": 4}
SHORT_SETS = [a for k, v in SHORT_SIM.items() for a in ("--set", f"{k}={v}")]


def test_version_is_the_projects(synctur):
    assert run_cli("--version")[1].strip() == f"synctur {synctur.__version__}"


def test_theory_point(synctur):
    cli = cli_json("theory", QUICKSTART)
    py = synctur.theory(QUICKSTART)
    assert_same_point(cli, py)
    assert py["command"] == "theory" and py["input"] == QUICKSTART
    assert py["parameters"]["static_bath"]["gamma"] == 1.0


def test_exact_point(synctur):
    cli = cli_json("exact", QUICKSTART)
    py = synctur.exact(QUICKSTART)
    assert_same_point(cli, py)
    assert py["steady_state"] == 1.0 and isinstance(py["steady_state_message"], str)


def test_exact_options_are_the_cli_options(synctur):
    cli = cli_json("exact", QUICKSTART, "--no-fluctuations", "--rtol", "1e-8")
    py = synctur.exact(QUICKSTART, fluctuations=False, rtol=1e-8)
    assert_same_point(cli, py)
    assert "D_PA" not in py


def test_simulate_point(synctur):
    cli = cli_json("simulate", QUICKSTART, "--quiet", "--seed", "3", *SHORT_SETS)
    py = synctur.simulate(QUICKSTART, seed=3, overrides=SHORT_SIM)
    assert_same_point(cli, py, skip=TIMING)
    assert py["seed"] == 3 and py["overrides"] == cli["overrides"]
    assert py["P_A_se"] > 0 and "P_A_exact" in py and "P_A_theory" in py


def test_validate_point(synctur):
    # A run this short fails some comparisons (exit 1): the JSON is written all the same.
    rc, out, _ = run_cli("validate", QUICKSTART, "--format", "json", "--seed", "2", *SHORT_SETS,
                         check=False)
    cli = json.loads(out)
    py = synctur.validate(QUICKSTART, seed=2, overrides=SHORT_SIM)
    assert_same_point(cli, py, skip=TIMING)
    assert rc == (0 if py["passed"] == 1.0 else 1)


def test_noise_table(synctur):
    sets = {"noise.samples": 65536, "noise.streams": 4, "noise.lags": 16}
    args = [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
    cli = cli_json("noise", QUICKSTART, "--format", "json", *args)
    t = synctur.noise(QUICKSTART, overrides=sets)
    assert_same_table(cli, t)
    assert t["bath"].dtype == object and t["value"].dtype == np.float64
    assert any(m.startswith("noise: dt = ") for m in t.messages)


SWEEP = 'sweep.x={key="drive.Omega", from=0.5, to=3.0, points=4, scale="log"}'


def test_theory_sweep_columns_are_numpy_arrays(synctur):
    cli = cli_json("theory", QUICKSTART, "--format", "json", "--set", SWEEP)
    t = synctur.theory(QUICKSTART, overrides=[SWEEP])
    assert_same_table(cli, t)
    assert isinstance(t["P_A"], np.ndarray) and t["P_A"].dtype == np.float64
    assert t.rows == 4 and t.columns[:11][-1] == "drive.r"
    assert np.allclose(t["drive.Omega"], np.geomspace(0.5, 3.0, 4), rtol=1e-14)
    assert t.meta["sweep"]["axes"][0]["key"] == "drive.Omega"
    df = t.frame
    assert list(df.columns) == t.columns and len(df) == 4
    assert np.array_equal(df["P_A"].to_numpy(), t["P_A"])


def test_theory_sweep_threads_do_not_matter_and_no_sweep(synctur):
    a = synctur.theory(QUICKSTART, threads=1, overrides=[SWEEP])
    b = synctur.theory(QUICKSTART, threads=2, overrides=[SWEEP])
    for c in a:
        assert np.array_equal(a[c], b[c], equal_nan=True), c
    point = synctur.theory(QUICKSTART, overrides=[SWEEP], sweep=False)
    assert_same_point(cli_json("theory", QUICKSTART, "--set", SWEEP, "--no-sweep"), point)


def test_exact_sweep_with_an_unstable_row(synctur):
    sweep = 'sweep.x={key="static_bath.gamma", values=[1.0, 300.0]}'
    over = [sweep, "drive.Omega=2.5"]
    cli = cli_json("exact", QUICKSTART, "--format", "json", "--no-fluctuations",
                   *[a for s in over for a in ("--set", s)])
    import pytest
    with pytest.warns(RuntimeWarning, match="1 of 2 sweep points have no periodic steady"):
        t = synctur.exact(QUICKSTART, overrides=over, fluctuations=False)
    assert_same_table(cli, t)
    assert list(t["steady_state"]) == [1.0, 0.0] and math.isnan(t["P_A"][1])


def test_simulate_sweep(synctur):
    sweep = 'sweep.x={key="drive.Omega", values=[1.5, 2.0]}'
    over = [sweep, "simulation.periods=500", "simulation.trajectories=2",
            "simulation.pearson=false"]
    cli = cli_json("simulate", QUICKSTART, "--format", "json",
                   *[a for s in over for a in ("--set", s)])
    t = synctur.simulate(QUICKSTART, overrides=over)
    assert_same_table(cli, t, skip=TIMING)
    assert t.rows == 2 and np.all(t["P_A_se"] > 0)


def test_dict_params_equal_the_file(synctur):
    with open(QUICKSTART, "rb") as f:
        params = tomllib.load(f)
    a = synctur.theory(QUICKSTART)
    b = synctur.theory(params)
    assert b["input"] == "<dict>"
    a.pop("input"), b.pop("input")
    assert_same_point(a, b)


def test_overrides_are_the_cli_set(synctur):
    cli = cli_json("theory", QUICKSTART, "--set", "drive.Omega=20", "--set",
                   "theory.omega_threshold=false")
    py = synctur.theory(QUICKSTART, overrides={"drive": {"Omega": 20},
                                               "theory.omega_threshold": False})
    assert_same_point(cli, py)
    assert py["overrides"] == ["drive.Omega=20", "theory.omega_threshold=false"]
    assert py["parameters"]["drive"]["Omega"] == 20.0


def test_parameters_validates_and_fills_defaults(synctur):
    p = synctur.parameters(QUICKSTART, overrides={"simulation.seed": 9})
    assert p["simulation"]["seed"] == 9 and p["theory"]["rtol"] == 1e-10


def test_dict_params_with_a_sweep_equal_the_file(synctur):
    fig3 = QUICKSTART.replace("quickstart.toml", "fig3_wc1.2.toml")
    small = {"sweep.x.points": 3, "sweep.y.points": 2}
    with open(fig3, "rb") as f:
        params = tomllib.load(f)
    a = synctur.theory(fig3, overrides=small)
    b = synctur.theory(params, overrides=small)
    assert b.meta["input"] == "<dict>" and a.meta["sweep"] == b.meta["sweep"]
    assert a.columns == b.columns
    for c in a:
        assert np.array_equal(a[c], b[c], equal_nan=True), c
