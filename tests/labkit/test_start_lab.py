import os
import subprocess
import sys

import boto3
import pytest

import labkit
from labkit.catalog import LabNotFoundError, find_lab
from labkit.emulator import process
from labkit.seeding import SeedError
from labkit.settings import Settings
from tests.conftest import free_port

LAB = "p9_w01_buckets"


def settings_for(emulator, home) -> Settings:
    return Settings.from_env({"AWS_ENDPOINT_URL": emulator.endpoint_url, "LABKIT_HOME": str(home)})


def lab_dir(checkout):
    return checkout.solutions / "p9_demo" / "w01" / LAB


def test_start_lab_seeds_and_points_plain_boto3_at_the_emulator(
    fresh_emulator, fixture_checkout, labkit_home, monkeypatch
):
    monkeypatch.chdir(lab_dir(fixture_checkout))
    lab = labkit.start_lab(LAB, settings=settings_for(fresh_emulator, labkit_home))
    assert lab.id == LAB and lab.path == lab_dir(fixture_checkout)
    assert lab.names == {"bucket": "fixture-artifacts", "log_bucket": "fixture-logs"}
    assert os.environ["AWS_ENDPOINT_URL"] == fresh_emulator.endpoint_url
    # plain boto3, no endpoint argument, sees what the seed created
    assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == ["fixture-logs"]
    assert (lab.data_dir / "readme.txt").is_file()


def test_start_lab_is_idempotent(fresh_emulator, fixture_checkout, labkit_home, monkeypatch):
    monkeypatch.chdir(lab_dir(fixture_checkout))
    settings = settings_for(fresh_emulator, labkit_home)
    labkit.start_lab(LAB, settings=settings)
    lab = labkit.start_lab(LAB, settings=settings)
    assert len(lab.client("s3").list_buckets()["Buckets"]) == 1


def test_start_lab_finds_the_lab_from_the_checkout_root(
    fresh_emulator, fixture_checkout, labkit_home, monkeypatch
):
    monkeypatch.chdir(fixture_checkout.root)
    lab = labkit.start_lab(LAB, settings=settings_for(fresh_emulator, labkit_home))
    assert lab.path == lab_dir(fixture_checkout)


def test_unknown_lab_says_where_it_looked(fixture_checkout, monkeypatch):
    monkeypatch.chdir(fixture_checkout.root)
    with pytest.raises(LabNotFoundError, match="no lab 'p9_w01_nope' found.*LABKIT_LABS_DIR"):
        find_lab("p9_w01_nope")


def test_failing_seed_names_the_lab(fresh_emulator, fixture_checkout, labkit_home, monkeypatch):
    folder = lab_dir(fixture_checkout)
    (folder / "seed.py").write_text("def seed(lab):\n    raise RuntimeError('boom')\n")
    monkeypatch.chdir(folder)
    with pytest.raises(SeedError, match=f"lab {LAB}: seeding failed: RuntimeError: boom"):
        labkit.start_lab(LAB, settings=settings_for(fresh_emulator, labkit_home))


def test_start_lab_starts_an_emulator_when_none_answers(fixture_checkout, labkit_home, monkeypatch):
    port = free_port()
    settings = Settings(port=port, home=labkit_home)
    monkeypatch.chdir(lab_dir(fixture_checkout))
    try:
        lab = labkit.start_lab(LAB, settings=settings)
        assert lab.endpoint_url == f"http://127.0.0.1:{port}"
        assert process.status(settings).pid is not None
    finally:
        process.down(settings)


def test_start_lab_does_not_start_an_emulator_for_a_remote_endpoint(fixture_checkout, monkeypatch):
    settings = Settings.from_env(
        {"AWS_ENDPOINT_URL": "http://emulator:4566", "LABKIT_EMULATOR_HOSTS": "emulator"}
    )
    monkeypatch.chdir(lab_dir(fixture_checkout))
    with pytest.raises(process.EmulatorError, match="no emulator answers at http://emulator:4566"):
        labkit.start_lab(LAB, settings=settings)


def test_labkit_seed_cli(fresh_emulator, fixture_checkout, labkit_home):
    env = {**os.environ, "AWS_ENDPOINT_URL": fresh_emulator.endpoint_url}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "labkit",
            "seed",
            "--all",
            "--labs-dir",
            str(fixture_checkout.solutions),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert f"seeded {LAB}" in out.stdout
    s3 = boto3.client(
        "s3",
        endpoint_url=fresh_emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["fixture-logs"]


def test_labkit_seed_filters_by_emulator(fresh_emulator, fixture_checkout, labkit_home):
    env = {**os.environ, "AWS_ENDPOINT_URL": fresh_emulator.endpoint_url}
    cmd = [
        sys.executable,
        "-m",
        "labkit",
        "seed",
        "--all",
        "--emulator",
        "localstack",
        "--labs-dir",
        str(fixture_checkout.solutions),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    # the fixture lab runs on labkit only: nothing to seed, and that is not a failure
    assert out.returncode == 0, out.stderr
    assert "no labs that support localstack found" in out.stdout
    yaml_path = next(fixture_checkout.solutions.rglob("lab.yaml"))
    yaml_path.write_text(yaml_path.read_text().replace("[labkit]", "[labkit, localstack]"))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0 and "seeded p9_w01_buckets" in out.stdout


def test_labs_dir_setting_finds_labs_anywhere(
    fresh_emulator, fixture_checkout, labkit_home, tmp_path, monkeypatch
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = Settings.from_env(
        {
            "AWS_ENDPOINT_URL": fresh_emulator.endpoint_url,
            "LABKIT_LABS_DIR": str(fixture_checkout.solutions),
        }
    )
    assert settings.labs_dir == fixture_checkout.solutions
    lab = labkit.start_lab(LAB, settings=settings)
    assert lab.path == lab_dir(fixture_checkout)


def test_start_lab_applies_the_manifests_time_scale(
    fresh_emulator, fixture_checkout, labkit_home, monkeypatch
):
    from labkit.emulator import client
    from labkit.manifest import ManifestError

    folder = lab_dir(fixture_checkout)
    manifest = folder / "lab.yaml"
    original = manifest.read_text()
    monkeypatch.chdir(folder)
    settings = settings_for(fresh_emulator, labkit_home)
    try:
        manifest.write_text(original + "time_scale: 0.05\n")
        labkit.start_lab(LAB, settings=settings)
        assert client.configure(fresh_emulator.endpoint_url)["time_scale"] == 0.05
        manifest.write_text(original + "time_scale: 0\n")
        with pytest.raises(ManifestError, match="time_scale must be a number > 0"):
            labkit.start_lab(LAB, settings=settings)
    finally:
        client.configure(fresh_emulator.endpoint_url, time_scale=1.0)
    assert client.configure(fresh_emulator.endpoint_url)["time_scale"] == 1.0
    with pytest.raises(ValueError, match="refused"):
        client.configure(fresh_emulator.endpoint_url, time_scale=-1)
