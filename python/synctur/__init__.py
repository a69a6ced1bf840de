"""synctur: two driven open quantum oscillators -- power, fluctuations and TURs.

The Python face of the synctur engine (the same C++ library as the ``synctur`` command line,
so the same keys and the same bits).  Units: hbar = k_B = 1; frequencies, rates, temperatures
and energies in the unit of the input (omega_A = 1 in every shipped input), times in its
inverse.  Powers and heat currents [energy/time], D [energy^2/time], covariances [length^2].

Parameters (``params``) are, as for the CLI, the TOML schema of docs/INPUTS.md:

* a path to a TOML file:            ``synctur.theory("inputs/quickstart.toml")``
* a nested dict of the same tables: ``synctur.theory({"system": {...}, "static_bath":
  {"gamma": 100, "temperature": 0.5}, "driven_bath": {...}, "drive": {...}})``

plus ``overrides={"drive.Omega": 20}`` (or ``["drive.Omega=20"]``), applied like the CLI's
``--set`` (a string value is read as TOML text, as on the command line).  Both are validated by
the CLI's loader: a bad input raises :class:`ConfigError` (a ValueError) with the CLI's
message, which names the key.

Functions (one per command): :func:`theory`, :func:`exact`, :func:`simulate`, :func:`validate`,
:func:`noise`; :func:`parameters` validates only.  A point returns a dict with exactly the
keys of the command's JSON output (``command``, ``version``, ``input``, ``overrides``,
``parameters``, then the result keys of docs/KEYS.md); numbers are Python floats, bit for bit
the CLI's (NaN and +-inf where the JSON has null).  A ``[sweep]`` returns a :class:`Table`:
a dict of numpy arrays, one per CSV column, with ``.frame`` (a pandas DataFrame).

Long calls release the GIL, run on OpenMP threads (``threads=None``: all cores, or
OMP_NUM_THREADS), and stop on Ctrl-C with KeyboardInterrupt.  API reference: docs/PYTHON.md.
"""

import json as _json
import math as _math
import numbers as _numbers
import os as _os
import re as _re
import sys as _sys
import time as _time
import warnings as _warnings
from collections.abc import Mapping as _Mapping

from . import _core
from ._core import ConfigError, NoSteadyStateError, __version__

__all__ = [
    "theory",
    "exact",
    "simulate",
    "validate",
    "noise",
    "parameters",
    "Table",
    "ConfigError",
    "NoSteadyStateError",
    "__version__",
]

ConfigError.__doc__ = (
    "A bad input (a ValueError): the CLI's one-line message, which names the key.  Attributes: "
    "key (dotted, e.g. 'static_bath.gamma'; '' for TOML syntax errors), source (the file, "
    "'<dict>' or '--set'), line, column (1-based, 0 when unknown).")
NoSteadyStateError.__doc__ = (
    "The parameters have no periodic steady state: a Floquet mode of the noise-free driven "
    "system grows (the CLI's exit status 3).  Attributes: growth_rate (= slowest_rate, the "
    "largest Floquet rate, > 0 [frequency]); the message names it and the e-folding time.")

_DICT_SOURCE = "<dict>"


# --- parameters -> the CLI's loader --------------------------------------------------------
_BARE = _re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k):
    if not isinstance(k, str):
        raise TypeError(f"parameter keys must be strings (got {k!r})")
    return k if _BARE.match(k) else _toml_string(k)


def _toml_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _bad_value(path, v):
    e = ConfigError(f"{_DICT_SOURCE}: {path}: expected a TOML value (number, boolean, string, "
                    f"list or table), got {type(v).__name__} {v!r}")
    e.key, e.source, e.line, e.column = path, _DICT_SOURCE, 0, 0
    return e


def _toml_value(v, path):
    """One value as TOML text (tables inline).  Floats: the shortest text that reads back to the
    same double (repr), so the loader sees exactly the given number."""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "true" if v else "false"
    if isinstance(v, _numbers.Integral):
        return str(int(v))
    if isinstance(v, _numbers.Real):
        return repr(float(v))  # 'nan', 'inf', '-inf' are TOML too (the loader rejects them)
    if isinstance(v, str):
        return _toml_string(v)
    if isinstance(v, _Mapping):
        items = [f"{_toml_key(k)} = {_toml_value(x, f'{path}.{k}')}" for k, x in v.items()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if hasattr(v, "tolist") and not isinstance(v, (bytes, bytearray)):
        v = v.tolist()  # numpy arrays and scalars
        if not isinstance(v, list):
            return _toml_value(v, path)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x, f"{path}[{i}]") for i, x in enumerate(v)) + "]"
    raise _bad_value(path, v)


def _dict_to_toml(d):
    """A nested dict of tables -> TOML text (one line per top-level item)."""
    return "".join(f"{_toml_key(k)} = {_toml_value(v, str(k))}\n" for k, v in d.items())


def _override_value(v, path):
    # A string is --set text (read as TOML; a bare word that is not TOML is a string).
    return v if isinstance(v, str) else _toml_value(v, path)


def _override_list(overrides):
    """overrides -> the CLI's --set arguments ("section.key=value"), in order."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if isinstance(overrides, _Mapping):
        out = []

        def walk(prefix, m):
            for k, v in m.items():
                key = f"{prefix}.{k}" if prefix else str(k)
                if isinstance(v, _Mapping) and v:
                    walk(key, v)
                else:
                    out.append(f"{key}={_override_value(v, key)}")

        walk("", overrides)
        return out
    out = list(overrides)
    for s in out:
        if not isinstance(s, str):
            raise TypeError(f"overrides: expected 'section.key=value' strings (got {s!r})")
    return out


def _load(params, overrides=None, extra=()):
    sets = _override_list(overrides)
    if isinstance(params, (str, bytes, _os.PathLike)):
        return _core.load(_os.fsdecode(params), None, "", sets, list(extra))
    if isinstance(params, _Mapping):
        return _core.load(None, _dict_to_toml(params), _DICT_SOURCE, sets, list(extra))
    raise TypeError("params: expected a path to a TOML file or a dict of tables (got "
                    f"{type(params).__name__})")


def _threads(threads):
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, _numbers.Integral):
        raise TypeError(f"threads: expected an integer or None (got {threads!r})")
    return int(threads)


def _seed_sets(seed):
    if seed is None:
        return []
    if isinstance(seed, bool) or not isinstance(seed, _numbers.Integral):
        raise TypeError(f"seed: expected an integer or None (got {seed!r})")
    return [f"simulation.seed={int(seed)}"]  # as the CLI's --seed (checked by the loader)


# --- progress --------------------------------------------------------------------------------
class _ProgressLine:
    """progress=True: a line on stderr, '\\rlabel: 42.0% (840/2000), elapsed 3 s, ETA 4 s',
    at most twice a second; the last one says how long the run took."""

    def __init__(self, label, unit):
        self.label, self.unit = label, unit
        self.start = self.last = _time.monotonic()
        self.shown = self.finished = False

    def __call__(self, done, total):
        now = _time.monotonic()
        elapsed = now - self.start
        if self.finished:
            return
        if total and done >= total:
            self.finished = True
            if self.shown or elapsed > 0.5:
                _sys.stderr.write(f"\r{self.label}: {done}/{total} {self.unit} in {elapsed:.1f} s"
                                  + " " * 20 + "\n")
                _sys.stderr.flush()
            return
        if self.shown and now - self.last < 0.5:
            return
        self.last, self.shown = now, True
        frac = done / total if total else 0.0
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        _sys.stderr.write(f"\r{self.label}: {100 * frac:5.1f}% ({done}/{total}), "
                          f"elapsed {elapsed:.0f} s, ETA {eta:.0f} s   ")
        _sys.stderr.flush()


def _progress(progress, label, unit):
    if progress is None or progress is False:
        return None
    if progress is True:
        return _ProgressLine(label, unit)
    if callable(progress):
        return progress
    raise TypeError("progress: expected a bool or a callable(done, total)")


# --- results ---------------------------------------------------------------------------------
class Table(dict):
    """A table of the CLI (a [sweep] of theory, exact, simulate; the noise diagnostics): a dict
    column name -> numpy array, in the CLI's CSV column order (float64 arrays; object arrays
    for text columns).  Attributes:

    * ``meta``: the head of the CLI's JSON table (command, version, input, overrides,
      parameters, sweep (axes and their grids) when present, columns).
    * ``parameters``: the validated input, {section: {key: value}} (docs/INPUTS.md).
    * ``messages``: what the CLI prints on stderr beside the output (summaries, warnings).
    * ``frame``: a pandas.DataFrame of the columns (needs pandas).
    """

    def __init__(self, columns, data, meta, messages=()):
        super().__init__(zip(columns, data))
        self.meta = meta
        self.messages = list(messages)

    @property
    def columns(self):
        return list(self.keys())

    @property
    def parameters(self):
        return self.meta["parameters"]

    @property
    def frame(self):
        try:
            import pandas
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise ImportError("Table.frame needs pandas (Debian: python3-pandas); the columns "
                              "are available as numpy arrays: table['P_A']") from e
        return pandas.DataFrame({k: v for k, v in self.items()}, columns=list(self.keys()))

    def to_pandas(self):
        """The same as ``.frame``."""
        return self.frame

    @property
    def rows(self):
        """Number of rows."""
        return len(next(iter(self.values()))) if self else 0

    def __repr__(self):
        return (f"<synctur.Table {self.meta.get('command')}: {self.rows} rows x "
                f"{len(self)} columns>")


def _typed_parameters(cfg):
    """The `parameters` object with the schema's types (a real key is a float even when the
    JSON writes it as an integer)."""
    out = {}
    for path, value in cfg.values():
        section, key = path.split(".", 1)
        out.setdefault(section, {})[key] = value
    return out


def _head(cfg, text):
    d = _json.loads(text)
    d["parameters"] = _typed_parameters(cfg)
    return d


def _point(raw, cfg):
    d = _head(cfg, raw["head"])
    for k, v in raw["numbers"]:
        d[k] = v
    for k, v in raw["texts"]:
        d[k] = v
    return d


def _table(raw, cfg):
    meta = _head(cfg, raw["head"])
    meta.pop("points", None)
    meta["columns"] = list(raw["columns"])
    return Table(raw["columns"], raw["data"], meta, raw.get("messages", ()))


def _result(raw, cfg):
    return _point(raw, cfg) if raw["kind"] == "point" else _table(raw, cfg)


# --- the commands ----------------------------------------------------------------------------
def parameters(params, overrides=None):
    """Validate ``params`` (+ ``overrides``) as the CLI does and return the validated input:
    {section: {key: value}} with every default filled in, the ``parameters`` object of the
    JSON outputs.  Raises ConfigError (naming the key) for a bad input."""
    return _typed_parameters(_load(params, overrides))


def theory(params, threads=None, progress=False, *, overrides=None, sweep=True):
    """Lowest order in gamma_1 (all orders in gamma_2): ``synctur theory`` (docs/THEORY.md).

    params: a TOML file path or a dict of tables (docs/INPUTS.md); overrides: {"drive.Omega":
    20} or ["drive.Omega=20"] (as --set).  threads: OpenMP threads for a sweep (None: all
    cores); progress: True (a line on stderr) or a callable(done, total) for sweeps; sweep=False
    computes the base point of a file with a [sweep] (--no-sweep).

    Returns, at a point, a dict: command, version, input, overrides, parameters and the keys of
    docs/KEYS.md -- powers P_A P_B P, heat currents J_1 J_2 [energy/time], S_dot
    [1/time], eta [1], D_PA D_PB D_P [energy^2/time], Q_PA Q_PB Q_P [1], covariances cov_*
    [length^2], pearson pearson_tilde (bath-off state; exact: pearson_driven ...) [1], ...  Over a [sweep], a Table (columns as numpy
    arrays: the model parameters, T/Tbar/dT_over_Tbar when swept, then the result keys).
    """
    cfg = _load(params, overrides)
    return _result(_core.theory(cfg, _threads(threads), bool(sweep),
                                _progress(progress, "theory", "points")), cfg)


def exact(params, threads=None, progress=False, *, overrides=None, sweep=True, rtol=None,
          atol=None, hill_tol=None, fluctuations=True, omega_derivative=True):
    """The exact periodic steady state, all orders in gamma_1 (Hill's method, no sampling):
    ``synctur exact`` (docs/EXACT.md).

    params, overrides, threads, progress, sweep: as in :func:`theory`.  rtol (relative
    tolerance of the frequency integrals, default 1e-10), atol (quadrature floor relative to
    int |integrand|, default 1e-10), hill_tol (Hill truncation criterion, default 1e-11): the
    keys exact.rtol, exact.atol_rel, exact.hill_tol (--rtol, --atol, --hill-tol); they override
    ``overrides``, are checked by the loader and recorded in ``parameters``; fluctuations=False: means only (--no-fluctuations);
    omega_derivative=False: no dP/dOmega, V_P* (--no-omega-derivative).

    Returns the keys of :func:`theory` plus D_*_sym, D_*_comm [energy^2/time],
    floquet_slowest_rate [frequency], hill_N, quadrature diagnostics, steady_state and the
    text steady_state_message.  A point without a periodic steady state raises
    NoSteadyStateError; in a sweep such a row has steady_state = 0 and NaN values (and a
    RuntimeWarning counts them, as the CLI's stderr line).
    """
    sets = []
    for key, value in (("exact.rtol", rtol), ("exact.atol_rel", atol), ("exact.hill_tol", hill_tol)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, _numbers.Real):
                raise TypeError(f"{key.split('.')[1]}: expected a number or None (got {value!r})")
            sets.append(f"{key}={float(value)!r}")
    cfg = _load(params, overrides, sets)
    raw = _core.exact(cfg, _threads(threads), bool(sweep), _progress(progress, "exact", "points"),
                      bool(fluctuations), bool(omega_derivative))
    for m in raw.get("messages", ()):
        _warnings.warn(m, RuntimeWarning, stacklevel=2)
    return _result(raw, cfg)


def simulate(params, threads=None, seed=None, progress=False, *, overrides=None, sweep=True):
    """Time-domain trajectories of the quantum Langevin equations: ``synctur simulate``
    (docs/SIMULATION.md).  Cost ~ trajectories x periods x steps_per_period: keep
    simulation.periods small for a quick look (e.g. overrides={"simulation.periods": 2000}).

    params, overrides, sweep: as in :func:`theory`.  threads: OpenMP threads (None: all cores;
    results do not depend on it, only wall_s).  seed: simulation.seed (--seed).  progress: True
    (a line on stderr) or a callable(done, total) called about every 20 ms from the calling
    thread (chunks of 4096 steps; points for a sweep).  The config's simulation.progress is not
    used.  Ctrl-C (KeyboardInterrupt) stops the run within a chunk.

    Returns, at a point, the dict of the CLI's JSON: every key with its standard error
    <key>_se, the references <key>_exact (the exact steady state) and <key>_theory, the
    discretisation offset <key>_bias, the run description (dt [time], steps_per_period,
    periods, warmup_periods, trajectories, seed, wall_s [s], ...) and the text `warnings`
    (docs/KEYS.md).  Over a [sweep], a Table (points one after the other).  NoSteadyStateError
    when a Floquet mode grows (a sweep marks the row steady_state = 0).
    """
    cfg = _load(params, overrides, _seed_sets(seed))
    return _result(_core.simulate(cfg, _threads(threads), bool(sweep),
                                  _progress(progress, "simulate",
                                            "points" if cfg.has_sweep and sweep else "chunks")),
                   cfg)


def validate(params, threads=None, seed=None, progress=False, *, overrides=None,
             tolerance_z=4.0, gamma1_extrapolation=None, print_table=False):
    """Theory, exact steady state and simulation side by side at the base point of params:
    ``synctur validate --format json`` (docs/KEYS.md, validate).

    threads, seed, progress, overrides: as in :func:`simulate`.  tolerance_z: pass iff every
    |z| < tolerance_z (--tolerance-z); gamma1_extrapolation: K in 2..10 extra simulations at
    gamma_1 / 2^k (--gamma1-extrapolation).  print_table=True prints the CLI's text table
    (--format text) and, on failure, its stderr line.

    Returns the dict of the JSON output: per quantity q <q>_theory, <q>_exact,
    <q>_simulation, <q>_simulation_se, <q>_z, <q>_rel_exact_theory, <q>_counted; passed
    (1/0), n_compared, n_failed, failed (text), the run description.  A failed comparison is
    not an exception (passed = 0); no steady state raises NoSteadyStateError.
    """
    cfg = _load(params, overrides, _seed_sets(seed))
    if gamma1_extrapolation is not None:
        if isinstance(gamma1_extrapolation, bool) or not isinstance(gamma1_extrapolation,
                                                                    _numbers.Integral):
            raise TypeError("gamma1_extrapolation: expected an integer 2..10 or None")
        gamma1_extrapolation = int(gamma1_extrapolation)
    raw = _core.validate(cfg, _threads(threads), _progress(progress, "validate", "chunks"),
                         float(tolerance_z), gamma1_extrapolation)
    if print_table:
        print(raw["text"], end="")
        for m in raw["messages"]:
            print(m)
    return _point(raw, cfg)


def noise(params, threads=None, *, overrides=None):
    """The bath noise the engine uses, per bath: ``synctur noise`` (docs/NOISE.md).

    Returns a Table with the columns bath, kind, x, value, se, target, expected, z (kind =
    psd: x = w [frequency], value [energy x time]; acf: x = lag [time]; kappa4; or a plan
    quantity dt, band_limit, flat_limit, taps, fft_size, truncation_error, samples).  Its
    ``messages`` are the summary lines the CLI prints on stderr.  [sweep] is ignored.
    """
    cfg = _load(params, overrides)
    return _table(_core.noise(cfg, _threads(threads)), cfg)
