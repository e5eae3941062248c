"""Static checks of the deployment files: Dockerfile, .dockerignore, docker-compose.yml, the
LocalStack profile (env file, ready.d hook) and environment.yml.

No Docker daemon is needed: the files are parsed and checked against each other and against
the code they drive (labkit's CLI parser and settings, pyproject.toml).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from labkit.cli import build_parser
from labkit.settings import DEFAULT_PORT, Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
HOOK = ROOT / "localstack" / "init" / "ready.d" / "seed_labs.sh"
LOCALSTACK_ENV = ROOT / "localstack" / "localstack.env"
ENVIRONMENT = ROOT / "environment.yml"
PYPROJECT = ROOT / "pyproject.toml"

# Options of `labkit seed` that the hook uses and labkit's owner has agreed to add; until
# build_parser() knows one, its (option, value) pair is checked here and left out of parsing.
PENDING_SEED_OPTIONS = {"--emulator": "localstack"}

# pyproject name -> names conda-forge may carry it under.
CONDA_ALIASES = {
    "matplotlib": {"matplotlib", "matplotlib-base"},
    "duckdb": {"duckdb", "python-duckdb"},
}


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def published(service: dict) -> list[tuple[str, int, int]]:
    """(host_ip, host_port, container_port) of every published port."""
    out = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            out.append((port.get("host_ip", ""), int(port["published"]), int(port["target"])))
            continue
        parts = str(port).split(":")
        if len(parts) == 3:
            out.append((parts[0], int(parts[1]), int(parts[2].split("/")[0])))
        else:  # "4566" or "4566:4566": bound on every interface
            out.append(("", int(parts[0]), int(parts[-1].split("/")[0])))
    return out


def mounts(service: dict) -> list[dict]:
    """Volumes in long form: type, source, target, read_only, bind options."""
    out = []
    for vol in service.get("volumes", []):
        if isinstance(vol, dict):
            out.append(vol)
            continue
        source, target, *mode = str(vol).split(":")
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        out.append(
            {
                "type": kind,
                "source": source,
                "target": target,
                "read_only": "ro" in (mode[0].split(",") if mode else []),
            }
        )
    return out


def mount_of(service: dict, source: str) -> dict:
    for m in mounts(service):
        if (ROOT / m["source"]).resolve() == (ROOT / source).resolve():
            return m
    raise AssertionError(f"no mount of {source} in {service.get('volumes')}")


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {k.strip(): v.strip() for k, v in pairs}


def labkit_args(argv: list[str]) -> list[str]:
    """The arguments after the `labkit` program name (a console script or `python -m labkit`)."""
    for i, word in enumerate(argv):
        if word == "labkit" or word.endswith("/labkit"):
            return argv[i + 1 :]
    raise AssertionError(f"no labkit invocation in {argv}")


def seed_knows(option: str) -> bool:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return option in sub.choices["seed"]._option_string_actions


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def dockerfile(word: str) -> list[str]:
    return [rest for w, rest in dockerfile_instructions() if w == word]


def healthcheck_url(test: list[str] | str) -> str:
    text = test if isinstance(test, str) else " ".join(test)
    match = re.search(r"https?://[^'\"\s]+", text)
    assert match, f"healthcheck {test!r} probes no URL"
    return match.group(0)


def hook_seed_argv() -> list[str]:
    lines = [
        line
        for line in HOOK.read_text().splitlines()
        if "labkit seed" in line and not line.lstrip().startswith(("#", "echo"))
    ]
    assert len(lines) == 1, f"expected one `labkit seed` command in {HOOK.name}, got {lines}"
    return shlex.split(lines[0])


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dockerignored(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    prefixes = ["/".join(path.split("/")[: i + 1]) for i in range(path.count("/") + 1)]
    excluded = False
    for raw in DOCKERIGNORE.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        rx = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        rx = rx.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(rx, p) for p in prefixes):
            excluded = not negate
    return excluded


# ---------------------------------------------------------------- compose: structure


def test_compose_has_the_three_services(services):
    assert {"emulator", "jupyter", "localstack"} <= set(services)


def test_localstack_is_opt_in_and_the_rest_is_not(services):
    assert services["localstack"].get("profiles") == ["localstack"]
    for name in ("emulator", "jupyter"):
        assert not services[name].get("profiles"), f"{name} must start with a plain `up`"


def test_referenced_paths_exist(services):
    for name, svc in services.items():
        build = svc.get("build")
        if build:
            context = ROOT / (build if isinstance(build, str) else build["context"])
            assert context.is_dir(), f"{name}: build context {context} missing"
            dockerfile_name = (
                "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            )
            assert (context / dockerfile_name).is_file(), f"{name}: no {dockerfile_name}"
        files = svc.get("env_file", [])
        for f in [files] if isinstance(files, str) else files:
            path = f if isinstance(f, str) else f["path"]
            assert (ROOT / path).is_file(), f"{name}: env_file {path} missing"
        for m in mounts(svc):
            if m["type"] != "bind":
                continue
            source = (ROOT / m["source"]).resolve()
            assert source.is_relative_to(ROOT), f"{name}: mounts {source}, outside the repo"
            # A generated folder (labs/) may be absent on a fresh checkout, but only when the
            # file says so explicitly, so a typo in a path still fails here.
            allowed_missing = m.get("bind", {}).get("create_host_path") is True
            assert source.exists() or allowed_missing, f"{name}: bind source {source} missing"


def test_every_published_port_is_on_loopback_only(services):
    ports = [(name, p) for name, svc in services.items() for p in published(svc)]
    assert ports, "nothing published at all"
    for name, (host_ip, _, _) in ports:
        assert host_ip == "127.0.0.1", f"{name} publishes on {host_ip or 'every interface'}"


def test_no_two_services_share_a_host_port(services):
    host_ports = [p[1] for svc in services.values() for p in published(svc)]
    assert len(host_ports) == len(set(host_ports))


# ---------------------------------------------------------------- the emulator


def test_emulator_serves_labkits_default_port(services):
    emulator = services["emulator"]
    ns = build_parser().parse_args(labkit_args(emulator["command"]))
    assert ns.command == "serve"
    assert ns.host == "0.0.0.0"  # reachable through Docker's port forwarding
    assert ns.port == DEFAULT_PORT
    assert [p[2] for p in published(emulator)] == [DEFAULT_PORT]
    url = urlsplit(healthcheck_url(emulator["healthcheck"]["test"]))
    assert url.path == "/_localstack/health" and url.port == DEFAULT_PORT


def test_dockerfile_cmd_is_the_emulator_command(services):
    (cmd,) = dockerfile("CMD")
    argv = json.loads(cmd)
    ns = build_parser().parse_args(labkit_args(argv))
    assert (ns.command, ns.host, ns.port) == ("serve", "0.0.0.0", DEFAULT_PORT)
    assert argv == services["emulator"]["command"]


def test_dockerfile_exposes_and_probes_the_emulator_port():
    exposed = {int(p.split("/")[0]) for line in dockerfile("EXPOSE") for p in line.split()}
    assert exposed == {DEFAULT_PORT}
    (check,) = dockerfile("HEALTHCHECK")
    url = urlsplit(healthcheck_url(check))
    assert url.path == "/_localstack/health" and url.port == DEFAULT_PORT
    assert "curl" not in check  # the slim image has none


def test_dockerfile_base_image_is_a_pinned_python_311_slim():
    (base,) = dockerfile("FROM")
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base


def test_dockerfile_runs_as_a_non_root_user():
    users = dockerfile("USER")
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    runs = " ".join(dockerfile("RUN"))
    assert re.search(rf"useradd\b[^&;]*\b{re.escape(user)}\b", runs), f"user {user} never created"
    for arg in dockerfile("ARG"):
        name, _, default = arg.partition("=")
        if "UID" in name:
            assert default and int(default) != 0


def test_dockerfile_installs_the_project():
    assert any(
        re.search(r"pip install (?!-e)\S*cloudlabs\S*|pip install \.", r) for r in dockerfile("RUN")
    )


def test_dockerfile_installs_postgresql_for_the_rds_data_plane(conda_env):
    """The image carries PostgreSQL's server binaries (RDS instances run on them): bookworm's
    postgresql-<major>, no recommends, no automatic cluster, on PATH; the major is the one
    environment.yml asks for at least."""
    (base,) = dockerfile("FROM")
    assert "-bookworm" in base  # bookworm ships PostgreSQL 15
    installs = [r for r in dockerfile("RUN") if re.search(r"\bpostgresql-\d+\b", r)]
    assert installs, "no RUN installs postgresql-<major>"
    run = installs[0]
    major = int(re.search(r"\bpostgresql-(\d+)\b", run).group(1))
    assert major == 15
    floor = re.fullmatch(r">=(\d+)", conda_specs(conda_env)["postgresql"])
    assert floor and major >= int(floor.group(1))
    for step in run.split("&&"):
        if re.search(r"apt-get install\b.*\bpostgresql-\d+", step):
            assert "--no-install-recommends" in step, step
    # Debian's package would create and start a "main" cluster; labkit makes its own.
    assert run.index("create_main_cluster = false") < run.index(f"postgresql-{major}")
    assert "rm -rf /var/lib/apt/lists" in run
    path = next(e for e in dockerfile("ENV") if e.startswith("PATH="))
    assert f"/usr/lib/postgresql/{major}/bin" in path


def test_dockerignore_keeps_secrets_sources_and_caches_out():
    for path in (
        ".venv/bin/python",
        ".git/config",
        ".env",
        "localstack/localstack.env",
        "solutions/p1/lab.yaml",
        "tests/test_deploy_files.py",
        "labs/p1/x.ipynb",
        "demo-course/autograded/s1/x.ipynb",
        "labkit/__pycache__/cli.cpython-311.pyc",
        ".pytest_cache/v",
        ".ruff_cache/x",
    ):
        assert dockerignored(path), f"{path} would be sent to the Docker build"
    for path in (
        "pyproject.toml",
        "README.md",
        "labkit/cli.py",
        "labkit/emulator/app.py",
        "grader/cli.py",
    ):
        assert not dockerignored(path), f"{path} is needed by `pip install .`"


# ---------------------------------------------------------------- jupyter


def test_jupyter_reaches_the_emulator_through_the_guard(services):
    jupyter = services["jupyter"]
    env = env_of(jupyter)
    endpoint = urlsplit(env["AWS_ENDPOINT_URL"])
    assert endpoint.hostname in services, f"{endpoint.hostname} is no compose service"
    assert endpoint.hostname == "emulator"
    assert endpoint.port == [p[2] for p in published(services["emulator"])][0]
    hosts = [h.strip() for h in env["LABKIT_EMULATOR_HOSTS"].split(",")]
    assert endpoint.hostname in hosts
    assert set(hosts) <= set(services), "LABKIT_EMULATOR_HOSTS names a host compose never runs"
    settings = Settings.from_env(env)  # what the kernel's start_lab() will see
    assert settings.endpoint_url == env["AWS_ENDPOINT_URL"]
    assert endpoint.hostname in settings.allowed_hosts
    assert jupyter["depends_on"]["emulator"]["condition"] == "service_healthy"


def test_jupyter_serves_the_mounted_labs(services):
    jupyter = services["jupyter"]
    labs = mount_of(jupyter, "labs")
    root_dir = next(
        a.split("=", 1)[1] for a in jupyter["command"] if a.startswith("--ServerApp.root_dir=")
    )
    assert root_dir == labs["target"]
    assert not labs.get("read_only"), "learners save their notebooks into labs/"
    assert "--ip" in jupyter["command"] and [p[2] for p in published(jupyter)] == [8888]


def test_jupyter_has_its_own_healthcheck(services):
    url = urlsplit(healthcheck_url(services["jupyter"]["healthcheck"]["test"]))
    assert url.port == 8888  # the image's default probes the emulator port, not served here


# ---------------------------------------------------------------- localstack


def test_localstack_image_is_pinned(services):
    image = services["localstack"]["image"]
    name, _, tag = image.partition(":")
    assert name == "localstack/localstack"
    assert tag and tag != "latest"
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"tag {tag!r} is not a release version"


def test_localstack_auth_token_comes_from_the_learners_environment(services):
    env = env_of(services["localstack"])
    value = env["LOCALSTACK_AUTH_TOKEN"]
    match = re.fullmatch(r"\$\{LOCALSTACK_AUTH_TOKEN(?:(:?[-?])([^}]*))?\}", value)
    assert match, f"LOCALSTACK_AUTH_TOKEN must be interpolated, not a literal: {value!r}"
    assert match.group(1) not in ("-", ":-") or match.group(2) == "", "no default token"
    assert "LOCALSTACK_AUTH_TOKEN" not in env_file(LOCALSTACK_ENV)


def test_localstack_port_does_not_clash_and_its_urls_point_at_it(services):
    ((_, host_port, container_port),) = published(services["localstack"])
    assert container_port == 4566
    assert host_port not in {p[1] for p in published(services["emulator"])}
    cfg = env_file(LOCALSTACK_ENV)
    assert int(cfg["LOCALSTACK_HOST"].rsplit(":", 1)[1]) == host_port
    assert (cfg["DEBUG"], cfg["PERSISTENCE"]) == ("0", "0")
    assert "s3" in cfg["SERVICES"].split(",")


def test_localstack_mounts_the_hook_and_the_repo_read_only(services):
    ls = services["localstack"]
    hooks = mount_of(ls, "localstack/init/ready.d")
    assert hooks["target"] == "/etc/localstack/init/ready.d"
    repo = mount_of(ls, ".")
    assert repo.get("read_only") is True, "the hook must not be able to change the repo"


def test_hook_is_an_executable_strict_bash_script():
    assert os.access(HOOK, os.X_OK), f"{HOOK} is not executable; LocalStack would skip it"
    text = HOOK.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert re.search(r"^set -euo pipefail$", text, re.M)
    result = subprocess.run(["bash", "-n", str(HOOK)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_hook_seeds_through_labkit_seed(services):
    argv = hook_seed_argv()
    assert argv[argv.index("-m") + 1] == "labkit"
    args = labkit_args(argv)
    for option, value in PENDING_SEED_OPTIONS.items():
        assert args[args.index(option) + 1] == value
        if not seed_knows(option):
            i = args.index(option)
            args = args[:i] + args[i + 2 :]
    ns = build_parser().parse_args(args)
    assert (ns.command, ns.all, ns.port) == ("seed", True, 4566)
    assert getattr(ns, "emulator", "localstack") == "localstack"
    repo_target = mount_of(services["localstack"], ".")["target"]
    assert str(ns.labs_dir) == f"{repo_target}/labs"
    text = HOOK.read_text()
    assert f"PYTHONPATH={repo_target}" in text
    assert "AWS_ENDPOINT_URL=http://localhost:4566" in text
    assert "LABKIT_HOME=/tmp/labkit" in text


# ---------------------------------------------------------------- environment.yml


@pytest.fixture(scope="module")
def conda_env() -> dict:
    return yaml.safe_load(ENVIRONMENT.read_text())


def conda_specs(conda_env) -> dict[str, str]:
    out = {}
    for dep in conda_env["dependencies"]:
        if isinstance(dep, str):
            name, spec = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", dep).groups()
            out[norm(name)] = spec.replace(" ", "")
    return out


def pip_lines(conda_env) -> list[str]:
    return next((d["pip"] for d in conda_env["dependencies"] if isinstance(d, dict)), [])


def project_requirements() -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(r) for r in reqs]


def test_environment_uses_conda_forge_only(conda_env):
    assert conda_env["name"] == "cloudlabs"
    assert set(conda_env["channels"]) - {"nodefaults"} == {"conda-forge"}


def test_environment_has_python_311_and_postgresql(conda_env):
    specs = conda_specs(conda_env)
    assert specs["python"] in ("=3.11", "3.11", "==3.11")
    pg = re.fullmatch(r">=(\d+)", specs["postgresql"])
    assert pg and int(pg.group(1)) >= 15


def test_environment_lists_every_project_dependency_with_its_bounds(conda_env):
    specs = conda_specs(conda_env)
    pip_names = {
        norm(Requirement(line).name): Requirement(line)
        for line in pip_lines(conda_env)
        if not line.startswith("-")
    }
    reqs = project_requirements()
    assert len(reqs) >= 10
    for req in reqs:
        names = CONDA_ALIASES.get(norm(req.name), {norm(req.name)})
        if names & pip_names.keys():
            found = pip_names[(names & pip_names.keys()).pop()]
            assert found.specifier == req.specifier, f"{req.name}: pip bounds differ"
            continue
        hits = names & specs.keys()
        assert hits, f"{req} from pyproject.toml is missing from environment.yml"
        conda = set(filter(None, specs[hits.pop()].split(",")))
        assert conda == {str(s) for s in req.specifier}, f"{req.name}: bounds differ"


def test_environment_installs_the_project_with_dev_extras(conda_env):
    assert any(re.fullmatch(r"(-e\s+)?\.\[dev\]", line) for line in pip_lines(conda_env))
    assert "pip" in conda_specs(conda_env)
