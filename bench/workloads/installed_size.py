"""W4 size: what ``pip install NAME...`` brought into this virtualenv.

    <venv>/bin/python installed_size.py NAME [NAME ...]

Walks the required dependencies of the named distributions (markers evaluated, extras
not taken) through importlib.metadata and sums the on-disk size of every file each one's
RECORD lists (compiled .pyc included).  Also reports the whole virtualenv for comparison.
Sizes are disk usage (allocated blocks, as ``du`` counts them); one JSON line, MiB.
"""
import importlib.metadata as metadata
import json
import os
import sys

from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name

MIB = 2 ** 20


def required_closure(names):
    todo, seen = list(names), {}
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def disk_bytes(path):
    return os.stat(path).st_blocks * 512


def dist_bytes(dist):
    total = 0
    for file in dist.files or []:
        path = dist.locate_file(file)
        if os.path.isfile(path):
            total += disk_bytes(path)
    return total


def tree_bytes(root):
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                total += disk_bytes(path)
    return total


def main():
    dists = required_closure(sys.argv[1:])
    packages = {name: round(dist_bytes(dist) / MIB, 1) for name, dist in sorted(dists.items())}
    print(json.dumps({
        "installed_mib": round(sum(packages.values()), 1),
        "packages_mib": packages,
        "versions": {name: dist.version for name, dist in sorted(dists.items())},
        "venv_mib": round(tree_bytes(sys.prefix) / MIB, 1),
    }))


if __name__ == "__main__":
    main()
