#!/usr/bin/env python3
"""Check the docs site's links without Quarto: process the notebooks as `nbdev_docs` does, then check every link.

python .ci/check_links.py [NBS_PATH]   # from the repository root; exit 1, listing each problem, when any is found

The notebooks are processed by `nbdev.serve.proc_nbs` (what `nbdev_docs` runs before Quarto) into a temporary
folder, so the check sees what Quarto sees: auto-links added to backticked names, `show_doc` cells and their
rendered signatures. Errors:
- a link to a page of the site that does not exist (pages are named like nbdev names them: `06_eval.ipynb` -> `eval.html`),
- a link to an anchor that does not exist on its page (anchors as pandoc makes them from headings and `show_doc` names),
- a relative link to a file that is not in the site,
- a nested link (`[[`name`](url)](page)`: nbdev links a backticked name inside an explicit link again),
- a markdown link inside a `show_doc` signature: a backticked name in a docments comment is auto-linked, and the
  signature is a code block, so the reader sees the literal `[`name`](https://...)`.
- a link whose text says "above" or "below" to an anchor on its own page that is on the other side,
- a `--flags X` instruction (`nbdev_test --path nbs/N.ipynb --flags X`) naming a flag that is not in settings.ini's
  `tst_flags`, or that no cell of the notebook it names carries (`#| X`); without `--path`, the notebook it is written
  in, or for the pages about the whole project (index, promises, README.md) any notebook.
README.md is checked too: links into the docs site by page and anchor, relative links as files of the repository.
"""
import json, os, re, shlex, shutil, sys, tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit, unquote

# %% cell: markdown scanning
_re_fence = re.compile(r'^ {0,3}(`{3,}|~{3,})')
_re_code = re.compile(r'(`+)(.+?)\1', re.S)
_re_escape = re.compile(r'\\.')
_re_heading = re.compile(r'^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$')
_re_attr_id = re.compile(r'\{[^{}]*#([\w.:-]+)[^{}]*\}')
_re_html_id = re.compile(r'''<[a-zA-Z][^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']''')
_re_href = re.compile(r'''<(?:a|img)\s[^>]*?(?:href|src)\s*=\s*["']([^"']+)["']''')
_re_mdlink = re.compile(r'\[[^\]\n]*\]\([^)\s]+\)')

def split_fences(md:str):
    "Lines of `md` as (line, in_code_fence) pairs; fence delimiter lines count as code."
    res, fence = [], None
    for l in md.splitlines():
        m = _re_fence.match(l)
        if fence is None and m: fence = m.group(1)[0]*len(m.group(1)); res.append((l, True))
        elif fence is not None:
            res.append((l, True))
            if l.strip().startswith(fence) and not l.strip().strip(fence[0]): fence = None
        else: res.append((l, False))
    return res

def prose(md:str) -> str:
    "`md` with fenced code blocks blanked out (line count kept)."
    return '\n'.join('' if code else l for l,code in split_fences(md))

def mask_code(s:str) -> str:
    "`s` with escaped characters and the inside of code spans replaced by `x`, keeping every offset."
    s = _re_escape.sub(lambda m: 'xx', s)
    return _re_code.sub(lambda m: m.group(1) + re.sub(r'[^\n]', 'x', m.group(2)) + m.group(1), s)

def _close(s, i, op, cl):
    "Index of the bracket closing the one at `s[i]`, or None."
    depth = 0
    for j in range(i, len(s)):
        depth += (s[j] == op) - (s[j] == cl)
        if depth == 0: return j
        if s[j] == '\n' and j+1 < len(s) and s[j+1] == '\n': return None  # links don't cross paragraphs
    return None

def find_links(md:str):
    "Inline links in markdown prose `md` as (start, text_end, end, is_image) offsets: `md[start:end]` is the link."
    s, res = mask_code(md), []
    for i in (m.start() for m in re.finditer(r'\[', s)):
        j = _close(s, i, '[', ']')
        if j is None or not s.startswith('(', j+1): continue
        k = _close(s, j+1, '(', ')')
        if k is not None: res.append((i, j, k+1, i > 0 and s[i-1] == '!'))
    return res

def link_target(md:str, link) -> str:
    "The URL of `link` (from `find_links`), without title or angle brackets."
    i,j,k,_ = link
    parts = md[j+2:k-1].strip().split()
    return parts[0].strip('<>') if parts else ''

def nested(links):
    "Links that contain another (non-image) link in their text."
    return [o for o in links if any(o[0] < p[0] and p[2] <= o[1] and not p[3] for p in links)]

# %% cell: anchors
def _heading_text(h:str) -> str:
    "Heading markdown as plain text (roughly pandoc's `stringify`)."
    h = _re_attr_id.sub('', re.sub(r'\s*\{[^{}]*\}\s*$', '', h))
    h = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', h)
    return re.sub(r'<[^>]+>', '', h).replace('`', '').replace('*', '')

def pandoc_id(text:str) -> str:
    "The identifier pandoc (so Quarto) gives a heading: lower case, punctuation but `_-.` dropped, spaces to `-`, from the first letter."
    s = '-'.join(''.join(c for c in text.lower() if c.isalnum() or c.isspace() or c in '_-.').split())
    s = re.sub(r'^[^a-zA-Z\u00C0-\uFFFF]+', '', s)
    return s or 'section'

def gfm_id(text:str) -> str:
    "The identifier GitHub gives a README heading."
    return re.sub(r'[^\w\- ]', '', text.lower()).replace(' ', '-')

def add_anchor(ids:set, base:str):
    "Add `base` to `ids`, suffixed `-1`, `-2`, ... when taken (pandoc and GitHub both do this)."
    nm, n = base, 0
    while nm in ids: n += 1; nm = f'{base}-{n}'
    ids.add(nm)

def anchors_in(md:str, ids:set, slug=pandoc_id):
    "Add to `ids` the anchors of the headings and explicit ids (`{#id}`, `id=\"...\"`) in markdown `md`."
    for l in prose(md).splitlines():
        m = _re_heading.match(l)
        if m:
            explicit = _re_attr_id.search(m.group(2))
            if explicit: ids.add(explicit.group(1))
            else: add_anchor(ids, slug(_heading_text(m.group(2))))
        ids.update(_re_attr_id.findall(l) + _re_html_id.findall(l))

# %% cell: processed pages
def _src(c) -> str: return ''.join(c.get('source', '')) if isinstance(c.get('source'), list) else c.get('source') or ''
def _md_out(c) -> list: return [''.join(o['data']['text/markdown']) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]

def _frontmatter(nb) -> dict:
    "The YAML frontmatter nbdev puts in the first raw cell (as a dict; {} when none)."
    import yaml
    c = nb['cells'][0] if nb['cells'] else {}
    m = re.match(r'\s*---\n(.*?)\n---', _src(c), re.S) if c.get('cell_type') == 'raw' else None
    return (yaml.safe_load(m.group(1)) or {}) if m else {}

def proc_pages(nbs:Path, proc:Path) -> dict:
    "{page: dict(src, chunks, ids)} from the processed notebooks in `proc`: `chunks` are (where, markdown, is_show_doc)."
    pages = {}
    for f in sorted(proc.rglob('*.ipynb')):
        nb, rel = json.loads(f.read_text(encoding='utf-8')), f.relative_to(proc)
        out = _frontmatter(nb).get('output-file') or rel.with_suffix('.html').name
        src_ids = {c.get('id'): i for i,c in enumerate(json.loads((nbs/rel).read_text(encoding='utf-8'))['cells'])}
        chunks, ids, shown = [], set(), Path(os.path.relpath(nbs/rel)).as_posix()
        for c in nb['cells']:
            where = f'{shown} cell {src_ids[c.get("id")]}' if c.get('id') in src_ids else shown
            label = re.search(r'^#\|\s*label:\s*(\S+)', _src(c), re.M)
            if label: ids.add(label.group(1))
            if c['cell_type'] == 'markdown': chunks.append((where, _src(c), False))
            sd = re.search(r'^show_doc\((.*)\)\s*$', _src(c), re.M) if c['cell_type'] == 'code' else None
            chunks += [(f'{where} (show_doc({sd.group(1)}))' if sd else where, o, bool(sd)) for o in _md_out(c)]
        first = {}   # anchor -> index of the chunk that holds it, to tell "above" from "below"
        for k,(_,md,_) in enumerate(chunks):
            before = set(ids)
            anchors_in(md, ids)
            first |= {i: k for i in ids - before}
        pages[(rel.parent/out).as_posix()] = dict(src=rel.as_posix(), chunks=chunks, ids=ids, first=first)
    for f in sorted(list(proc.rglob('*.qmd')) + list(proc.rglob('*.md'))):
        rel, ids = f.relative_to(proc), set()
        anchors_in(f.read_text(encoding='utf-8'), ids)
        pages[rel.with_suffix('.html').as_posix()] = dict(src=rel.as_posix(), ids=ids,
                                                         chunks=[(Path(os.path.relpath(nbs/rel)).as_posix(), f.read_text(encoding='utf-8'), False)])
    return pages

# %% cell: link checks
class Checker:
    "Check links against the site's `pages`; `problems` collects (where, message)."
    def __init__(self, pages, nbs, site_url):
        self.pages, self.nbs, self.site_url, self.problems = pages, nbs, site_url.rstrip('/') + '/', []
        self.by_src = {p['src']: page for page,p in pages.items()}

    def err(self, where, msg): self.problems.append((where, msg))

    def page_of(self, path:str):
        "The page a site path names (`eval.html`, `06_eval.ipynb`, `sub/`), or None."
        path = path or 'index.html'
        if path.endswith('/'): path += 'index.html'
        return path if path in self.pages else self.by_src.get(path)

    def check_site(self, where, url, path, frag, cur=None):
        "A link to `path#frag` in the site (`path` relative to the site root; '' with `cur` is the current page)."
        page = cur if (path == '' and cur) else self.page_of(path)
        if page is None:
            if (self.nbs/path).is_file() and not path.endswith(('.ipynb', '.qmd')): return  # a resource (image, file)
            return self.err(where, f'no such page: {url}')
        if frag and unquote(frag) not in self.pages[page]['ids']:
            self.err(where, f'no anchor #{frag} on {page}: {url}')

    def check_url(self, where, url, cur=None, cur_dir=''):
        "Check one link target from a page in folder `cur_dir` of the site."
        if not url or url.startswith(('mailto:', 'data:', 'javascript:')): return
        if url.startswith(self.site_url) or url + '/' == self.site_url:
            u = urlsplit(url[len(self.site_url):])
            return self.check_site(where, url, unquote(u.path), u.fragment)
        if urlsplit(url).scheme or url.startswith('//'): return  # external
        u = urlsplit(url)
        if u.path.startswith('/'): return self.err(where, f'root-relative link breaks under the site base URL: {url}')
        path = os.path.normpath(os.path.join(cur_dir, unquote(u.path))) if u.path else ''
        if path.startswith('..'): return self.err(where, f'relative link leaves the docs site: {url}')
        self.check_site(where, url, '' if path == '.' else path, u.fragment, cur)

    def check_side(self, where, text, url, page, k):
        "A link saying 'above' or 'below' (in `text`) to `#anchor` on its own `page` must point that way."
        side = re.search(r'\b(above|below)\b', text.lower())
        first = self.pages.get(page, {}).get('first', {})
        if not (side and url.startswith('#') and k is not None and unquote(url[1:]) in first): return
        at = first[unquote(url[1:])]
        if (side.group(1) == 'above' and at > k) or (side.group(1) == 'below' and at < k):
            self.err(where, f"link says {side.group(1)!r} but {url} is {'below' if at > k else 'above'} it")

    def check_md(self, where, md, page=None, cur_dir='', signature=False, k=None):
        "Check every link in markdown `md` (chunk `k`) shown on `page`; `signature`: `md` is a `show_doc` output."
        for l,code in split_fences(md):
            if code and signature and _re_mdlink.search(l):
                self.err(where, f'markdown link inside a signature (shown literally): {l.strip()}')
        text = prose(md)
        links = find_links(text)
        for o in nested(links): self.err(where, f'nested link: {text[o[0]:o[2]]}')
        for o in links:
            self.check_url(where, link_target(text, o), page, cur_dir)
            self.check_side(where, text[o[0]+1:o[1]], link_target(text, o), page, k)
        for url in _re_href.findall(mask_code(text)): self.check_url(where, url, page, cur_dir)

    def check_pages(self):
        for page,p in self.pages.items():
            for k,(where,md,sd) in enumerate(p['chunks']):
                self.check_md(where, md, page, str(PurePosixPath(page).parent), sd, k)

    def check_sidebar(self, f:Path):
        "Each page listed in `sidebar.yml` must exist."
        if not f.exists(): return
        for l in f.read_text(encoding='utf-8').splitlines():
            m = re.match(r'\s*-\s*(?:href:\s*)?(\S+\.(?:ipynb|qmd|md|html))\s*$', l)
            if m and self.page_of(m.group(1)) is None: self.err(f.as_posix(), f'sidebar lists a missing page: {m.group(1)}')

    def check_readme(self, f:Path):
        "README.md as GitHub shows it: site links by page and anchor, `#anchors` by GitHub's ids, relative links as files."
        if not f.exists(): return
        md, ids = f.read_text(encoding='utf-8'), set()
        anchors_in(md, ids, gfm_id)
        text = prose(md)
        links = find_links(text)
        for o in nested(links): self.err(f.name, f'nested link: {text[o[0]:o[2]]}')
        for o in links:
            url = link_target(text, o)
            u = urlsplit(url)
            if url.startswith('#'):
                if unquote(u.fragment) not in ids: self.err(f.name, f'no heading for {url}')
            elif url.startswith(self.site_url) or u.scheme or url.startswith('//'): self.check_url(f.name, url)
            elif not (f.parent/unquote(u.path)).exists(): self.err(f.name, f'no such file in the repository: {url}')

# %% cell: test flags
SUITE_PAGES = ('index.ipynb', 'promises.ipynb', 'README.md')   # pages about the whole project
_re_flag_cell = re.compile(r'^#\|\s*(?:all_)?(\w+)\s*$')

def cell_flags(nb_path:Path) -> set:
    "The directives alone on a line at the top of `nb_path`'s code cells (`#| slow` -> 'slow')."
    out = set()
    for c in json.loads(nb_path.read_text(encoding='utf-8'))['cells']:
        if c['cell_type'] != 'code': continue
        for l in _src(c).splitlines():
            if not l.startswith('#|'): break
            m = _re_flag_cell.match(l)
            if m: out.add(m.group(1))
    return out

def flag_instructions(md:str) -> list:
    "(flags, path or None) for each `--flags` in markdown `md`: in code (all the flag words, and `--path`), or in prose (one word)."
    spans = [m.group(2) for m in _re_code.finditer(prose(md))] + [l for l,code in split_fences(md) if code]
    out = []
    for t, many in [(t, True) for t in spans] + [(_re_code.sub(' ', prose(md)), False)]:
        try: toks = shlex.split(t) if many else t.split()
        except ValueError: toks = t.split()
        toks = [w for x in toks for w in (x.split() or [x])]   # `--flags "openai finetune"`: two flags
        path = next((toks[j+1] for j in range(len(toks) - 1) if toks[j] == '--path'), None) if many else None
        for i, tok in enumerate(toks):
            if tok != '--flags': continue
            flags = []
            for x in toks[i+1:]:
                x = x if many else x.rstrip('.,;:)')
                if not re.fullmatch(r'\w+', x): break
                flags.append(x)
                if not many: break
            out.append((flags, path))
    return out

def check_flags(ck:Checker, root:Path, nbs:Path, tst_flags:set):
    "Every `--flags` instruction in the notebooks' prose and README.md names a flag that cells carry where it points."
    have = {f.name: cell_flags(f) for f in sorted(nbs.glob('*.ipynb'))}
    texts = [(f.name, Path(os.path.relpath(f)).as_posix() + f' cell {i}', _src(c))
             for f in sorted(nbs.glob('*.ipynb'))
             for i, c in enumerate(json.loads(f.read_text(encoding='utf-8'))['cells']) if c['cell_type'] == 'markdown']
    if (root/'README.md').exists(): texts.append(('README.md', 'README.md', (root/'README.md').read_text(encoding='utf-8')))
    for name, where, md in texts:
        for flags, path in flag_instructions(md):
            if not flags: ck.err(where, '`--flags` names no flag')
            if path:
                target = Path(path).name
                if target not in have:
                    ck.err(where, f'`--path {path}`: no such notebook'); continue
                carried, there = have[target], f'`{path}`'
            elif name in SUITE_PAGES: carried, there = set().union(*have.values()), 'any notebook'
            else: carried, there = have.get(name, set()), name
            for f in flags:
                if f not in tst_flags: ck.err(where, f'`--flags {f}`: not one of tst_flags ({" ".join(sorted(tst_flags))})')
                elif f not in carried: ck.err(where, f'`--flags {f}`: no cell in {there} carries `#| {f}`')

# %% cell: main
def site_url(cfg) -> str:
    "The docs site's URL, from settings.ini (`doc_host` + `doc_baseurl`)."
    return cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/')

def process(root:Path, nbs:Path, dest:Path) -> Path:
    "Run `proc_nbs` on `nbs` with a copy of settings.ini in `dest`, so `_proc` is written there, not in the repo."
    from nbdev.config import get_config
    from nbdev.serve import proc_nbs
    shutil.copy(root/'settings.ini', dest)
    sys.path.insert(0, str(root))  # the repository's package, as nbdev_test sees it
    cwd = os.getcwd()
    os.chdir(dest)
    get_config.cache_clear()  # cached per process: proc_nbs writes to the `_proc` next to the settings.ini it finds
    try:
        assert get_config().config_path.resolve() == dest.resolve(), 'proc_nbs would write into the repository'
        return proc_nbs(str(nbs), n_workers=min(4, os.cpu_count() or 1), force=True)
    finally: os.chdir(cwd); get_config.cache_clear()

def main(nbs=None) -> int:
    from nbdev.config import get_config
    cfg = get_config()
    root, nbs = cfg.config_path, Path(nbs or cfg.nbs_path).resolve()
    with tempfile.TemporaryDirectory() as d:
        ck = Checker(proc_pages(nbs, process(root, nbs, Path(d))), nbs, site_url(cfg))
    ck.check_pages(); ck.check_sidebar(nbs/'sidebar.yml'); ck.check_readme(root/'README.md')
    check_flags(ck, root, nbs, set(cfg.get('tst_flags', '').split()))
    for where,msg in ck.problems: print(f'{where}: {msg}')
    print(f'{len(ck.problems)} link problem(s) in {len(ck.pages)} pages and README.md', file=sys.stderr)
    return int(bool(ck.problems))

if __name__ == '__main__': sys.exit(main(*sys.argv[1:2]))
