#!/usr/bin/python3
"""Execute Jupyter notebooks with nbclient and report failures readably.

Usage: /usr/bin/python3 tests/run_notebooks.py [--expect-fail] [--out DIR]
                                             [--timeout S] [NOTEBOOK_OR_DIR ...]

Default notebooks: notebooks/**/*.ipynb (subfolders included) and
tests/fixtures/notebooks/**/*.ipynb.
Each runs in the kernel named by its metadata (tslab, jslab, python3, ...),
with cwd = the notebook's folder. Executed copies go to tests/out/notebooks/.
On a failure it prints the notebook, the cell index, the head of the cell
source and the kernel's message (tslab writes type errors to stderr).
With --expect-fail a notebook passes only if some cell fails (self-test of
this runner), and, when its metadata has specmap.expect_error, only if the
message contains that text. Ends with "N passed, N failed"; exit status 1 if any failed.

Needs Debian's nbclient (/usr/bin/python3) and the kernelspecs installed by
scripts/setup-test-env.sh under <repo>/.jupyter (JUPYTER_PATH is set here).
"""
import argparse
import glob
import os
import re
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KEY_LINE = re.compile(r"^([\w.]*Error\b|\d+:\d+ - )")


def setup_env():
    try:
        from nbformat.validator import MissingIDFieldWarning
        warnings.simplefilter("ignore", MissingIDFieldWarning)
    except ImportError:
        pass
    jp = os.path.join(ROOT, ".jupyter", "share", "jupyter")
    parts = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if jp not in parts:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([jp] + parts)
    # Kernel connection files go to a private temp dir, not ~/.local/share.
    if "JUPYTER_RUNTIME_DIR" not in os.environ:
        os.environ["JUPYTER_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="specmap-nb-runtime-")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def collect(args):
    paths = args or [os.path.join(ROOT, "notebooks"), os.path.join(ROOT, "tests", "fixtures", "notebooks")]
    out = []
    for p in paths:
        if os.path.isdir(p):
            # subfolders too (notebooks/teaching/...), never Jupyter checkpoints
            found = glob.glob(os.path.join(p, "**", "*.ipynb"), recursive=True)
            out.extend(sorted(f for f in found if ".ipynb_checkpoints" not in f))
        elif os.path.isfile(p):
            out.append(p)
        elif args:
            print(f"run_notebooks: no such notebook: {p}", file=sys.stderr)
            sys.exit(2)
    return [os.path.abspath(p) for p in out if not os.path.basename(p).startswith(".")]


def text_of(v):
    return "".join(v) if isinstance(v, list) else (v or "")


def describe_failure(nb, err):
    """Find the failing cell and return (index, source head, message)."""
    idx, cell = None, None
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                idx, cell = i, c
    if cell is None:  # fall back to the last executed cell
        for i, c in enumerate(nb.cells):
            if c.cell_type == "code" and c.get("execution_count") is not None:
                idx, cell = i, c
    msgs = []
    if cell is not None:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                msgs.append(text_of(o.get("text")))
            elif o.get("output_type") == "error":
                tb = "\n".join(o.get("traceback") or [])
                msgs.append(tb or f"{o.get('ename')}: {o.get('evalue')}")
    if not any(m.strip() for m in msgs):
        msgs.append(str(err))
    msg = ANSI.sub("", "\n".join(m.rstrip() for m in msgs if m.strip()))
    lines = msg.splitlines()
    if len(lines) > 40:
        msg = "\n".join(lines[:40] + [f"... ({len(lines) - 40} more lines)"])
    src = text_of(cell.source) if cell is not None else ""
    head = "\n".join(src.splitlines()[:6])
    return idx, head, msg


def indent(s, pre="    "):
    return "\n".join(pre + line for line in s.splitlines())


def run_one(path, out_dir, timeout):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    ks = nb.metadata.get("kernelspec", {}) or {}
    kernel = ks.get("name") or "tslab"
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        allow_errors=False,
        startup_timeout=120,
        resources={"metadata": {"path": os.path.dirname(path)}},
    )
    t0 = time.time()
    error = None
    try:
        client.execute()
    except Exception as e:  # CellExecutionError, DeadKernelError, timeouts, no such kernel
        error = e
    dt = time.time() - t0
    os.makedirs(out_dir, exist_ok=True)
    try:
        nbformat.write(nb, os.path.join(out_dir, os.path.basename(path)))
    except Exception as e:  # never hide the real result behind a write error
        print(f"run_notebooks: could not write executed copy: {e}", file=sys.stderr)
    return kernel, dt, error, nb


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--expect-fail", action="store_true", help="each notebook must fail (runner self-test)")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "out", "notebooks"))
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    a = ap.parse_args()
    setup_env()
    nbs = collect(a.paths)
    passed = failed = 0
    if not nbs:
        print("run_notebooks: no notebooks found", file=sys.stderr)
    for path in nbs:
        rel = os.path.relpath(path, ROOT)
        kernel, dt, err, nb = run_one(path, a.out, a.timeout)
        if err is None and not a.expect_fail:
            passed += 1
            print(f"PASS {rel} [{kernel}] {dt:.1f}s", flush=True)
        elif err is None and a.expect_fail:
            failed += 1
            print(f"FAIL {rel} [{kernel}] {dt:.1f}s: expected a cell to fail, all cells ran", flush=True)
        else:
            idx, head, msg = describe_failure(nb, err)
            if a.expect_fail:
                lines = [l.strip() for l in msg.splitlines() if l.strip()]
                first = next((l for l in lines if KEY_LINE.match(l)), lines[0] if lines else "")
                want = (nb.metadata.get("specmap", {}) or {}).get("expect_error")
                if want and want not in msg:
                    failed += 1
                    print(f"FAIL {rel} [{kernel}] {dt:.1f}s: failed in cell {idx}, but not with {want!r}:", flush=True)
                    print(indent(msg or "(no message)"), flush=True)
                else:
                    passed += 1
                    print(f"PASS {rel} [{kernel}] {dt:.1f}s: failed as expected in cell {idx}: {first}", flush=True)
            else:
                failed += 1
                print(f"FAIL {rel} [{kernel}] {dt:.1f}s: cell {idx} ({type(err).__name__})", flush=True)
                if head:
                    print("  cell source:\n" + indent(head))
                print("  message:\n" + indent(msg or "(no message)"), flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not nbs else 0


if __name__ == "__main__":
    sys.exit(main())
