#!/usr/bin/env python3
"""How fast the command answers, as a user feels it: `twitter-topics --help` (median of 5) and one tweet
through `twitter-topics predict default -` (median of 3 after a first run that may convert the model).

    python tools/answer_times.py                 # this checkout
    python tools/answer_times.py --base DIR      # also a baseline checkout (e.g. a `git worktree` of main), same run

Each run is a fresh process (`python -c` starting `twitter_topics.launch.start`), so imports count as a user
sees them. Prints one JSON object: seconds per case, the machine, and the ratios against the baseline.
"""
import argparse, json, os, platform, statistics, subprocess, sys, time
from pathlib import Path

TWEET = "What a goal by Messi tonight!\n"

def timed(root:Path, argv:list, stdin:str|None=None) -> tuple:
    "Wall seconds, exit code, stdout and stderr of `twitter-topics ARGV` from checkout `root`."
    code = (f"import sys; sys.path.insert(0, {str(root)!r}); sys.argv[0] = 'twitter-topics'\n"
            "from twitter_topics.launch import start; sys.exit(start())")
    t = time.perf_counter()
    r = subprocess.run([sys.executable, '-c', code, *argv], input=stdin, capture_output=True, text=True)
    return time.perf_counter() - t, r.returncode, r.stdout, r.stderr

def measure(root:Path) -> dict:
    "Median seconds for --help (5 runs) and one tweet through predict default (3 runs after a first)."
    helps = [timed(root, ['--help'])[0] for _ in range(5)]
    first = timed(root, ['predict', 'default', '-'], TWEET)
    if first[1] != 0: raise SystemExit(f"predict failed in {root}: {first[3]}")
    preds = [timed(root, ['predict', 'default', '-'], TWEET) for _ in range(3)]
    return {'help_s': round(statistics.median(helps), 3),
            'predict_one_s': round(statistics.median(p[0] for p in preds), 3),
            'first_predict_s': round(first[0], 3),
            'record': json.loads(preds[-1][2].splitlines()[0]),
            'stderr_lines': preds[-1][3].strip().splitlines()}

def machine() -> dict:
    "CPU model, vector extensions of note, cores."
    flags, model = set(), platform.processor()
    try:
        for l in open('/proc/cpuinfo'):
            if l.startswith('model name'): model = l.split(':', 1)[1].strip()
            if l.startswith('flags'): flags = set(l.split(':', 1)[1].split())
    except OSError: pass
    ext = [f for f in ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16') if f in flags]
    return {'cpu': model, 'extensions': ext, 'cores': os.cpu_count()}

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--base', type=Path, help='a baseline checkout, measured in the same run')
    a = ap.parse_args()
    here = Path(__file__).resolve().parent.parent
    out = {'machine': machine(), 'this': measure(here)}
    if a.base:
        out['base'] = measure(a.base.resolve())
        out['speed-up'] = {k: round(out['base'][k] / out['this'][k], 2) for k in ('help_s', 'predict_one_s')}
    print(json.dumps(out, indent=1))
