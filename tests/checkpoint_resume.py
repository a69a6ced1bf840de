#!/usr/bin/env python3
"""Checkpoint, resume, extend and refusals of `synctur simulate` (issue 14, docs/CHECKPOINT.md).

usage: checkpoint_resume.py SYNCTUR_BINARY SOURCE_DIR

Every interrupted-and-resumed run must give the JSON of the uninterrupted run bit for bit
(minus timing fields: wall_s, *_seconds, ranks).  Kill points are deterministic in what they
assert: SIGKILL after seeded pseudo-random delays (counted from the moment the first checkpoint
exists), SIGKILL halfway through writing the N-th checkpoint file or right after its rename
(the test-only hook SYNCTUR_TEST_CHECKPOINT_KILL), SIGTERM (exit 4, then resume); 1 and 2
threads, resumed with the other count.  Whatever state the kill leaves, the resumed result is
the same: that is the property tested.
"""
import json
import os
import random
import signal
import struct
import subprocess
import sys
import shutil
import tempfile
import time

from script_support import check, failures, load, strip  # noqa: E402

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
QUICK = os.path.join(SRC, "inputs", "quickstart.toml")
PERIODS = 8000  # ~2 s on 2 threads: several periodic checkpoints before the end
BASE = ["simulate", QUICK, "--quiet", "--set", f"simulation.periods={PERIODS}"]





def same(a, b):
    A, B = load(a), load(b)
    diff = sorted(k for k in set(A) | set(B) if A.get(k) != B.get(k))
    return not diff, diff[:8]


def run(args, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN] + args, env=e, capture_output=True, text=True, **kw)


def wait_for(path, proc, timeout=60.0):
    t0 = time.time()
    while not os.path.exists(path) and proc.poll() is None and time.time() - t0 < timeout:
        time.sleep(0.01)


tmp = tempfile.mkdtemp(prefix="synctur_ckpt_")
os.chdir(tmp)

# --- the uninterrupted reference (1 and 2 threads give the same bits) ----------------------
r = run(BASE + ["-o", "ref.json", "--threads", "2"])
check(r.returncode == 0, "reference run")
r = run(BASE + ["-o", "ref1.json", "--threads", "1", "--checkpoint", "ref1.ckpt"])
ok, diff = same("ref.json", "ref1.json")
check(r.returncode == 0 and ok, f"checkpointing changes nothing (1 thread) {diff}")

# --- SIGKILL at seeded pseudo-random moments -------------------------------------------------
rng = random.Random(14)
cases = []
for threads in (1, 2):
    for _ in range(2):
        cases.append(("delay", round(rng.uniform(0.2, 1.6), 3), threads))
cases += [("mid", 3, 2), ("after", 2, 1), ("mid", 2, 1)]
for i, (kind, arg, threads) in enumerate(cases):
    ck, out = f"k{i}.ckpt", f"k{i}.json"
    env = {}
    if kind != "delay":
        env["SYNCTUR_TEST_CHECKPOINT_KILL"] = f"{kind}:{arg}"
    e = dict(os.environ)
    e.update(env)
    p = subprocess.Popen([BIN] + BASE + ["-o", out, "--threads", str(threads), "--checkpoint",
                                         ck, "--checkpoint-every", "0.1"],
                         env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kind == "delay":
        wait_for(ck, p)
        time.sleep(arg)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
    rc = p.wait(timeout=120)
    killed = rc == -signal.SIGKILL
    label = f"SIGKILL {kind} {arg} ({threads} thread{'s' if threads > 1 else ''})"
    check(killed or rc == 0, f"{label}: killed or finished (rc {rc})")
    if not killed:
        ok, diff = same("ref.json", out)
        check(ok, f"{label}: finished before the kill, output identical {diff}")
        continue
    check(not os.path.exists(out), f"{label}: no output file from the killed run")
    r = run(["simulate", "--resume", ck, "--quiet", "-o", out, "--threads", str(3 - threads)])
    check(r.returncode == 0, f"{label}: resume with {3 - threads} threads exits 0 ({r.stderr.strip()})")
    ok, diff = same("ref.json", out)
    check(ok, f"{label}: resumed JSON identical to the uninterrupted run {diff}")

# a resumed run killed again, then resumed again
ck = "twice.ckpt"
e = dict(os.environ, SYNCTUR_TEST_CHECKPOINT_KILL="after:2")
p = subprocess.run([BIN] + BASE + ["-o", "twice.json", "--threads", "2", "--checkpoint", ck,
                                   "--checkpoint-every", "0.1"], env=e, capture_output=True)
p2 = subprocess.run([BIN, "simulate", "--resume", ck, "--quiet", "-o", "twice.json",
                     "--threads", "1", "--checkpoint-every", "0.1"], env=e, capture_output=True)
r = run(["simulate", "--resume", ck, "--quiet", "-o", "twice.json", "--threads", "2"])
ok, diff = same("ref.json", "twice.json")
check(p.returncode == -signal.SIGKILL and r.returncode == 0 and ok,
      f"killed, resumed and killed again, resumed: identical (rc {p.returncode}, "
      f"{p2.returncode}, {r.returncode}) {diff}")

# --- SIGTERM: finish the chunk, write, one line, exit 4 --------------------------------------
p = subprocess.Popen([BIN] + BASE + ["-o", "term.json", "--threads", "2", "--checkpoint",
                                     "term.ckpt"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wait_for("term.ckpt", p)
time.sleep(0.8)
p.send_signal(signal.SIGTERM)
_, err = p.communicate(timeout=120)
if p.returncode == 0:
    check(same("ref.json", "term.json")[0], "SIGTERM after the sampling: run finished, identical")
else:
    check(p.returncode == 4, f"SIGTERM: exit status 4 (got {p.returncode})")
    lines = [l for l in err.splitlines() if l.strip()]
    check(len(lines) == 1 and "--resume term.ckpt" in lines[0],
          f"SIGTERM: one line saying how to resume ({lines})")
    check(not os.path.exists("term.json"), "SIGTERM: no output file")
    r = run(["simulate", "--resume", "term.ckpt", "--quiet", "-o", "term.json", "--threads",
             "1"])
    ok, diff = same("ref.json", "term.json")
    check(r.returncode == 0 and ok, f"SIGTERM: resumed JSON identical {diff}")

# --- extend: 2000 -> 4000 periods equals a fresh 4000-period run -----------------------------
short = ["simulate", QUICK, "--quiet", "--threads", "2"]
r1 = run(short + ["--set", "simulation.periods=2000", "-o", "e2000.json", "--checkpoint",
                  "ext.ckpt"])
r2 = run(short + ["--set", "simulation.periods=4000", "-o", "f4000.json"])
r3 = run(["simulate", "--resume", "ext.ckpt", "--set", "simulation.periods=4000", "--quiet",
          "-o", "e4000.json", "--threads", "1"])
ok, diff = same("f4000.json", "e4000.json")
check(r1.returncode == r2.returncode == r3.returncode == 0 and ok,
      f"extend 2000 -> 4000 periods: identical to a fresh 4000-period run {diff}")
# a finished run resumed unchanged reproduces itself
r = run(["simulate", "--resume", "ext.ckpt", "--quiet", "-o", "again.json"])
check(r.returncode == 0 and same("e4000.json", "again.json")[0], "finished run resumed again")

# --- refusals: exit 2, one line, checkpoint untouched, no output -----------------------------
with open("ext.ckpt", "rb") as f:
    good = f.read()


def refused(data, extra, what, expect):
    with open("bad.ckpt", "wb") as f:
        f.write(data)
    r = run(["simulate", "--resume", "bad.ckpt", "--quiet", "-o", "bad.json"] + extra)
    with open("bad.ckpt", "rb") as f:
        untouched = f.read() == data
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2 and len(lines) == 1 and expect in lines[0] and untouched
          and not os.path.exists("bad.json"),
          f"refused: {what} (exit {r.returncode}: {lines})")


corrupt = bytearray(good)
corrupt[len(good) // 2] ^= 0x01
refused(bytes(corrupt), [], "one flipped bit", "checksum")
refused(good[: len(good) * 2 // 3], [], "truncated file", "truncated")
refused(good, ["--set", "driven_bath.gamma=0.02"], "changed physics parameter",
        "driven_bath.gamma")
refused(good, ["--set", "simulation.steps_per_period=40"], "changed time step",
        "simulation.steps_per_period")
refused(good, ["--seed", "2"], "changed seed", "simulation.seed")
refused(good, ["--set", "simulation.periods=3000"], "fewer periods", "extend only")
# another synctur version: rewrite the version string and the checksum (FNV-1a 64)
(n,) = struct.unpack_from("<Q", good, 24)
ver = good[32:32 + n].decode()
other = good[:24] + struct.pack("<Q", len("0.0.1")) + b"0.0.1" + good[32 + n:-8]
other = other[:16] + struct.pack("<Q", len(other) - 24) + other[24:]
h = 0xcbf29ce484222325
for byte in other:
    h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
refused(other + struct.pack("<Q", h), [], f"other synctur version (0.0.1, this {ver})",
        "written by synctur 0.0.1")
fmt = bytearray(good)
fmt[8] = 99
refused(bytes(fmt), [], "other file format", "file format 99")

print(f"{len(failures)} failure(s)" if failures else "all checkpoint checks passed")
os.chdir("/")
if not failures:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
