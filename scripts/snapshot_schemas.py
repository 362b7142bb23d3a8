"""Write schemas/*.schema.json, the JSON Schemas of the public snapshot documents, from their models.

Frontends validate against these; `--check` fails when a model changed and the schemas did not
(the tests run it), so the published contract never drifts from the code.
"""

import argparse
import json
import sys
from pathlib import Path

from liveblog.rendering.documents import PUBLIC_DOCUMENTS

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def render() -> dict[Path, str]:
    return {
        SCHEMAS / f"{name}.schema.json": json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                **model.model_json_schema(mode="serialization"),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
        for name, model in PUBLIC_DOCUMENTS.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if schemas/ is out of date")
    args = parser.parse_args()
    wanted = render()
    if args.check:
        stale = [path.name for path, text in wanted.items() if not path.exists() or path.read_text() != text]
        if stale:
            print(f"stale snapshot schemas: {', '.join(stale)}; run `make schemas`", file=sys.stderr)
            return 1
        return 0
    SCHEMAS.mkdir(exist_ok=True)
    for path, text in wanted.items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
