#!/usr/bin/env python3
"""Check that the lock rules of the public API are stated where the kernel states them.

A public function whose header kernel-doc has a "Context:" section saying that
the caller holds a lock ("... held", "the caller holds ...") is a lock-held function: its
definition in src/ must say so too, in a comment directly above it that has a
"Context:" line. Exit status 1 lists the definitions that do not.

Usage: check-lock-docs.py SOURCE_ROOT
"""
import pathlib
import re
import sys

DOC = re.compile(r'/\*\*(?:(?!\*/).)*?\*/\s*\n([^\n;{]*?\b(\w+)\()', re.S)
CONTEXT = re.compile(r'\*\s*Context:(.*?)(?=\n\s*\*\s*\n|\n\s*\*/|\n\s*\*\s*\w+:)', re.S)


def lock_held_functions(include_dir):
    funcs = {}
    for header in sorted(include_dir.glob('*.h')):
        for m in DOC.finditer(header.read_text()):
            ctx = CONTEXT.search(m.group(0))
            if not ctx:
                continue
            text = ' '.join(ctx.group(1).replace('*', ' ').split())
            text = re.sub(r'\b(not held|holds no\w*|must not hold)\b', '', text)
            if re.search(r'\b(held|holds)\b', text):
                funcs[m.group(2)] = header.name
    return funcs


def definitions(src_dir):
    defs = {}
    for source in sorted(src_dir.rglob('*.c')):
        text = source.read_text()
        for m in re.finditer(r'^[a-z][^\n;]*?\b(\w+)\([^;]*?\)\s*\n\{', text, re.M):
            before = text[:m.start()].rstrip()
            comment = before[before.rfind('/*'):] if before.endswith('*/') else ''
            defs[m.group(1)] = (source, 'Context:' in comment)
    return defs


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else '.')
    funcs = lock_held_functions(root / 'include' / 'gmap')
    defs = definitions(root / 'src')
    missing = []
    for name, header in sorted(funcs.items()):
        if name not in defs:
            missing.append('%s (%s): no definition found in src/' % (name, header))
        elif not defs[name][1]:
            missing.append('%s: %s states no Context: above the definition' %
                           (name, defs[name][0].relative_to(root)))
    if not funcs:
        missing.append('no lock-held function found in the headers: the check is broken')
    for line in missing:
        print(line)
    print('%d lock-held functions, %d without the rule at their definition' %
          (len(funcs), len(missing)))
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
