"""Ctrl-C, threads, seeds, reproducibility and progress."""
import os
import signal
import threading
import time

import pytest

from conftest import QUICKSTART, TIMING, assert_same_point

SHORT = {"simulation.periods": 2000, "simulation.trajectories": 4}


def interrupt_after(seconds):
    t = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    t.start()
    return t


def test_ctrl_c_stops_simulate(synctur):
    # ~1 min of work at full size: interrupted after 0.5 s, it must stop within seconds.
    t0 = time.monotonic()
    timer = interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt):
        synctur.simulate(QUICKSTART, threads=2, overrides={"simulation.periods": 1000000})
    timer.join()
    assert time.monotonic() - t0 < 15
    # The interpreter and the module still work, and give the same answers as before.
    assert_same_point(synctur.simulate(QUICKSTART, seed=4, overrides=SHORT),
                      synctur.simulate(QUICKSTART, seed=4, overrides=SHORT), skip=TIMING)


def test_ctrl_c_stops_a_sweep(synctur):
    sweep = 'sweep.x={key="drive.Omega", from=0.5, to=3.0, points=400}'
    timer = interrupt_after(0.3)
    with pytest.raises(KeyboardInterrupt):
        synctur.exact(QUICKSTART, threads=1, overrides=[sweep])
    timer.join()
    assert synctur.theory(QUICKSTART)["command"] == "theory"


def test_ctrl_c_in_the_machinery(synctur):
    timer = interrupt_after(0.2)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        synctur._core._sleep_ticks(30.0, 3000)
    timer.join()
    assert time.monotonic() - t0 < 5
    assert synctur._core._sleep_ticks(0.01, 2) == 2


def test_threads_are_honoured(synctur):
    assert synctur._core._threads_used(1) == 1
    assert synctur._core._threads_used(2) == 2
    assert synctur._core._threads_used(None) >= 1


def test_seed_is_honoured_and_runs_reproduce_across_threads(synctur):
    a = synctur.simulate(QUICKSTART, threads=1, seed=7, overrides=SHORT)
    b = synctur.simulate(QUICKSTART, threads=2, seed=7, overrides=SHORT)
    c = synctur.simulate(QUICKSTART, threads=2, seed=8, overrides=SHORT)
    assert a["seed"] == 7 and a["parameters"]["simulation"]["seed"] == 7
    assert a["overrides"] == b["overrides"]  # --seed is not an override, as in the CLI
    assert_same_point(a, b, skip=TIMING)
    assert a["P_A"] != c["P_A"]


def test_progress_callable(synctur):
    calls = []
    synctur.simulate(QUICKSTART, overrides=SHORT, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1] > 0
    assert all(d <= t for d, t in calls)


def test_an_exception_in_progress_stops_the_run(synctur):
    def boom(done, total):
        raise ZeroDivisionError("from progress")

    with pytest.raises(ZeroDivisionError, match="from progress"):
        synctur.simulate(QUICKSTART, overrides={"simulation.periods": 1000000}, progress=boom)
