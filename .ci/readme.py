#!/usr/bin/env python3
"""Keep README.md equal to nbs/index.ipynb as nbdev_readme would render it (nbdev_readme needs Quarto, which CI lacks).

python .ci/readme.py          # write README.md from nbs/index.ipynb
python .ci/readme.py --check  # exit 1, saying so, when they differ

Markdown cells are copied; a shown code cell becomes a ```python block (its `#|` directives removed) followed by its
stored text output in a ``` block: stdout and the cell's value as text (a plot's
`<Figure ...>` text is left out). `#| hide` cells are left out, `#| echo: false`
shows only the output, `#| output: false` only the code, `#| output: asis` prints markdown as markdown (the
results rendered from records); a stored plot is written to nbs/images/readme_<cell id>.png and shown with its
`#| fig-alt`; stderr (notes, progress) is never shown.
"""
import base64, json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def directives(src:str) -> dict:
    "The `#|` directives at the top of a cell's source, e.g. {'hide': '', 'echo': 'false'}."
    out = {}
    for l in src.splitlines():
        m = _re_directive.match(l)
        if not m: break
        out[m.group(1)] = m.group(2) if m.group(1) == 'fig-alt' else m.group(2).lower()   # alt text keeps its case
    return out

def code_text(src:str) -> str:
    "A code cell's source without its leading `#|` directives."
    lines = src.splitlines()
    while lines and _re_directive.match(lines[0]): lines.pop(0)
    return '\n'.join(lines).strip()

def output_text(cell:dict) -> str:
    "A code cell's stored text output, as a reader sees it: stdout, then results and displays as plain text."
    parts = []
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'stream':
            if o.get('name') == 'stdout': parts.append(''.join(o.get('text', '')))
        elif 'text/plain' in o.get('data', {}) and not any(k.startswith('image/') for k in o['data']):
            parts.append(''.join(o['data']['text/plain']) + '\n')   # a plot's text is only its repr
    return ''.join(parts).strip('\n')

def images(cell:dict) -> list:
    "The paths of a code cell's stored PNG outputs as README images: nbs/images/readme_<cell id>[_k].png."
    outs = [o['data']['image/png'] for o in cell.get('outputs', []) if 'image/png' in o.get('data', {})]
    return [root/'nbs'/'images'/f"readme_{cell.get('id', 'cell')}{'_' + str(k) if k else ''}.png" for k in range(len(outs))]

def image_files(cells:list) -> dict:
    "path -> bytes of every README image the shown cells store."
    out = {}
    for c in cells:
        if c['cell_type'] != 'code' or 'hide' in directives(''.join(c['source'])): continue
        pngs = [o['data']['image/png'] for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
        for p, b64 in zip(images(c), pngs): out[p] = base64.b64decode(''.join(b64) if isinstance(b64, list) else b64)
    return out

def cell_markdown(cell:dict) -> str:
    "One cell as README markdown ('' when nothing of it is shown)."
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return src.strip()
    if cell['cell_type'] != 'code': return ''
    d = directives(src)
    if 'hide' in d or d.get('include') == 'false': return ''
    blocks = []
    code, out = code_text(src), output_text(cell)
    if code and d.get('echo') != 'false': blocks.append(f'```python\n{code}\n```')
    if out and d.get('output') == 'asis': blocks.append(out)               # printed markdown, shown as markdown
    elif out and d.get('output') != 'false': blocks.append(f'```\n{out}\n```')
    for png in images(cell) if d.get('output') != 'false' else []:
        blocks.append(f"![{d.get('fig-alt', 'figure')}](nbs/images/{png.name})")
    return '\n\n'.join(blocks)

def nb_markdown(cells:list) -> str:
    "The shown cells of a notebook, in order, as one markdown document."
    md = [t for t in map(cell_markdown, cells) if t]
    return ('\n\n'.join(md) + '\n').replace('](images/', '](nbs/images/')   # the docs home lives in nbs/

def readme_text() -> str:
    "README.md's text: nbs/index.ipynb as markdown."
    return nb_markdown(json.loads((root/'nbs'/'index.ipynb').read_text(encoding='utf-8'))['cells'])

if __name__ == '__main__':
    text, dest = readme_text(), root/'README.md'
    pngs = image_files(json.loads((root/'nbs'/'index.ipynb').read_text(encoding='utf-8'))['cells'])
    if '--check' in sys.argv[1:]:
        if not dest.exists() or dest.read_text(encoding='utf-8') != text:
            sys.exit("README.md differs from nbs/index.ipynb: run `python .ci/readme.py` to regenerate it")
        stale = [str(p.relative_to(root)) for p, b in pngs.items() if not p.exists() or p.read_bytes() != b]
        if stale: sys.exit(f"{', '.join(stale)} differ from nbs/index.ipynb's plots: run `python .ci/readme.py`")
    else:
        dest.write_text(text, encoding='utf-8')
        for p, b in pngs.items(): p.write_bytes(b)
