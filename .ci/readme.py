#!/usr/bin/env python3
"""Keep README.md equal to the markdown of nbs/index.ipynb (nbdev_readme needs Quarto, which CI lacks).

python .ci/readme.py          # write README.md from nbs/index.ipynb
python .ci/readme.py --check  # exit 1, saying so, when they differ
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def readme_text() -> str:
    "The markdown cells of nbs/index.ipynb, in order, as one document."
    nb = json.loads((root/'nbs'/'index.ipynb').read_text(encoding='utf-8'))
    md = [''.join(c['source']).strip() for c in nb['cells'] if c['cell_type'] == 'markdown']
    return ('\n\n'.join(md) + '\n').replace('](images/', '](nbs/images/')   # the docs home lives in nbs/

if __name__ == '__main__':
    text, dest = readme_text(), root/'README.md'
    if '--check' in sys.argv[1:]:
        if not dest.exists() or dest.read_text(encoding='utf-8') != text:
            sys.exit("README.md differs from nbs/index.ipynb: run `python .ci/readme.py` to regenerate it")
    else: dest.write_text(text, encoding='utf-8')
