"""Check what `sam build` made in .aws-sam/build, as far as this machine can, before it is deployed.

The layer is built for arm64 from manylinux aarch64 wheels. On an x86_64 machine their compiled
extensions (pydantic_core, nh3, Pillow, pillow-heif, wrapt) cannot load, so no interpreter here can
import the layer exactly as Lambda will. What is checked instead:

1. Binaries: every shared object in the layer is an aarch64 ELF file, and every wheel's tags fit
   CPython of the runtime's version on Lambda's Linux (glibc 2.34) for aarch64, or any platform.
2. Completeness: starting from layers/liveblog/requirements.txt, each distribution's requirements
   (markers evaluated for that runtime, extras followed) are in the layer at a version their
   specifier allows, or are what the runtime provides (boto3 and its dependencies, pyproject's
   [tool.liveblog.layer] exclude), which the layer must then not ship. Every module that a
   function or the liveblog package imports, lazily too, is in the standard library, the layer or
   the runtime; the layer's liveblog package is the repo's, file for file (else: stale build).
3. Imports: each function's handler module is imported in a fresh `python3.13 -I -S -B` that sees
   the standard library, the function's built folder, a copy of the built layer and, in the
   runtime's place, the project's boto3 and its dependencies; no repo code and no .venv. In that
   copy, distributions with compiled code are swapped for the same versions' wheels for this
   machine (downloaded once into .aws-sam/host-wheels, so later runs are offline); every Python
   file imported is the one that will be deployed. On an aarch64 machine nothing is swapped. The
   check fails if any module loads from anywhere else, or if the handler is missing.

Run by `make build` after `sam build`; `make check-build` runs it again (about 5 s).
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import deque
from dataclasses import dataclass
from email.parser import HeaderParser
from importlib.metadata import packages_distributions
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from layer_requirements import normalize, runtime_provided  # scripts/, this file's folder
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename
from packaging.version import Version

from liveblog_local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
HOST_WHEELS = ROOT / ".aws-sam" / "host-wheels"
REQUIREMENTS = ROOT / "layers" / "liveblog" / "requirements.txt"
SOURCE_PACKAGE = ROOT / "layers" / "liveblog" / "liveblog"
EM_AARCH64 = 183
SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")  # _imaging.cpython-313-aarch64-linux-gnu.so, libjpeg.so.62.4.0
# Amazon Linux 2023, under the python3.12+ runtimes, has glibc 2.34.
LAMBDA_GLIBC_MINOR = 34


class CheckFailed(Exception):
    pass


@dataclass(frozen=True)
class Dist:
    name: str
    version: Version
    dist_info: Path
    metadata: Any

    @property
    def requires(self) -> list[Requirement]:
        return [Requirement(line) for line in self.metadata.get_all("Requires-Dist") or []]

    def files(self) -> list[str]:
        lines = (self.dist_info / "RECORD").read_text(encoding="utf-8").splitlines()
        return [line.rsplit(",", 2)[0] for line in lines if line]

    def wheel_tags(self) -> list[str]:
        wheel = HeaderParser().parsestr((self.dist_info / "WHEEL").read_text(encoding="utf-8"))
        return wheel.get_all("Tag") or []

    @property
    def is_pure(self) -> bool:
        return all(tag.endswith("-any") for tag in self.wheel_tags())


def layer_dists(layer: Path) -> dict[str, Dist]:
    dists = {}
    for dist_info in sorted(layer.glob("*.dist-info")):
        metadata = HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        dists[normalize(metadata["Name"])] = Dist(
            metadata["Name"], Version(metadata["Version"]), dist_info, metadata
        )
    return dists


def built_stack() -> tuple[dict[str, Path], Path, str]:
    """The built functions' folders by logical id, the layer's python/ folder, and the runtime."""
    template_path = BUILD / "template.yaml"
    if not template_path.exists():
        raise CheckFailed(f"{template_path.relative_to(ROOT)} is missing: run `make build`")
    template = load_template(template_path)
    runtime = template["Globals"]["Function"]["Runtime"]
    functions, layers = {}, []
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            if properties.get("Handler") != "app.lambda_handler":
                raise CheckFailed(f"{logical_id}: expected Handler app.lambda_handler")
            functions[logical_id] = BUILD / properties["CodeUri"]
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            layers.append(BUILD / properties["ContentUri"] / "python")
    if len(layers) != 1:
        raise CheckFailed(f"expected one layer in the built template, found {len(layers)}")
    return functions, layers[0], runtime


# ------------------------------------------------------------------------------ 1. binaries


def check_binaries(layer: Path, dists: dict[str, Dist], python_version: tuple[int, int]) -> list[str]:
    problems = []
    for path in sorted(layer.rglob("*.so*")):
        if not path.is_file() or not SHARED_OBJECT.search(path.name):
            continue
        header = path.read_bytes()[:20]
        machine = int.from_bytes(header[18:20], "little")
        if header[:4] != b"\x7fELF" or machine != EM_AARCH64:
            problems.append(f"{path.relative_to(layer)} is not an aarch64 ELF object (e_machine {machine})")
    platforms = ["manylinux2014_aarch64", "linux_aarch64"] + [
        f"manylinux_2_{minor}_aarch64" for minor in range(LAMBDA_GLIBC_MINOR, 16, -1)
    ]
    abi = f"cp{python_version[0]}{python_version[1]}"
    supported = {
        str(tag)
        for tag in [
            *cpython_tags(python_version, abis=[abi, "abi3", "none"], platforms=platforms),
            *compatible_tags(python_version, platforms=platforms),
        ]
    }
    for dist in dists.values():
        tags = dist.wheel_tags()
        if not any(str(Tag(*tag.split("-"))) in supported for tag in tags):
            problems.append(f"{dist.name} {dist.version} is built for {tags}, not {abi} on Lambda's aarch64")
    return problems


# ------------------------------------------------------------------------------ 2. completeness


def target_environment(python_version: tuple[int, int]) -> dict[str, str]:
    version = f"{python_version[0]}.{python_version[1]}"
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{version}.0",
        "os_name": "posix",
        "platform_machine": "aarch64",
        "platform_python_implementation": "CPython",
        "platform_system": "Linux",
        "python_full_version": f"{version}.0",
        "python_version": version,
        "sys_platform": "linux",
    }


def check_requirements(dists: dict[str, Dist], python_version: tuple[int, int]) -> tuple[list[str], set[str]]:
    """Follow requirements.txt through the layer; returns problems and the distributions reached."""
    environment = target_environment(python_version)
    provided = runtime_provided()
    problems = [
        f"{dists[name].name} is provided by the runtime but shipped in the layer"
        for name in provided & set(dists)
    ]
    lines = [
        line for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"
    ]
    queue = deque(("requirements.txt", Requirement(line)) for line in lines)
    reached: dict[str, set[str]] = {}  # distribution -> extras whose requirements were followed
    while queue:
        wanted_by, requirement = queue.popleft()
        name = normalize(requirement.name)
        if name in provided:
            continue
        dist = dists.get(name)
        if dist is None:
            problems.append(f"{requirement} (wanted by {wanted_by}) is not in the layer")
            continue
        if not requirement.specifier.contains(dist.version, prereleases=True):
            problems.append(
                f"{dist.name} {dist.version} does not satisfy {requirement} (wanted by {wanted_by})"
            )
        new_extras = ({""} | requirement.extras) - reached.get(name, set())
        if not new_extras:
            continue
        reached.setdefault(name, set()).update(new_extras)
        for needed in dist.requires:
            if any(_applies(needed, {**environment, "extra": extra}) for extra in new_extras):
                queue.append((f"{dist.name} {dist.version}", needed))
    return problems, set(reached)


def _applies(requirement: Requirement, environment: dict[str, str]) -> bool:
    if requirement.marker is None:
        return environment["extra"] == ""
    return requirement.marker.evaluate(environment)


def top_level_modules(layer: Path) -> set[str]:
    names = set()
    for entry in layer.iterdir():
        if entry.name.endswith((".dist-info", ".data", ".libs")) or entry.name == "__pycache__":
            continue
        if entry.is_dir() or entry.suffix == ".py":
            names.add(entry.name.removesuffix(".py"))
        elif ".so" in entry.suffixes:
            names.add(entry.name.split(".", 1)[0])
    return names


def imports_of(path: Path) -> set[str]:
    """Top-level modules a file imports, anywhere in it, except under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    type_checking_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for statement in block.body
        for node in ast.walk(statement)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_checking_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def check_imports_resolve(
    functions: dict[str, Path], layer: Path, stdlib: set[str], runtime_modules: set[str]
) -> list[str]:
    available = stdlib | top_level_modules(layer) | runtime_modules
    problems = []
    sources = [folder / "app.py" for folder in functions.values()] + sorted(
        (layer / "liveblog").rglob("*.py")
    )
    for source in sources:
        for module in sorted(imports_of(source) - available):
            problems.append(
                f"{source.relative_to(BUILD)} imports {module}, which is not in the layer or the runtime"
            )
    for logical_id, folder in functions.items():
        extra = sorted(
            entry.name for entry in folder.iterdir() if entry.name not in ("app.py", "__pycache__")
        )
        if extra:
            problems.append(f"{logical_id}'s built folder holds more than its handler: {extra}")
    comparison = filecmp.dircmp(SOURCE_PACKAGE, layer / "liveblog", ignore=["__pycache__"])
    stale = _differences(comparison)
    if stale:
        problems.append(
            f"the layer's liveblog package differs from the repo's ({', '.join(stale)}): run `make build`"
        )
    return problems


def _differences(comparison: filecmp.dircmp[str]) -> list[str]:
    _, mismatched, errors = filecmp.cmpfiles(
        comparison.left, comparison.right, comparison.common_files, shallow=False
    )
    found = [*comparison.left_only, *comparison.right_only, *mismatched, *errors]
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found


# ------------------------------------------------------------------------------ 3. imports


def runtime_standin(into: Path) -> tuple[Path, set[str]]:
    """The project's boto3 and its dependencies, linked into one folder, as the runtime's stand-in."""
    provided = runtime_provided()
    folder = into / "runtime"
    folder.mkdir()
    modules = set()
    for module, distributions in packages_distributions().items():
        spec = find_spec(module) if {normalize(name) for name in distributions} & provided else None
        if spec is None or spec.origin is None:
            continue
        locations = list(spec.submodule_search_locations or [])
        origin = Path(locations[0]) if locations else Path(spec.origin)
        (folder / origin.name).symlink_to(origin)
        modules.add(module)
    return folder, modules


def host_layer(layer: Path, dists: dict[str, Dist], build_python: str, into: Path) -> tuple[Path, list[str]]:
    """A copy of the layer whose compiled distributions are the same versions built for this machine."""
    copy = into / "layer"
    shutil.copytree(layer, copy, symlinks=True)
    if platform.machine().lower() in ("aarch64", "arm64"):
        return copy, []
    swapped = []
    for dist in dists.values():
        if dist.is_pure:
            continue
        wheel = _host_wheel(dist, build_python)
        for relative in dist.files():
            target = copy / relative
            if target.is_file():
                target.unlink()
        shutil.rmtree(copy / dist.dist_info.name, ignore_errors=True)
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(copy)
        swapped.append(f"{dist.name} {dist.version}")
    return copy, swapped


def _host_wheel(dist: Dist, build_python: str) -> Path:
    HOST_WHEELS.mkdir(parents=True, exist_ok=True)
    for wheel in HOST_WHEELS.glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        if normalize(name) == normalize(dist.name) and version == dist.version:
            return wheel
    command = [build_python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    command += [
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(HOST_WHEELS),
        f"{dist.name}=={dist.version}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - make's BUILD_PYTHON
    if result.returncode != 0:
        raise CheckFailed(
            f"could not download {dist.name}=={dist.version} for this machine:\n{result.stderr}"
        )
    return _host_wheel(dist, build_python)


IMPORT_PROBE = """
import importlib, json, sys
sys.path[:0] = json.loads(sys.argv[1])
module = importlib.import_module("app")
handler = getattr(module, "lambda_handler", None)
files = {name: getattr(mod, "__file__", None) for name, mod in list(sys.modules.items())}
print(json.dumps({"callable": callable(handler), "files": files, "prefix": sys.base_prefix}))
"""


def check_handler_imports(
    functions: dict[str, Path], layer_copy: Path, runtime: Path, build_python: str
) -> tuple[list[str], dict[str, int]]:
    problems, loaded = [], {}
    for logical_id, folder in functions.items():
        paths = [str(folder), str(layer_copy), str(runtime)]
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_FUNCTION_NAME": logical_id,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "LAMBDA_TASK_ROOT": str(folder),
            "_HANDLER": "app.lambda_handler",
        }
        result = subprocess.run(  # noqa: S603 - make's BUILD_PYTHON, on paths this script made
            [build_python, "-I", "-S", "-B", "-c", IMPORT_PROBE, json.dumps(paths)],
            capture_output=True,
            text=True,
            env=environment,
            cwd=folder,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            problems.append(f"{logical_id}: importing app failed:\n{result.stderr.strip()}")
            continue
        report = json.loads(result.stdout)
        if not report["callable"]:
            problems.append(f"{logical_id}: app.lambda_handler is missing or not callable")
        allowed = tuple(f"{place}{os.sep}" for place in (folder, layer_copy, runtime, report["prefix"]))
        for name, file in sorted(report["files"].items()):
            if file is not None and not file.startswith(allowed):
                problems.append(f"{logical_id}: {name} was loaded from {file}, outside the build")
            if name.split(".")[0] == "liveblog" and file and not file.startswith(str(layer_copy)):
                problems.append(f"{logical_id}: {name} did not come from the built layer ({file})")
        loaded[logical_id] = sum(
            1 for file in report["files"].values() if file and file.startswith(str(layer_copy))
        )
    return problems, loaded


# ------------------------------------------------------------------------------ report


def sizes(layer: Path, dists: dict[str, Dist]) -> list[tuple[int, str]]:
    found = []
    for dist in dists.values():
        total = sum((layer / f).stat().st_size for f in dist.files() if (layer / f).is_file())
        found.append((total, f"{dist.name} {dist.version}"))
    return sorted(found, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--python", required=True, help="a Python of the functions' runtime version (python3.13)"
    )
    args = parser.parse_args()
    try:
        functions, layer, runtime = built_stack()
        probe = "import json, sys; print(json.dumps([sys.version_info[:2], sorted(sys.stdlib_module_names)]))"
        output = subprocess.check_output([args.python, "-I", "-c", probe], text=True)  # noqa: S603
        version, stdlib = json.loads(output)
        python_version = (version[0], version[1])
        if runtime != f"python{version[0]}.{version[1]}":
            raise CheckFailed(f"the functions run {runtime}, but --python is {version[0]}.{version[1]}")
        dists = layer_dists(layer)
        problems = check_binaries(layer, dists, python_version)
        requirement_problems, reached = check_requirements(dists, python_version)
        problems += requirement_problems
        with tempfile.TemporaryDirectory(prefix="liveblog-check-build-") as scratch:
            runtime_folder, runtime_modules = runtime_standin(Path(scratch))
            problems += check_imports_resolve(functions, layer, set(stdlib), runtime_modules)
            layer_copy, swapped = host_layer(layer, dists, args.python, Path(scratch))
            import_problems, loaded = check_handler_imports(
                functions, layer_copy, runtime_folder, args.python
            )
            problems += import_problems
    except CheckFailed as failure:
        print(f"check-build: {failure}", file=sys.stderr)
        return 1

    total = sum(f.stat().st_size for f in layer.rglob("*") if f.is_file())
    print(f"layer {layer.relative_to(ROOT)}: {total / 2**20:.1f} MiB in {len(dists)} distributions")
    for size, name in sizes(layer, dists)[:8]:
        print(f"  {size / 2**20:6.1f} MiB  {name}")
    unreached = sorted(dists[name].name for name in set(dists) - reached)
    if unreached:
        print(f"  in the layer but required by nothing: {', '.join(unreached)}")
    if swapped:
        print(f"imported with this machine's builds of: {', '.join(swapped)}")
    for logical_id, count in loaded.items():
        print(f"  {logical_id}: app.lambda_handler imported, {count} modules from the built layer")
    if problems:
        print("\n".join(f"FAIL {problem}" for problem in problems), file=sys.stderr)
        return 1
    print("check-build: the built functions and layer are complete for arm64 and import with no repo code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
