"""`make lab`'s JupyterLab: serves labs/ on loopback with the nbgrader extension enabled."""

import json
import subprocess
import sys
import time
import urllib.request

from tests.conftest import REPO, free_port

TOKEN = "labkit-test-token"


def get(url: str):
    req = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def test_jupyterlab_serves_labs_with_nbgrader(tmp_path):
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={REPO / 'labs'}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--no-browser",
        f"--IdentityProvider.token={TOKEN}",
        "--allow-root",
        f"--ServerApp.runtime_dir={tmp_path}",
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}/api/status")
                break
            except OSError:
                assert proc.poll() is None, "JupyterLab exited while starting"
                assert time.monotonic() < deadline, "JupyterLab did not start within 60s"
                time.sleep(0.25)
        nb = get(
            f"{base}/api/contents/p1_migration/w04/p1_w04_landing_zone/p1_w04_landing_zone.ipynb"
        )
        assert nb["type"] == "notebook"
        assert nb["content"]["metadata"]["kernelspec"]["name"] == "python3"
        # the nbgrader lab extension is installed and enabled ...
        extensions = {e["name"]: e for e in get(f"{base}/lab/api/extensions")}
        assert extensions["jupyter-nbgrader"]["enabled"]
        # ... and its server extensions answer (assignment list / validate)
        from nbgrader import __version__

        with urllib.request.urlopen(
            urllib.request.Request(
                f"{base}/nbgrader_version?version={__version__}",
                headers={"Authorization": f"token {TOKEN}"},
            ),
            timeout=5,
        ) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
