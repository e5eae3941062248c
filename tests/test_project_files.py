"""The README's Quickstart and CI agree: `.ci/run` runs exactly `make test`."""

import re
import subprocess

from tests.conftest import REPO


def test_ci_runs_the_readme_test_command():
    lines = [line.strip() for line in (REPO / ".ci/run").read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[-1] == "make test"
    quickstart = (REPO / "README.md").read_text().split("## Quickstart", 1)[1].split("\n## ")[0]
    assert "make test" in quickstart and "make demo" in quickstart


def test_makefile_targets_exist():
    out = subprocess.run(["make", "-n", "-p"], cwd=REPO, capture_output=True, text=True)
    targets = set(re.findall(r"^([a-z]+):", out.stdout, flags=re.MULTILINE))
    assert {"demo", "test", "lab", "install"} <= targets


def test_console_scripts_point_at_real_functions():
    import tomllib
    from importlib import import_module

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert set(scripts) == {"labkit", "grader"}
    for target in scripts.values():
        module, func = target.split(":")
        assert callable(getattr(import_module(module), func))
