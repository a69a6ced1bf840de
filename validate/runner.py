"""Running synctur from the validate/ scripts: one runner with one disk cache, one CSV reader.

Used by campaign.py, theory_figures.py and (through theory_figures) theory_claims.py.

    R = Runner("build/synctur", threads=2)
    res = R.run(["theory", "inputs/fig4.toml", "--format", "csv"])   # cached
    data = read_csv_text(res["out"])                                # {column: numpy array}

Every run is `synctur ARGS --threads N -o FILE` in the repository root; the output file's text,
exit status, stderr and wall time are stored in CACHE/<key>.out and CACHE/<key>.json
(default validate/cache/, git-ignored).  The key is a sha256 of

  - the arguments (paths inside the checkout relative to it) and the contents of every
    `*.toml` argument,
  - `synctur --version`,
  - a sha256 of the binary's own bytes (another build, or a binary from another checkout,
    never reuses a result),
  - a sha256 of every file under src/ and include/ (names and contents).

Not in the key: `--threads` and an MPI launcher (results are bit-identical for any thread and
rank count; docs/CLUSTER.md).  So an interrupted script resumes where it stopped, a finished
one re-renders in seconds, and a rebuilt binary or an edited input reruns what it affects.
Delete the cache directory (or single files) to force the runs.
"""

import csv
import hashlib
import io
import json
import math
import os
import shlex
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_CACHE = os.path.join(HERE, "cache")


def file_hash(path):
    """sha256 (hex, 16 digits) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def source_hash(root=ROOT):
    """sha256 (hex, 16 digits) of every file under src/ and include/ (names and contents)."""
    h = hashlib.sha256()
    for top in ("src", "include"):
        for d, dirs, files in sorted(os.walk(os.path.join(root, top))):
            dirs.sort()
            for f in sorted(files):
                path = os.path.join(d, f)
                h.update(os.path.relpath(path, root).encode() + b"\0")
                with open(path, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()[:16]


def _in_root(arg):
    """An argument naming a path inside the checkout, made relative to it (else unchanged)."""
    if os.path.isabs(arg) and os.path.commonpath([arg, ROOT]) == ROOT:
        return os.path.relpath(arg, ROOT)
    return arg


class Runner:
    """Runs `synctur ARGS --threads N -o FILE` with the disk cache described above.

    run() returns {"rc", "out" (the output file's text), "err", "wall", "cmd", "cached",
    "out_path" (the cached output file)}.  Exit statuses outside `ok` (per runner, or per
    call) stop the script with the command and its stderr; they are not cached."""

    def __init__(self, binary, threads=2, cache=DEFAULT_CACHE, launcher="", log=None, ok=(0,)):
        self.bin = os.path.abspath(binary)
        if not os.path.isfile(self.bin):
            sys.exit(f"error: synctur binary not found: {self.bin} (build it, or pass its path)")
        self.threads = int(threads)
        self.cache = cache
        self.ok = tuple(ok)
        # e.g. "mpirun -np 4": every synctur call runs under it (results are bit-identical to a
        # single process, so the cache is shared; docs/CLUSTER.md)
        self.launcher = shlex.split(launcher)
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.version = subprocess.run([self.bin, "--version"], capture_output=True, text=True,
                                      check=True).stdout.strip()
        self.binary_hash = file_hash(self.bin)
        self.sources = source_hash()
        self.commands = []  # (label, shell command) for a report
        self.ran = 0
        self.cached = 0
        self.wall_total = 0.0  # synctur wall time of every result used, cached ones included
        os.makedirs(self.cache, exist_ok=True)

    def key(self, args):
        """The cache key of `synctur ARGS` (see the module docstring)."""
        args = [_in_root(a) for a in args]
        inputs = []
        for a in args:
            if a.endswith(".toml"):
                with open(os.path.join(ROOT, a)) as f:
                    inputs.append(f.read())
        blob = json.dumps({"args": args, "inputs": inputs, "version": self.version,
                           "binary": self.binary_hash, "sources": self.sources},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def run(self, args, label=None, record=True, ok=None):
        ok = self.ok if ok is None else ok
        args = [_in_root(a) for a in args]
        key = self.key(args)
        meta_path = os.path.join(self.cache, key + ".json")
        out_path = os.path.join(self.cache, key + ".out")
        shown = "build/synctur " + " ".join(shlex.quote(a) for a in args)
        if record:
            self.commands.append((label or args[0], shown))
        if os.path.exists(meta_path) and os.path.exists(out_path):
            self.cached += 1
            with open(meta_path) as f:
                res = json.load(f)
            with open(out_path) as f:
                res["out"] = f.read()
            res.update(cached=True, out_path=out_path)
            self.wall_total += res["wall"]
            return res
        tmp = os.path.join(self.cache, key + ".out.tmp")
        self.log(f"[run] {shown}")
        t0 = time.time()
        p = subprocess.run(self.launcher + [self.bin] + args +
                           ["--threads", str(self.threads), "-o", tmp],
                           cwd=ROOT, capture_output=True, text=True)
        wall = time.time() - t0
        if p.returncode not in ok:
            if os.path.exists(tmp):
                os.remove(tmp)
            sys.exit(f"error: {shown} failed (exit {p.returncode}): {p.stderr.strip()}")
        if not os.path.exists(tmp):
            open(tmp, "w").close()  # e.g. exit 3: no output file
        os.replace(tmp, out_path)
        res = {"rc": p.returncode, "err": p.stderr, "wall": wall, "cmd": shown}
        with open(meta_path + ".tmp", "w") as f:
            json.dump(res, f)
        os.replace(meta_path + ".tmp", meta_path)  # written last: marks the entry complete
        self.ran += 1
        self.wall_total += wall
        self.log(f"      done in {wall:.1f} s")
        with open(out_path) as f:
            res["out"] = f.read()
        res.update(cached=False, out_path=out_path)
        return res


# ------------------------------------------------------------------------------------------
# reading synctur's CSV output


def _num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan  # "", "null", text columns


def parse_csv_lines(lines):
    """synctur CSV lines -> {column: numpy float array}; '#' lines are comments, empty, null
    and non-numeric fields are NaN.  (numpy.genfromtxt(names=True, comments='#') takes the
    '# synctur ...' comment line as the header, hence this reader.)"""
    rows = [l for l in lines if l.strip() and not l.startswith("#")]
    table = list(csv.reader(io.StringIO("\n".join(rows))))
    names = table[0]
    data = np.array([[_num(x) for x in r] for r in table[1:]], dtype=float)
    data = data.reshape(len(table) - 1, len(names))
    return {n: data[:, i] for i, n in enumerate(names)}


def read_csv_text(text):
    return parse_csv_lines(text.splitlines())


def read_csv(path):
    with open(path) as f:
        return parse_csv_lines(f.read().splitlines())
