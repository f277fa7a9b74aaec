"""``nodeship verify`` fails its secret-file check on an SSH private key in the image.

The Dockerfile is hand-made and copies src/ whole, so the key reaches the image
whatever the project's .dockerignore lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodeship.errors import ExitCode
from tests.docker.conftest import run_cli

FAKE_PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


@pytest.mark.docker
@pytest.mark.slow
def test_ed25519_key_in_image_fails(tmp_path: Path, base_image: str) -> None:
    project = tmp_path / "ssh-key"
    (project / "src").mkdir(parents=True)
    package = {"name": "ssh-key", "version": "0.1.0", "private": True}
    (project / "package.json").write_text(json.dumps(package))
    (project / "src" / "server.js").write_text("setInterval(() => {}, 1000);\n")
    (project / "src" / "id_ed25519").write_text(FAKE_PRIVATE_KEY)
    (project / "src" / "id_ed25519.pub").write_text("ssh-ed25519 AAAAfake test\n")
    (project / "Dockerfile").write_text(
        f"FROM {base_image}\n"
        "WORKDIR /app\n"
        "COPY src ./src\n"
        "USER node\n"
        'CMD ["node", "-e", "process.on(\'SIGTERM\', () => process.exit(0)); '
        "require('./src/server.js')\"]\n"
    )

    run = run_cli("verify", str(project), "--json")
    assert run.code == ExitCode.CHECK_FAILED, run.stderr[-2000:]
    data = json.loads(run.stdout)
    checks = {check["name"]: check for check in data["checks"]}
    secret_check = checks["no_secret_files"]
    assert secret_check["status"] == "fail"
    # Only the private key is reported, because the public key may ship.
    assert secret_check["detail"] == "src/id_ed25519"
    assert secret_check["value"].startswith("1 of ")
