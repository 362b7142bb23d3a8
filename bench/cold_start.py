"""How long each function's module takes to import in a fresh interpreter (issue 8, figure 4).

For each functions/<name>/app.py, RUNS fresh interpreters (round-robin with the floor, so drift
hits all alike) time the import of the handler module in CPU seconds (the machine is shared), with the environment Lambda gives it
(the template's variables and LAMBDA_TASK_ROOT, as it is deployed). The
floor, in the same run: importing boto3, the Powertools resolver (APIGatewayHttpResolver) and
pydantic's BaseModel, what any API function in this design must import. Median of the runs. Where
a function misses, one more interpreter runs it under `python -X importtime` and the heaviest
packages (cumulative) and modules (self time) are reported. Interpreter start-up itself is not
counted (it is the same for all). Also the built layer's size, if `make build` has run.
Run alone: .venv/bin/python bench/cold_start.py
"""

import os
import statistics
import subprocess
import sys
from collections import defaultdict
from typing import Any

from harness import LOCAL_ENVIRONMENT, PYTHON, REPO, Row, Section, ms, run_alone

RUNS = 9  # medians of 5 moved by 10% between runs on this shared machine
MAX_RATIO = 1.3
FUNCTIONS = {"admin_api": "AdminApiFunction", "renderer": "RendererFunction", "scheduler": "SchedulerFunction",
             "media": "MediaFunction"}  # fmt: skip
LAYER = REPO / ".aws-sam" / "build" / "LiveblogLayer"

# Neither the layer nor the Lambda runtime has requests (the local stack's venv does): hidden here
# as it is absent there, so that nothing can import it by accident.
LAMBDA_PROLOGUE = """
import sys
sys.modules["requests"] = None
"""
IMPORT_HANDLER = (
    LAMBDA_PROLOGUE
    + """
import importlib.util, time
started, cpu = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
print(time.process_time() - cpu, time.perf_counter() - started)
"""
)
IMPORT_FLOOR = (
    LAMBDA_PROLOGUE
    + """
import time
started, cpu = time.perf_counter(), time.process_time()
import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel
print(time.process_time() - cpu, time.perf_counter() - started)
"""
)


def lambda_environment(function: str) -> dict[str, str]:
    from liveblog_local.template import function_environment

    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))
    }
    environment.update(LOCAL_ENVIRONMENT)
    environment.pop("POWERTOOLS_TRACE_DISABLED")  # deployed with Tracing: Active
    environment.update(function_environment(function))
    environment.update(
        LAMBDA_TASK_ROOT="/var/task",
        AWS_LAMBDA_FUNCTION_NAME=function,
        AWS_EXECUTION_ENV="AWS_Lambda_python3.13",
        AWS_XRAY_CONTEXT_MISSING="LOG_ERROR",
        AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:2000",
        PYTHONDONTWRITEBYTECODE="0",
    )
    return environment


def timed(code: str, environment: dict[str, str], *arguments: str) -> float:
    """CPU seconds the import took (the machine is shared: wall time would carry others' load)."""
    result = subprocess.run(
        [PYTHON, "-c", code, *arguments],
        env=environment,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    cpu, _wall = result.stdout.split()
    return float(cpu)


def imported(code: str, environment: dict[str, str], *arguments: str) -> list[tuple[int, int, str]]:
    """(depth, self microseconds, module) for every module imported, in `-X importtime` order."""
    result = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code, *arguments],
        env=environment, cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    modules = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        modules.append((depth, int(self_us), name.strip()))
    return modules


def group(module: str) -> str:
    """Powertools and our package by sub-package (that is where the choices are), others by package."""
    parts = module.split(".")
    if parts[0] == "aws_lambda_powertools":
        return ".".join(parts[:3])
    if parts[0] == "liveblog":
        return ".".join(parts[:2])
    return parts[0]


def beyond_floor(
    handler: list[tuple[int, int, str]], floor: list[tuple[int, int, str]], top: int = 8
) -> dict[str, Any]:
    """Self time of the modules the handler imports and the floor does not: by package, and by what
    the handler's own modules imported them through (the import at depth 1 below app.py's imports)."""
    known = {name for _, _, name in floor}
    by_package: dict[str, int] = defaultdict(int)
    by_importer: dict[str, int] = defaultdict(int)
    ancestors: dict[int, str] = {}
    for depth, self_us, name in reversed(handler):  # parents first
        ancestors[depth] = name
        if name in known:
            continue
        by_package[group(name)] += self_us
        by_importer[ancestors[min(depth, 1)]] += self_us

    def heaviest(spent: dict[str, int]) -> dict[str, float]:
        return {
            name: round(us / 1000, 1) for name, us in sorted(spent.items(), key=lambda item: -item[1])[:top]
        }

    return {
        "total_ms": round(sum(by_package.values()) / 1000, 1),
        "by_package_ms": heaviest(by_package),
        "by_importer_ms": heaviest(by_importer),
    }


def layer_size() -> tuple[int | None, str]:
    if not LAYER.is_dir():
        return None, "not built: run make build"
    total = sum(path.stat().st_size for path in LAYER.rglob("*") if path.is_file())
    return total, f"{total / 2**20:.1f} MiB"


def build() -> Section:
    environments = {name: lambda_environment(function) for name, function in FUNCTIONS.items()}
    paths = {name: REPO / "functions" / name / "app.py" for name in FUNCTIONS}
    # One import each first, so every run finds the same bytecode caches.
    timed(IMPORT_FLOOR, environments["admin_api"])
    for name in FUNCTIONS:
        timed(IMPORT_HANDLER, environments[name], str(paths[name]))
    floor_runs: list[float] = []
    handler_runs: dict[str, list[float]] = {name: [] for name in FUNCTIONS}
    for _ in range(RUNS):
        floor_runs.append(timed(IMPORT_FLOOR, environments["admin_api"]))
        for name in FUNCTIONS:
            handler_runs[name].append(timed(IMPORT_HANDLER, environments[name], str(paths[name])))
    floor = statistics.median(floor_runs)
    section = Section("cold")
    profiles: dict[str, Any] = {}
    floor_modules: list[tuple[int, int, str]] = []
    for name, runs in handler_runs.items():
        value = statistics.median(runs)
        met = value / floor <= MAX_RATIO
        note = ""
        if not met:
            floor_modules = floor_modules or imported(IMPORT_FLOOR, environments["admin_api"])
            profiles[name] = beyond_floor(
                imported(IMPORT_HANDLER, environments[name], str(paths[name])), floor_modules
            )
            note = (
                f"-X importtime, self time of modules beyond the floor's ({profiles[name]['total_ms']:g} ms): "
                + ", ".join(
                    f"{package} {spent:g}" for package, spent in profiles[name]["by_package_ms"].items()
                )
            )
        section.rows.append(
            Row("4", f"cold import functions/{name}/app.py", value, ms(value), floor,
                f"{ms(floor)} boto3+resolver+pydantic", target=f"≤ {MAX_RATIO}x", met=met, note=note)
        )  # fmt: skip
    size, shown = layer_size()
    section.rows.append(Row("4", "built layer size (.aws-sam/build/LiveblogLayer)", size, shown))
    section.measurements = {
        "runs": RUNS,
        "floor_s": floor,
        "floor_runs_s": floor_runs,
        "handler_runs_s": handler_runs,
        "import_profiles": profiles,
        "layer_bytes": size,
    }
    section.notes.append(
        f"figure 4: median of {RUNS} fresh interpreters each (Python {sys.version.split()[0]} here; "
        "Lambda runs 3.13 on arm64 at its memory size's share of a vCPU)"
    )
    return section


if __name__ == "__main__":
    sys.exit(run_alone(build))
