"""Print the CloudFormation that the SAM transform makes of template.yaml, as JSON, offline.

Runs the same translator `sam validate` runs (aws-sam-translator, pinned by the SAM CLI), so it
needs .venv-tools' Python: `.venv-tools/bin/python scripts/sam_transform.py > transformed.json`.
Like `sam validate`, it gives local CodeUri and ContentUri paths a stand-in S3 location, since the
translator only accepts S3 code. Nothing calls AWS: the managed policy map is never loaded from
IAM (the template names no managed policy; those SAM adds itself come as ARNs).
tests/deploy/test_template_transform.py asserts on the result.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
CODE_LOCATIONS = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


class OfflinePolicyLoader:
    """Stands in for samtranslator's ManagedPolicyLoader, which lists every policy through IAM."""

    def load(self) -> dict[str, str]:
        raise RuntimeError(
            "the template names an AWS managed policy by name; use its ARN so the transform needs no IAM call"
        )


def transformed(template_path: Path = TEMPLATE) -> dict[str, Any]:
    document = yaml_parse(template_path.read_text(encoding="utf-8"))
    for logical_id, resource in document.get("Resources", {}).items():
        key = CODE_LOCATIONS.get(resource.get("Type"))
        if key and isinstance(resource.get("Properties", {}).get(key), str):
            resource["Properties"][key] = f"s3://liveblog-sam-transform/{logical_id}.zip"
    # The translator's ARNs name the partition, which it derives from the region.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(document, {}, OfflinePolicyLoader())  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("template", nargs="?", type=Path, default=TEMPLATE)
    args = parser.parse_args()
    json.dump(transformed(args.template), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
