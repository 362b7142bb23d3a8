"""Write layers/liveblog/requirements.txt from pyproject.toml's runtime dependencies.

The layer ships what the functions import at run time; pyproject is the one list of it.
Packages the Lambda runtime provides ([tool.liveblog.layer] exclude) are left out.
`--check` exits non-zero when the file is stale (make lint and the tests run it).

pip cannot leave out a dependency of a dependency (one that requires botocore, say), so
`--prune DIR` removes the excluded distributions from a built layer (`make build` runs it on
.aws-sam/build/LiveblogLayer/python), file by file as each one's RECORD lists them.
"""

import argparse
import re
import shutil
import sys
import tomllib
from email.parser import HeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "layers" / "liveblog" / "requirements.txt"
HEADER = "# Generated from pyproject.toml by scripts/layer_requirements.py; do not edit.\n"


def _name(requirement: str) -> str:
    return normalize(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0])


def normalize(name: str) -> str:
    """A distribution's name as pip compares it (PEP 503): python_dateutil == python-dateutil."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_provided() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {normalize(name) for name in project["tool"]["liveblog"]["layer"]["exclude"]}


def render() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    excluded = runtime_provided()
    kept = [req for req in project["project"]["dependencies"] if _name(req) not in excluded]
    return HEADER + "".join(f"{req}\n" for req in sorted(kept, key=_name))


def prune(layer: Path) -> list[str]:
    """Delete the runtime-provided distributions installed in `layer`; returns what went."""
    layer = layer.resolve()
    excluded = runtime_provided()
    removed = []
    emptied: set[Path] = set()
    for dist_info in sorted(layer.glob("*.dist-info")):
        metadata = HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        if normalize(metadata["Name"]) not in excluded:
            continue
        for line in (dist_info / "RECORD").read_text(encoding="utf-8").splitlines():
            path = (layer / line.rsplit(",", 2)[0]).resolve()
            if path.is_relative_to(layer) and path.is_file():
                path.unlink()
                emptied.update(parent for parent in path.parents if parent.is_relative_to(layer))
        shutil.rmtree(dist_info)
        removed.append(f"{metadata['Name']} {metadata['Version']}")
    # The packages' folders (and .data folders) that held nothing else go too, deepest first.
    for folder in sorted(emptied - {layer}, key=lambda folder: len(folder.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is not up to date")
    parser.add_argument("--prune", type=Path, metavar="DIR", help="remove runtime-provided packages from DIR")
    args = parser.parse_args()
    if args.prune:
        if not args.prune.is_dir():
            print(f"{args.prune} does not exist: run `make build`", file=sys.stderr)
            return 1
        removed = prune(args.prune)
        print(f"pruned from {args.prune}: {', '.join(removed) or 'nothing'}")
        return 0
    wanted = render()
    current = TARGET.read_text() if TARGET.exists() else ""
    if args.check:
        if current != wanted:
            print(f"{TARGET.relative_to(ROOT)} is stale: run `make requirements`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
