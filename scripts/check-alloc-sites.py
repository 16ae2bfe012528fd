#!/usr/bin/env python3
"""Check that every allocation in src/ is a known allocation site, and the registry is not stale.

The registry is the GM_ALLOC_SITES list of src/core/alloc_sites.h. Rules:
  1. No file of src/ calls an allocator without a site: gm_malloc(), gm_zalloc(),
     gm_aligned_alloc(), pool_alloc(), page_alloc(), crst_table_alloc(),
     page_table_alloc(), page_table_alloc_pgste(), vma_alloc() without GM_SITE_*,
     nor the C library's malloc(), calloc(), realloc(), posix_memalign(), ...
     (only the allocator itself, core/alloc.c and the pool's chunk headers in
     core/pool.c, may: they are below the injector).
  2. Every *_at() allocator call names its site with a GM_SITE_* constant (or
     forwards the `site` parameter of an allocator wrapper).
  3. Every registered site is used by exactly one call, in the file the registry names,
     and every GM_SITE_* constant used in src/ is registered.
With --list, prints the registry (name, file:line, what) instead.

Usage: check-alloc-sites.py SOURCE_ROOT [--list]
"""
import pathlib
import re
import sys

SITE_ENTRY = re.compile(r'X\((\w+),\s*"([^"]+)",\s*"((?:[^"\\]|\\.)*)"\)')
# Allocators that must not be called without a site (their definitions are the exception).
SITELESS = re.compile(r'\b(gm_malloc|gm_zalloc|gm_aligned_alloc|pool_alloc|page_alloc|'
                      r'crst_table_alloc|page_table_alloc|page_table_alloc_pgste)\s*\(')
LIBC = re.compile(r'(?<![\w.>])(malloc|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|'
                  r'valloc|memalign|strdup|strndup|asprintf)\s*\(')
# The allocator layers themselves: may call libc, and define the site-less public functions.
LIBC_ALLOWED = {'core/alloc.c', 'core/pool.c'}
AT_CALL = re.compile(r'\b(gm_malloc_at|gm_zalloc_at|gm_aligned_alloc_at|pool_alloc_at|'
                     r'page_alloc_at|crst_table_alloc_at|page_table_alloc_pgste_at|vma_alloc)'
                     r'\s*\(\s*([^,)]*)')


def strip_comments(text):
    """Blank out comments and string literals, keeping line numbers."""
    def blank(m):
        return re.sub(r'[^\n]', ' ', m.group(0))
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:[^"\\\n]|\\.)*"', blank, text, flags=re.S)


def registry(root):
    text = (root / 'src/core/alloc_sites.h').read_text()
    return [(m.group(1), m.group(2), m.group(3)) for m in SITE_ENTRY.finditer(text)]


def is_definition_line(line):
    # "type *name(args)" at column 0 (a definition or prototype), or a static inline one.
    return bool(re.match(r'^(static\s+inline\s+)?[a-z][\w\s\*]*\b\w+\s*\(', line))


def main():
    root = pathlib.Path(sys.argv[1])
    sites = registry(root)
    errors = []
    uses = {}
    for path in sorted((root / 'src').rglob('*.[ch]')):
        rel = path.relative_to(root / 'src').as_posix()
        if rel == 'core/alloc_sites.h':
            continue
        code = strip_comments(path.read_text())
        for lineno, line in enumerate(code.split('\n'), 1):
            where = f'src/{rel}:{lineno}'
            for m in SITELESS.finditer(line):
                if not is_definition_line(line):
                    errors.append(f'{where}: {m.group(1)}() without an allocation site '
                                  f'(use {m.group(1)}_at(GM_SITE_..., ...))')
            if rel not in LIBC_ALLOWED:
                for m in LIBC.finditer(line):
                    errors.append(f'{where}: {m.group(1)}() bypasses the allocator '
                                  f'(gm_malloc_at() with a site)')
            for m in AT_CALL.finditer(line):
                arg = m.group(2).strip()
                if is_definition_line(line) or arg.startswith('enum gm_alloc_site'):
                    continue
                if arg != 'site' and not arg.startswith('GM_SITE_'):
                    errors.append(f'{where}: {m.group(1)}() must name a GM_SITE_* constant')
            for m in re.finditer(r'\bGM_SITE_(\w+)', line):
                uses.setdefault(m.group(1), []).append((rel, lineno))
    names = {name for name, _, _ in sites}
    if len(names) != len(sites):
        errors.append('src/core/alloc_sites.h: a site is registered twice')
    for name, file, _ in sites:
        found = [u for u in uses.get(name, [])
                 if not (u[0] == 'core/alloc.c' and name in ('NONE', 'EXTERN'))]
        if len(found) != 1:
            errors.append(f'site {name}: used {len(found)} times in src/ (must be exactly once)'
                          + ''.join(f'\n    src/{f}:{l}' for f, l in found))
        elif found[0][0] != file:
            errors.append(f'site {name}: registered for {file}, used in src/{found[0][0]}')
    for name, places in uses.items():
        if name not in names and name not in ('NONE', 'EXTERN', 'ENUM', 'INFO'):
            f, l = places[0]
            errors.append(f'src/{f}:{l}: GM_SITE_{name} is not registered in alloc_sites.h')
    if errors:
        print('\n'.join(errors))
        return 1
    if '--list' in sys.argv:
        for name, file, what in sites:
            f, l = uses[name][0]
            print(f'{name}\tsrc/{f}:{l}\t{what}')
    else:
        print(f'{len(sites)} allocation sites, each used once where registered')
    return 0


if __name__ == '__main__':
    sys.exit(main())
