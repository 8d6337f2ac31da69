#!/usr/bin/env python3
"""Prints the forwarders of src/pg/libpq_lazy.cpp (everything after its
`extern "C" {` line): one per libpq function that libpqxx's static archive
or src/pg calls, with the parameters of libpq-fe.h. Run it after a libpqxx
or libpq upgrade, or when src/pg calls a new libpq function (the link then
fails on its name):

    scripts/libpq-forwarders.py > /tmp/f && (sed '/^extern "C" {$/q' \
        src/pg/libpq_lazy.cpp; echo; cat /tmp/f; echo '} // extern "C"') > /tmp/new.cpp \
        && mv /tmp/new.cpp src/pg/libpq_lazy.cpp && clang-format -i src/pg/libpq_lazy.cpp
"""
import glob
import re
import subprocess
import sys

HEADER = '/usr/include/postgresql/libpq-fe.h'
ARCHIVE = '/usr/lib/x86_64-linux-gnu/libpqxx.a'
NAME = re.compile(r'\b(?:PQ[a-z]\w*|lo_[a-z]\w*|pg_encoding_to_char)\b')


def used_functions(declarations):
    names = set(NAME.findall(subprocess.run(['nm', '-u', ARCHIVE], capture_output=True,
                                            text=True, check=True).stdout))
    for path in glob.glob('src/pg/*.cpp'):
        if not path.endswith('libpq_lazy.cpp'):
            names |= set(NAME.findall(open(path).read()))
    return sorted(name for name in names if name in declarations)


def main():
    text = re.sub(r'/\*.*?\*/', '', open(HEADER).read(), flags=re.S)
    declarations = {m.group(2): (' '.join(m.group(1).split()), ' '.join(m.group(3).split()))
                    for m in re.finditer(r'extern\s+([^;()]*?)\b(\w+)\s*\(([^;]*?)\)\s*;', text)}
    for name in used_functions(declarations):
        result, parameters = declarations[name]
        parts, depth, current = [], 0, ''
        for c in parameters:
            depth += (c == '(') - (c == ')')
            if c == ',' and depth == 0:
                parts.append(current.strip())
                current = ''
            else:
                current += c
        if current.strip() and current.strip() != 'void':
            parts.append(current.strip())
        arguments = [re.search(r'(\w+)\s*(\[\s*\])?$', p).group(1) for p in parts]
        call = f'real<&{name}>("{name}")({", ".join(arguments)})'
        body = call if result == 'void' else 'return ' + call
        print(f'{result} {name}({", ".join(parts)}) {{\n    {body};\n}}\n')


if __name__ == '__main__':
    sys.exit(main())
