"""The local stack: Liveblog on one machine, with moto as AWS and template.yaml as the truth.

Nothing here ships to Lambda; it exists so `make dev` and the tests run the same handlers
against the same tables, routes and environment the template deploys.
"""

from pathlib import Path

# The package is installed in editable mode from local/liveblog_local, so the repository
# is two levels up; everything local (template, functions, key file) is found from here.
REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
FUNCTIONS_DIR = REPO_ROOT / "functions"
STATE_DIR = REPO_ROOT / ".local"
WEB_DIR = REPO_ROOT / "web"  # the reader page, served by the local CDN at /

LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT_ID = "123456789012"
