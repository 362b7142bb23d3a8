"""Write layers/liveblog/requirements.txt from pyproject.toml's runtime dependencies.

The layer ships what the functions import at run time; pyproject is the one list of it.
Packages the Lambda runtime provides ([tool.liveblog.layer] exclude) are left out.
`--check` exits non-zero when the file is stale (make lint and the tests run it).
"""

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "layers" / "liveblog" / "requirements.txt"
HEADER = "# Generated from pyproject.toml by scripts/layer_requirements.py; do not edit.\n"


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def render() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    excluded = {name.lower() for name in project["tool"]["liveblog"]["layer"]["exclude"]}
    kept = [req for req in project["project"]["dependencies"] if _name(req) not in excluded]
    return HEADER + "".join(f"{req}\n" for req in sorted(kept, key=_name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is not up to date")
    args = parser.parse_args()
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
