"""CTest entry: executes a notebook with `jupyter nbconvert --to notebook --execute` (the
executed copy goes to OUTDIR); exit 77 (skipped) when jupyter nbconvert or a kernel is missing.
usage: run_notebook.py NOTEBOOK OUTDIR"""
import os
import shutil
import subprocess
import sys
import time

notebook, outdir = sys.argv[1], sys.argv[2]
jupyter = shutil.which("jupyter")
try:
    import ipykernel  # noqa: F401  (the kernel nbconvert starts)
    import nbconvert  # noqa: F401
except ImportError as e:
    jupyter = None
    print(f"{e}: skipped")
if not jupyter:
    print("jupyter nbconvert is not installed (Debian: jupyter-nbconvert python3-ipykernel): "
          "skipped")
    sys.exit(77)
os.makedirs(outdir, exist_ok=True)
t0 = time.monotonic()
p = subprocess.run([jupyter, "nbconvert", "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.timeout=120", "--output-dir", outdir, notebook])
print(f"{notebook}: executed in {time.monotonic() - t0:.1f} s (exit {p.returncode})")
sys.exit(p.returncode)
