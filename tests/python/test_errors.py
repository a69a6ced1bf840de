"""Errors are Python exceptions with the CLI's messages."""
import tomllib

import pytest

from conftest import QUICKSTART, run_cli


def cli_error(*args):
    rc, out, err = run_cli(*args, check=False)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return rc, err[len("error: "):].rstrip("\n")


def quickstart_dict():
    with open(QUICKSTART, "rb") as f:
        return tomllib.load(f)


def test_config_error_is_a_value_error_with_the_cli_message(synctur):
    rc, msg = cli_error("theory", QUICKSTART, "--set", "static_bath.gamma=-1")
    assert rc == 2
    with pytest.raises(synctur.ConfigError) as e:
        synctur.theory(QUICKSTART, overrides={"static_bath.gamma": -1})
    assert isinstance(e.value, ValueError)
    assert str(e.value) == msg
    assert e.value.key == "static_bath.gamma" and e.value.source == "--set"


def test_a_string_where_a_number_belongs_names_the_key(synctur):
    params = quickstart_dict()
    params["static_bath"]["gamma"] = "100"
    with pytest.raises(synctur.ConfigError) as e:
        synctur.theory(params)
    assert str(e.value) == "<dict>: static_bath.gamma: expected a number, got a string"
    assert e.value.key == "static_bath.gamma"


def test_file_errors_are_the_cli_messages(synctur, write_toml):
    text = open(QUICKSTART).read().replace("gamma = 1.0", "gamma = \"1.0\"", 1)
    path = write_toml(text)
    rc, msg = cli_error("exact", path)
    with pytest.raises(synctur.ConfigError) as e:
        synctur.exact(path)
    assert rc == 2 and str(e.value) == msg and e.value.line > 0
    rc, msg = cli_error("theory", path + ".missing")
    with pytest.raises(synctur.ConfigError, match="cannot open file") as e:
        synctur.theory(path + ".missing")
    assert str(e.value) == msg


def test_unknown_key_with_a_suggestion(synctur):
    params = quickstart_dict()
    params["drive"]["omega"] = params["drive"].pop("Omega")
    with pytest.raises(synctur.ConfigError, match=r"did you mean 'drive\.Omega'"):
        synctur.theory(params)


def test_an_unrepresentable_value_names_the_key(synctur):
    params = quickstart_dict()
    params["drive"]["phi"] = None
    with pytest.raises(synctur.ConfigError, match=r"^<dict>: drive\.phi: ") as e:
        synctur.theory(params)
    assert e.value.key == "drive.phi"


def test_no_steady_state_carries_the_growth_rate(synctur):
    over = ["static_bath.gamma=300", "drive.Omega=2.5"]
    sets = [a for s in over for a in ("--set", s)]
    rc, msg = cli_error("exact", QUICKSTART, *sets)
    assert rc == 3
    with pytest.raises(synctur.NoSteadyStateError) as e:
        synctur.exact(QUICKSTART, overrides=over)
    assert str(e.value) == msg and "no periodic steady state" in msg
    assert e.value.growth_rate > 0 and e.value.growth_rate == e.value.slowest_rate
    rc, msg = cli_error("simulate", QUICKSTART, *sets)
    with pytest.raises(synctur.NoSteadyStateError) as e:
        synctur.simulate(QUICKSTART, overrides=over)
    assert rc == 3 and str(e.value) == msg
    assert "rate +1.56e-04" in msg and 1.5e-4 <= e.value.growth_rate < 1.6e-4


def test_bad_arguments(synctur):
    with pytest.raises(ValueError, match=r"threads must be in \[1, 4096\]"):
        synctur.theory(QUICKSTART, threads=0)
    with pytest.raises(TypeError):
        synctur.simulate(QUICKSTART, seed="1")
    with pytest.raises(synctur.ConfigError, match="simulation.seed"):
        synctur.simulate(QUICKSTART, seed=-1)
    with pytest.raises(TypeError):
        synctur.theory(42)
    with pytest.raises(ValueError, match="rtol"):
        synctur.exact(QUICKSTART, rtol=-1.0)


def test_a_run_the_engine_refuses_is_a_config_error(synctur):
    over = ["simulation.periods=1000000000000000000", "simulation.trajectories=1000000000"]
    rc, msg = cli_error("simulate", QUICKSTART, *[a for s in over for a in ("--set", s)])
    with pytest.raises(synctur.ConfigError) as e:
        synctur.simulate(QUICKSTART, overrides=over)
    assert rc == 2 and str(e.value) == msg and e.value.key == "simulation.periods"
