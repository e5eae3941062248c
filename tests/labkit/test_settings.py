from pathlib import Path

import pytest

from labkit.settings import DEFAULT_PORT, Settings


def test_defaults_point_at_loopback_4566():
    s = Settings.from_env({})
    assert (s.host, s.port, s.region) == ("127.0.0.1", DEFAULT_PORT, "us-east-1")
    assert s.endpoint_url == "http://127.0.0.1:4566"
    assert s.home == Path.home() / ".labkit"


def test_endpoint_from_aws_endpoint_url_wins_over_labkit_port():
    s = Settings.from_env(
        {
            "AWS_ENDPOINT_URL": "http://emulator:4566",
            "LABKIT_PORT": "5000",
            "LABKIT_EMULATOR_HOSTS": "emulator, other ",
            "LABKIT_HOME": "/x",
        }
    )
    assert s.endpoint_url == "http://emulator:4566"
    assert (s.host, s.port) == ("emulator", 4566)
    assert s.allowed_hosts == ("emulator", "other")
    assert s.home == Path("/x")


def test_labkit_port_and_with_port():
    s = Settings.from_env({"LABKIT_PORT": "4700"})
    assert s.endpoint_url == "http://127.0.0.1:4700"
    assert s.with_port(4800).endpoint_url == "http://127.0.0.1:4800"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"AWS_ENDPOINT_URL": "localhost"}, "is not a URL"),
        ({"LABKIT_PORT": "abc"}, "must be a number"),
        ({"LABKIT_PORT": "70000"}, "between 1 and 65535"),
    ],
)
def test_bad_settings_say_what_is_wrong(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)
