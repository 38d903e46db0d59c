#!/usr/bin/env python3
"""Lists Swift functions and initialisers longer than N lines (default 60), by brace matching from a
`func`/`init` line (braces in string literals and // comments ignored, roughly): the check behind
STYLE.md's "functions short enough to read at once".

    python3 Tools/function-lengths.py [DIR [N]]      # DIR: Sources by default
"""
import re, sys, os
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 60
root = sys.argv[1] if len(sys.argv) > 1 else "Sources"
decl = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|static|final|override|mutating|nonmutating|convenience|required|nonisolated|package|@inline\(__always\))\s+)*(func\s+[^\s(<]+|init[?!]?\s*[(<]|subscript\s*\(|deinit)')
def strip(line):
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    i = line.find('//')
    return line if i < 0 else line[:i]
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.swift'): continue
        p = os.path.join(dp, f)
        lines = open(p, encoding='utf-8', errors='replace').read().split('\n')
        i = 0
        while i < len(lines):
            m = decl.match(lines[i])
            if m:
                depth, started, j = 0, False, i
                while j < len(lines):
                    s = strip(lines[j])
                    depth += s.count('{') - s.count('}')
                    if '{' in s: started = True
                    if started and depth <= 0: break
                    if not started and j > i + 15: break
                    j += 1
                n = j - i + 1
                if started and n > limit:
                    print(f"{n:4d} {p}:{i+1} {m.group(1)}")
            i += 1
