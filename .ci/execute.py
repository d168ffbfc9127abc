#!/usr/bin/env python3
"""Re-execute the notebooks and store their outputs, as readers see them on the docs site.

python .ci/execute.py                 # every notebook in nbs/ (default and `slow` cells)
python .ci/execute.py 02_ovr_mlp ...  # some of them

Cells flagged `openai`, `finetune` or `notest` are not run (they need a key, a long run or a person); their stored
outputs, if any, are kept. Progress bars are off and stderr (warnings, cost notes) is dropped from the stored outputs, so they hold only what the code shows.
Run `nbdev_clean` afterwards (the CI checks that it changes nothing). Deterministic: seeds are fixed everywhere,
so a rerun changes no figure except timings.
"""
import os, sys, re, warnings
from pathlib import Path
os.environ.update(TQDM_DISABLE='1', HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1', MPLBACKEND='Agg', TOKENIZERS_PARALLELISM='false')
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

root = Path(__file__).resolve().parent.parent
SKIP = {'openai', 'finetune', 'notest'}

def flags(cell) -> set:
    "The nbdev directives at the top of a code cell (`#| slow` -> {'slow'})."
    return {m[1] for m in re.finditer(r'^#\|\s*(\w+)', cell.source, re.M)}

def execute(fn:Path):
    "Run `fn` in its folder, storing every run cell's outputs; stop at the first error."
    nb = read_nb(fn); sh = CaptureShell(fn)
    old = os.getcwd(); os.chdir(fn.parent)
    try: sh.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or bool(flags(c) & SKIP))
    finally: os.chdir(old)
    for c in nb.cells:   # notes on stderr (cost estimates, progress) are for a terminal, not the page
        if c.get('outputs'): c['outputs'] = [o for o in c['outputs'] if o.get('name') != 'stderr']
    write_nb(nb, fn)

if __name__ == '__main__':
    names = sys.argv[1:]
    files = [root/'nbs'/f'{n.removesuffix(".ipynb")}.ipynb' for n in names] or sorted((root/'nbs').glob('*.ipynb'))
    if len(files) == 1: execute(files[0]); sys.exit()
    import subprocess
    for f in files:   # each in a fresh process, as the docs reader would run it
        print(f.name, flush=True)
        if subprocess.run([sys.executable, __file__, f.stem]).returncode: sys.exit(f"{f.name}: failed")
