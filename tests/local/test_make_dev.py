"""`make dev` options: make reads `--no-demo` as its own option, so the Makefile takes DEMO=0 and ARGS=."""

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from liveblog_local.__main__ import build_parser

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*arguments: str) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", *arguments], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def dev_command(*variables: str) -> list[str]:
    """The command `make dev` would run (make -n prints it last, after any install step)."""
    return shlex.split(make("-n", "dev", *variables).strip().splitlines()[-1])


@pytest.mark.parametrize("variables", [("DEMO=0",), ("ARGS=--no-demo",)])
def test_make_dev_can_skip_the_demo_story(
    variables: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given `make dev` with the demo turned off, as make help says
    command = dev_command(*variables)

    # When the local stack reads the environment and the arguments make gives it
    monkeypatch.delenv("LIVEBLOG_DEMO", raising=False)
    program = command.index("-m")
    for assignment in command[: program - 1]:
        monkeypatch.setenv(*assignment.split("=", 1))
    assert command[program + 1 : program + 3] == ["liveblog_local", "dev"]
    options = build_parser().parse_args(command[program + 2 :])

    # Then it runs without seeding the demo story
    assert options.demo is False


def test_make_dev_seeds_the_demo_story_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a shell that sets nothing
    monkeypatch.delenv("LIVEBLOG_DEMO", raising=False)
    # When `make dev` runs as it is
    command = dev_command()
    # Then it sets no LIVEBLOG_DEMO of its own and the stack seeds the demo story
    assert not any(word.startswith("LIVEBLOG_DEMO=") for word in command)
    assert build_parser().parse_args(command[command.index("-m") + 2 :]).demo is True


def test_make_help_says_how_to_skip_the_demo_and_choose_ports() -> None:
    # When a newcomer asks make for help
    help_text = make("help")
    # Then it names the working way to skip the demo, to pass options and to move the ports
    for mention in ("DEMO=0", "ARGS=", "LIVEBLOG_API_PORT", "LIVEBLOG_CDN_PORT", "LIVEBLOG_AWS_PORT"):
        assert mention in help_text
