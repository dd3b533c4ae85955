#!/usr/bin/python3
"""bin/bench mainjob: the main job (bin/train-mnist, defaults) against its PyTorch twin, in interleaved pairs.

Each pair runs ours, then the twin, each a fresh process under /usr/bin/time (its peak RSS). The wall time of a run is
from the command to its RESULT line (the process's exit is reported too). For our runs a table says where the time
went, from the moment each console line appeared: JVM and command line, Spark's start, data, the trainer's set-up,
each epoch, the test pass and outputs, and the stop. Before the pairs one run of ours builds the project when needed
and creates the class-data sharing archive (bin/lib/java-run.sh), so every timed run finds both.
Run it on a quiet machine: the twin's threads wait for each other, and on a busy one it slows far more than the JVM
(544 s against ours' 100 s once, at a load average of 8 on 2 cores), so the ratio says nothing there.
Prints '#' lines per run and at the end
  RESULT mainjob_ratio=<median ours / median twin> ours_s=<median> twin_s=<median> ours_rss_mb=<max>
         twin_rss_mb=<max> rss_ratio=<x> ours_acc=<min> twin_acc=<min> pairs=<n> load=<1-min load average at the end>
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Console lines of the job that end a phase, in order (the first line matching each prefix).
PHASES = [("jvm+cli", "Sparkgrad MNIST job."), ("spark start", "Spark "), ("data", "Model: "),
          ("trainer set-up", "Sparkgrad run "), ("test+outputs", "Wrote "), ("stop", "RESULT ")]


def run(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (seconds to RESULT, seconds to exit, peak RSS MB, RESULT fields, stamps)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rss_file:
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + cmd, cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        stamps, result_s, fields = [], None, {}
        for line in p.stdout:
            now = time.perf_counter() - t0
            stamps.append((now, line.rstrip("\n")))
            if line.startswith("RESULT "):
                result_s = now
                fields = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        rc = p.wait()
        exit_s = time.perf_counter() - t0
        if rc != 0 or result_s is None:
            sys.exit("run failed (exit " + str(rc) + "): " + " ".join(cmd) + "\n"
                     + "\n".join(line for _, line in stamps[-20:]))
        rss_mb = int(rss_file.read().split()[-1]) / 1024
    return result_s, exit_s, rss_mb, fields, stamps


def phases(stamps):
    """Seconds per phase of one of our runs, from the moments its console lines appeared."""
    out, last = [], 0.0
    epoch_lines = [(t, l) for t, l in stamps if re.match(r"epoch \d+/\d+ +train loss", l)]
    marks = [(name, next((t for t, l in stamps if l.startswith(prefix)), None)) for name, prefix in PHASES]
    for name, t in marks[:4]:
        if t is not None:
            out.append((name, t - last))
            last = t
    for i, (t, _) in enumerate(epoch_lines):
        out.append(("epoch " + str(i + 1), t - last))
        last = t
    for name, t in marks[4:]:
        if t is not None:
            out.append((name, t - last))
            last = t
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="the twin's threads")
    ap.add_argument("--twin", default=os.path.join(ROOT, "..", "shared", "anchors", "pytorch", "mainjob_twin.py"))
    ap.add_argument("--no-warm-up", action="store_true", help="skip the untimed first run of ours")
    ap.add_argument("args", nargs="*", help="after --: more arguments for bin/train-mnist")
    a = ap.parse_args()
    if not os.path.isfile(a.twin):
        sys.exit("--twin: no file " + a.twin + " (the PyTorch twin of the main job)")
    ours = [os.path.join(ROOT, "bin", "train-mnist")] + a.args
    twin = ["/usr/bin/python3", a.twin, "--threads", str(a.threads)]
    print("# ours: " + " ".join(ours), flush=True)
    print("# twin: " + " ".join(twin), flush=True)
    print("# load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    if not a.no_warm_up:
        r = run(ours)
        print(f"# warm-up (build check, class-data sharing archive): {r[0]:.1f} s to RESULT, {r[1]:.1f} s to exit",
              flush=True)
    times = {"ours": [], "twin": []}
    rss = {"ours": [], "twin": []}
    acc = {"ours": [], "twin": []}
    tables = []
    for i in range(a.pairs):
        for who, cmd in (("ours", ours), ("twin", twin)):
            result_s, exit_s, rss_mb, fields, stamps = run(cmd)
            times[who].append(result_s)
            rss[who].append(rss_mb)
            acc[who].append(float(fields.get("test_accuracy", "nan")))
            load = os.getloadavg()[0]
            print(f"# pair {i + 1} {who}: {result_s:.2f} s to RESULT, {exit_s:.2f} s to exit, peak RSS {rss_mb:.0f} MB, "
                  f"test_accuracy {fields.get('test_accuracy')}, load {load:.2f}", flush=True)
            if who == "ours":
                tables.append(phases(stamps))
    names = [n for n, _ in tables[0]]
    print("# where our time went (s), per run: " + ", ".join(names))
    for t in tables:
        print("#   " + "  ".join(f"{s:6.2f}" for _, s in t))
    ours_s, twin_s = statistics.median(times["ours"]), statistics.median(times["twin"])
    print(f"RESULT mainjob_ratio={ours_s / twin_s:.3f} ours_s={ours_s:.2f} twin_s={twin_s:.2f} "
          f"ours_rss_mb={max(rss['ours']):.0f} twin_rss_mb={max(rss['twin']):.0f} "
          f"rss_ratio={max(rss['ours']) / max(rss['twin']):.2f} ours_acc={min(acc['ours']):.4f} "
          f"twin_acc={min(acc['twin']):.4f} pairs={a.pairs} load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
