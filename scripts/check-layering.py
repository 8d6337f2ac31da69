#!/usr/bin/env python3
"""Fails when a file includes a header of a folder that comes later in the
layering.

The layering is the order of the `subdir('src/...')` calls in the top-level
meson.build: a file in src/FOLDER (or a test in tests/unit/FOLDER) may
include headers of FOLDER and of the folders before it, never of one after
it. libpq (and libpqxx, should it return) belong to src/pg alone. Usage:

    scripts/check-layering.py [ROOT]
"""

import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')
SUBDIR = re.compile(r"^\s*subdir\('src/([a-z_]+)'\)")
# Third-party headers that only one folder may include.
OWNED = {"pqxx/": "pg", "libpq-fe.h": "pg", "libpq/": "pg"}


def layer_order(root):
    order = []
    for line in (root / "meson.build").read_text().splitlines():
        match = SUBDIR.match(line)
        if match:
            order.append(match.group(1))
    if not order:
        sys.exit(f"{root}/meson.build: no subdir('src/...') call found")
    return order


def folder_of(relative, order):
    """The layer a file belongs to, or None for files outside the layers."""
    parts = relative.parts
    if len(parts) >= 2 and parts[0] == "src" and parts[1] in order:
        return parts[1]
    if len(parts) >= 3 and parts[:2] == ("tests", "unit") and parts[2] in order:
        return parts[2]
    return None


def problems(root):
    order = layer_order(root)
    rank = {folder: index for index, folder in enumerate(order)}
    found = []
    for path in sorted(root.glob("src/**/*")) + sorted(root.glob("tests/unit/**/*")):
        if path.suffix not in (".cpp", ".hpp", ".h"):
            continue
        relative = path.relative_to(root)
        folder = folder_of(relative, order)
        if folder is None:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header = match.group(1)
            for prefix, owner in OWNED.items():
                if header.startswith(prefix) and folder != owner:
                    found.append(f"{relative}:{number}: includes <{header}>, which only "
                                 f"src/{owner} may include")
            target = header.split("/", 1)[0]
            if "/" in header and target in rank and rank[target] > rank[folder]:
                found.append(f"{relative}:{number}: includes \"{header}\", but {target} "
                             f"comes after {folder} in the layering ({' < '.join(order)})")
    return found


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    found = problems(root.resolve())
    for problem in found:
        print(problem)
    if found:
        print(f"{len(found)} include(s) break the layering: move the code to a later folder, "
              "or what it needs to an earlier one")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
