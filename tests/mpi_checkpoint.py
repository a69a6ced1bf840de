#!/usr/bin/env python3
"""Periodic checkpoints under MPI (issue 14; docs/CHECKPOINT.md, "Periodic writes under MPI").

usage: mpi_checkpoint.py SYNCTUR_BINARY SOURCE_DIR MPIRUN

Under mpirun the periodic writes go by rounds (every rank's units advance to a round end, the
states are gathered, rank 0 writes).  Checked: a 2-rank run with --checkpoint-every 0.2 writes
several periodic checkpoints (SYNCTUR_CHECKPOINT_LOG lines) and gives the JSON of a
single-process run bit for bit; a 2-rank run SIGKILLed (mpirun's whole process group) after
at least two periodic writes leaves a checkpoint with unit states in it, and resuming it with
1 rank and with 2 ranks gives the uninterrupted JSON bit for bit (minus timing fields) and the
2-rank resume's --series file the bytes of the single-process run's, and so does a 2-rank SIGTERM
(every rank exits 4) resumed with 2 ranks.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from script_support import check, failures, strip  # noqa: E402

BIN, SRC, MPIRUN = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", SYNCTUR_CHECKPOINT_LOG="1")
QUICK = os.path.join(SRC, "inputs", "quickstart.toml")
PERIODS = 16000  # ~3 s on 2 ranks: a dozen 0.2 s rounds
BASE = ["simulate", QUICK, "--quiet", "--set", f"simulation.periods={PERIODS}"]




def same(a, b):
    with open(a) as f, open(b) as g:
        A, B = strip(json.load(f)), strip(json.load(g))
    diff = sorted(k for k in set(A) | set(B) if A.get(k) != B.get(k))
    return not diff, diff[:8]


def mpi(ranks, args):
    return [MPIRUN, "-np", str(ranks), "--oversubscribe", BIN] + args


def writes(stderr):
    return [int(m) for m in re.findall(r"^checkpoint (\d+): ", stderr, re.M)]


tmp = tempfile.mkdtemp(prefix="synctur_mpi_ckpt_")
os.chdir(tmp)

r = subprocess.run([BIN] + BASE + ["-o", "ref.json", "--threads", "2", "--series", "ref.csv"],
                   env=ENV,
                   capture_output=True, text=True, timeout=300)
check(r.returncode == 0, f"reference run, 1 process x 2 threads ({r.stderr.strip()[-300:]})")

# --- an uninterrupted 2-rank run with periodic writes ----------------------------------------
r = subprocess.run(mpi(2, BASE + ["-o", "full.json", "--threads", "1", "--checkpoint",
                                  "full.ckpt", "--checkpoint-every", "0.2"]),
                   env=ENV, capture_output=True, text=True, timeout=300)
n = len(writes(r.stderr))
ok, diff = same("ref.json", "full.json") if r.returncode == 0 else (False, [])
check(r.returncode == 0 and n >= 4,
      f"2 ranks, --checkpoint-every 0.2: {n} checkpoints written (start, periodic, end)")
check(ok, f"2 ranks with periodic checkpoints: JSON identical to 1 process {diff}")

# --- SIGKILL after two periodic writes, resume with 1 and 2 ranks ----------------------------
p = subprocess.Popen(mpi(2, BASE + ["-o", "k.json", "--threads", "1", "--checkpoint", "k.ckpt",
                                    "--checkpoint-every", "0.2"]),
                     env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                     start_new_session=True)
seen = []
t0 = time.time()
for line in p.stderr:  # rank 0's lines, as they come
    seen += writes(line)
    if len(seen) >= 3 or time.time() - t0 > 120:  # the initial write and two periodic ones
        break
killed = p.poll() is None
if killed:
    os.killpg(p.pid, signal.SIGKILL)  # mpirun and its ranks
p.wait(timeout=60)
for _ in range(300):  # until no process of the job is left to touch k.ckpt
    try:
        os.killpg(p.pid, 0)
        time.sleep(0.05)
    except ProcessLookupError:
        break
check(killed and len(seen) >= 3, f"SIGKILL of the 2-rank job after {len(seen)} checkpoint writes")
check(not os.path.exists("k.json"), "killed job: no output file")
size = os.path.getsize("k.ckpt") if os.path.exists("k.ckpt") else 0
check(size > 100000, f"the checkpoint holds unit states ({size} bytes)")
shutil.copy("k.ckpt", "k2.ckpt")
r = subprocess.run([BIN, "simulate", "--resume", "k.ckpt", "--quiet", "-o", "k1.json",
                    "--threads", "2"], env=ENV, capture_output=True, text=True, timeout=300)
ok, diff = same("ref.json", "k1.json") if r.returncode == 0 else (False, [])
check(ok, f"killed 2-rank job resumed with 1 rank: JSON identical (rc {r.returncode}) {diff}")
r = subprocess.run(mpi(2, ["simulate", "--resume", "k2.ckpt", "--quiet", "-o", "k2.json",
                           "--threads", "1", "--checkpoint-every", "0.2", "--series", "k2.csv"]),
                   env=ENV, capture_output=True, text=True, timeout=300)
ok, diff = same("ref.json", "k2.json") if r.returncode == 0 else (False, [])
check(ok, f"killed 2-rank job resumed with 2 ranks: JSON identical (rc {r.returncode}) {diff}")
def read_bytes(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


check(read_bytes("k2.csv") == read_bytes("ref.csv") is not None,
      "--series of the 2-rank resume: the bytes of the 1-process run's")

# --- SIGTERM to the ranks during a round: exit 4, resume with 2 ranks ------------------------
p = subprocess.Popen(mpi(2, BASE + ["-o", "t.json", "--threads", "1", "--checkpoint", "t.ckpt",
                                    "--checkpoint-every", "0.2"]),
                     env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                     start_new_session=True)
seen = []
for line in p.stderr:
    seen += writes(line)
    if len(seen) >= 2:
        break
if p.poll() is None:
    os.killpg(p.pid, signal.SIGTERM)  # mpirun forwards it; the ranks get it too
err = p.stderr.read()
p.wait(timeout=120)
if os.path.exists("t.json"):
    check(same("ref.json", "t.json")[0], "SIGTERM after the sampling: finished, identical")
else:
    check("--resume t.ckpt" in err, f"SIGTERM: the line saying how to resume (rc {p.returncode})")
    r = subprocess.run(mpi(2, ["simulate", "--resume", "t.ckpt", "--quiet", "-o", "t.json",
                               "--threads", "1"]),
                       env=ENV, capture_output=True, text=True, timeout=300)
    ok, diff = same("ref.json", "t.json") if r.returncode == 0 else (False, [])
    check(ok, f"SIGTERM'd 2-rank job resumed with 2 ranks: JSON identical {diff}")

print(f"{len(failures)} failure(s)" if failures else "all MPI checkpoint checks passed")
os.chdir("/")
if not failures:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
