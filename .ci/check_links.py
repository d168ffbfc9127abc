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
README.md is checked too: links into the docs site by page and anchor, relative links as files of the repository.
"""
import json, os, re, shutil, sys, tempfile
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
        for _,md,_ in chunks: anchors_in(md, ids)
        pages[(rel.parent/out).as_posix()] = dict(src=rel.as_posix(), chunks=chunks, ids=ids)
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

    def check_md(self, where, md, page=None, cur_dir='', signature=False):
        "Check every link in markdown `md` shown on `page`; `signature`: `md` is a `show_doc` output."
        for l,code in split_fences(md):
            if code and signature and _re_mdlink.search(l):
                self.err(where, f'markdown link inside a signature (shown literally): {l.strip()}')
        text = prose(md)
        links = find_links(text)
        for o in nested(links): self.err(where, f'nested link: {text[o[0]:o[2]]}')
        for o in links: self.check_url(where, link_target(text, o), page, cur_dir)
        for url in _re_href.findall(mask_code(text)): self.check_url(where, url, page, cur_dir)

    def check_pages(self):
        for page,p in self.pages.items():
            for where,md,sd in p['chunks']: self.check_md(where, md, page, str(PurePosixPath(page).parent), sd)

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
    for where,msg in ck.problems: print(f'{where}: {msg}')
    print(f'{len(ck.problems)} link problem(s) in {len(ck.pages)} pages and README.md', file=sys.stderr)
    return int(bool(ck.problems))

if __name__ == '__main__': sys.exit(main(*sys.argv[1:2]))
