#!/usr/bin/env python3
"""Signal `twitter-topics predict` at the moment its output starts, many times, and count how each run ended.

python .ci/stress_signals.py [RUNS] [TERM|INT]   # default: 20 runs, SIGTERM; run two at once to add load

Each run predicts with the shipped model from a FIFO that never closes (so only the signal can end it), waits
for its temporary output file, sleeps 10-40 ms (into the model's loading and its lazy imports), and signals it.
A clean stop is exit 143 (SIGTERM) or 130 (Ctrl-C) with the one line `twitter-topics: terminated|interrupted`,
and no file of the run left behind. A run that does not end within 30 s counts as a hang (stack on stderr).
"""
import collections, os, signal, subprocess, sys, tempfile, time
from pathlib import Path
from twitter_topics.pipeline import shipped_model_path

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
sig = getattr(signal, 'SIG' + (sys.argv[2] if len(sys.argv) > 2 else 'TERM'))
d = Path(tempfile.mkdtemp())
os.mkfifo(d/'slow.txt')
feed = os.open(d/'slow.txt', os.O_RDWR)
env = os.environ | {'PYTHONFAULTHANDLER': '1'}
ended = collections.Counter()
for k in range(runs):
    os.write(feed, b'Lakers win again\nnew album out now\n')
    argv = ['twitter-topics', 'predict', str(shipped_model_path()), str(d/'slow.txt'),
            '--out', str(d/f'o{k}.jsonl'), '--chunk-rows', '2']
    p = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env)
    while not list(d.glob(f'.o{k}.jsonl.tmp-{p.pid}-*')) and p.poll() is None: time.sleep(0.005)
    time.sleep(0.01 * (k % 4 + 1))
    p.send_signal(sig)
    try: how = (p.wait(timeout=30), p.stderr.read().strip())
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGABRT)                    # faulthandler prints where it hung
        p.wait()
        how = ('hang', p.stderr.read().strip()[-2000:])
    ended[how] += 1
left = sorted(p.name for p in d.iterdir() if p.name != 'slow.txt')
os.close(feed)
for how, n in ended.most_common(): print(f'{n:4d} × exit {how[0]}: {how[1][-300:]!r}')
print(f'files left: {left}')
