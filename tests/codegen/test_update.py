"""`make update-botocore` end to end, against a local package index.

The index holds tiny wheels built here: fake boto3 and s3transfer, and a botocore made
of the real botocore's code with a one-service data directory (the widgets fixture),
in two releases. As with boto3 1.44, the newer boto3 needs a newer s3transfer than
the constraints pin; the old script moved boto3 and botocore only and failed there.
Every pip call goes to that index only (PIP_NO_INDEX, PIP_FIND_LINKS).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import venv
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import botocore
import pytest

from tests.helpers import CODEGEN_FIXTURES, ROOT

FIXTURES = CODEGEN_FIXTURES
OLD, NEW = "1.0.0", "1.1.0"
S3TRANSFER = {OLD: "0.1.0", NEW: "0.2.0"}  # what each boto3 release needs
# Real, unchanged packages the fake botocore and codegen need, repacked as wheels.
REPACKED = ("jmespath", "python-dateutil", "six", "urllib3", "jinja2", "markupsafe")


# --- building the index -------------------------------------------------------------


def build_wheel(
    index: Path,
    name: str,
    version: str,
    files: Mapping[str, bytes],
    requires: list[str] | None = None,
) -> None:
    dist = f"{name.replace('-', '_')}-{version}"
    info = f"{dist}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires or [])
    contents = dict(files)
    contents[f"{info}/METADATA"] = metadata.encode()
    contents[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = []
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(data)}")
    record.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(index / f"{dist}-py3-none-any.whl", "w") as wheel:
        for path, data in contents.items():
            wheel.writestr(path, data)


def repack(index: Path, name: str) -> str:
    """The installed distribution ``name`` as a wheel in ``index``; its version."""
    dist = importlib.metadata.distribution(name)
    files = {}
    for file in dist.files or []:
        parts = file.parts
        if parts[0] == ".." or "__pycache__" in parts or ".dist-info" in parts[0]:
            continue
        files[file.as_posix()] = Path(str(file.locate())).read_bytes()
    build_wheel(index, dist.metadata["Name"], dist.version, files, dist.requires)
    return dist.version


def widgets_model(version: str) -> dict[str, Any]:
    model: dict[str, Any] = json.loads(
        (FIXTURES / "widgets.json").read_text(encoding="utf-8")
    )
    if version == NEW:
        model = copy.deepcopy(model)
        model["operations"]["DeleteWidget"] = {
            "name": "DeleteWidget",
            "input": {"shape": "GetWidgetRequest"},
        }
    return model


def fake_botocore(index: Path, version: str) -> None:
    """The real botocore's code, its version replaced, serving widgets only."""
    real = Path(botocore.__file__).parent
    data = real / "data"
    files = {}
    for path in real.rglob("*"):
        inside_a_service = data in path.parents and path.parent != data
        if path.is_dir() or "__pycache__" in path.parts or inside_a_service:
            continue
        files[path.relative_to(real.parent).as_posix()] = path.read_bytes()
    init = files["botocore/__init__.py"].decode()
    files["botocore/__init__.py"] = init.replace(
        f"__version__ = '{botocore.__version__}'", f"__version__ = '{version}'"
    ).encode()
    assert f"__version__ = '{version}'" in files["botocore/__init__.py"].decode()
    model = json.dumps(widgets_model(version), indent=1).encode()
    files["botocore/data/widgets/2020-01-01/service-2.json"] = model
    requires = ["jmespath", "python-dateutil", "urllib3"]
    build_wheel(index, "botocore", version, files, requires)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Builds the index; returns {package: version} of the old (pinned) set."""
    path = tmp_path_factory.mktemp("index")
    pins = {name: repack(path, name) for name in REPACKED}
    for version in (OLD, NEW):
        fake_botocore(path, version)
        transfer = S3TRANSFER[version]
        build_wheel(
            path,
            "s3transfer",
            transfer,
            {"s3transfer/__init__.py": f"__version__ = '{transfer}'\n".encode()},
        )
        upper = f"{version.rsplit('.', 2)[0]}.{int(version.split('.')[1]) + 1}.0"
        build_wheel(
            path,
            "boto3",
            version,
            {"boto3/__init__.py": f"__version__ = '{version}'\n".encode()},
            [
                f"botocore>={version},<{upper}",
                f"s3transfer>={transfer},<{transfer[:2]}{int(transfer[2]) + 1}.0",
            ],
        )
    pins.update(boto3=OLD, botocore=OLD, s3transfer=S3TRANSFER[OLD])
    pins["index"] = str(path)
    return pins


def pip_env(index: Mapping[str, str]) -> dict[str, str]:
    """Only the local index: no config file, no other index, no cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.pop("PYTHONPATH", None)
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=index["index"],
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


# --- the project under update ------------------------------------------------------


def constraints_text(index: Mapping[str, str]) -> str:
    pins = "".join(f"{n}=={v}\n" for n, v in sorted(index.items()) if n != "index")
    return "# Exact versions (pip freeze).\n" + pins


PYPROJECT = """\
[project]
name = "fake-project"
version = "0.1.0"
dependencies = ["boto3>=1.0.0", "botocore>=1.0.0"]

[project.optional-dependencies]
dev = ["jinja2"]

[tool.hatch.build]
dev-mode-dirs = ["runtime", "generated"]

[tool.multiregion.update-botocore]
smoke-test = {smoke}
"""
# Runs in the fresh venv: the new set must be the one installed there.
SMOKE = [
    "-c",
    "import boto3, botocore, s3transfer; "
    f"assert (boto3.__version__, s3transfer.__version__) == ('{NEW}', '0.2.0')",
]


@pytest.fixture(scope="module")
def maintainer(tmp_path_factory: pytest.TempPathFactory, index: dict[str, str]) -> str:
    """The project's .venv, as `make setup` leaves it: the old pins installed."""
    path = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(path)
    python = str(path / "bin" / "python")
    constraints = path / "constraints.txt"
    constraints.write_text(constraints_text(index), encoding="utf-8")
    command = [python, "-m", "pip", "install", "-q", "-c", str(constraints)]
    subprocess.run(
        command + ["boto3", "botocore", "jinja2"], env=pip_env(index), check=True
    )
    return python


@pytest.fixture(scope="module")
def template(
    tmp_path_factory: pytest.TempPathFactory, index: dict[str, str], maintainer: str
) -> Path:
    """A project generated from the old botocore, with this repository's codegen."""
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "codegen", root / "codegen", ignore=ignore)
    # codegen shares one small module with the runtime (botocore and the standard
    # library only); the rest of the runtime needs the real boto3, not this index's.
    shared = root / "runtime" / "multiregion_runtime" / "core"
    shared.mkdir(parents=True)
    (shared.parent / "__init__.py").write_text("", "utf-8")
    (shared / "__init__.py").write_text("", "utf-8")
    shutil.copy(
        ROOT / "runtime" / "multiregion_runtime" / "core" / "modeltext.py", shared
    )
    # As the project's editable install does for the maintainer's .venv.
    site = subprocess.run(
        [maintainer, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "fake_project_runtime.pth").write_text(f"{root / 'runtime'}\n", "utf-8")
    (root / "pyproject.toml").write_text(
        PYPROJECT.format(smoke=json.dumps(SMOKE)), encoding="utf-8"
    )
    (root / "constraints-dev.txt").write_text(constraints_text(index), "utf-8")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## an older entry\n", "utf-8")
    subprocess.run(
        [maintainer, "-m", "codegen", "--out", "generated"],
        cwd=root,
        env=pip_env(index),
        check=True,
        capture_output=True,
    )
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(template, root)
    return root


def read_pins(constraints: str) -> dict[str, str]:
    # Parsed here, not with the script's own helper: this module must also run
    # against older versions of the script.
    return dict(re.findall(r"^([A-Za-z0-9._-]+)==(\S+)$", constraints, re.MULTILINE))


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def update(
    project: Path, maintainer: str, index: Mapping[str, str], *options: str
) -> subprocess.CompletedProcess[str]:
    """`make update-botocore`'s command, run with the project's venv."""
    command = [maintainer, "-m", "codegen.update_botocore"]
    command += ["--constraints", "constraints-dev.txt", "--out", "generated"]
    command += options
    return subprocess.run(
        command, cwd=project, env=pip_env(index), text=True, capture_output=True
    )


# --- the tests ----------------------------------------------------------------------


def test_update_moves_every_pin_the_new_boto3_needs(
    project: Path, maintainer: str, index: dict[str, str]
) -> None:
    before = snapshot(project)
    result = update(project, maintainer, index)
    assert result.returncode == 0, result.stderr[-4000:]

    constraints = (project / "constraints-dev.txt").read_text(encoding="utf-8")
    expected = {n: v for n, v in index.items() if n != "index"}
    expected.update(boto3=NEW, botocore=NEW, s3transfer="0.2.0")
    assert read_pins(constraints) == expected
    assert constraints.startswith("# Exact versions (pip freeze).\n")

    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert f'["boto3>={NEW}", "botocore>={NEW}"]' in pyproject

    # Only the changed service's files and the one version file, besides the pins.
    after = snapshot(project)
    changed = sorted(
        p for p in after.keys() | before.keys() if after.get(p) != before.get(p)
    )
    assert changed == [
        "CHANGELOG.md",
        "constraints-dev.txt",
        "generated/multiregion/_schemas/widgets.json",  # the Arrow schemas (issue 15)
        "generated/multiregion/_version.py",
        "generated/multiregion/widgets/client.py",
        "pyproject.toml",
    ]
    version = after["generated/multiregion/_version.py"].decode()
    assert f'BOTOCORE_VERSION = "{NEW}"' in version
    assert (
        "def delete_widget("
        in after["generated/multiregion/widgets/client.py"].decode()
    )
    assert (
        "DeleteWidget" in after["generated/multiregion/_schemas/widgets.json"].decode()
    )

    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith(f"# Changelog\n\n## botocore {OLD} -> {NEW}\n")
    assert "- widgets: operations added (1): DeleteWidget" in changelog
    assert "- s3transfer: 0.1.0 -> 0.2.0" in changelog
    assert changelog.endswith("## an older entry\n")
    assert "- widgets: operations added (1): DeleteWidget" in result.stdout


def test_the_python_310_constraints_move_with_the_same_resolver(
    project: Path, maintainer: str, index: dict[str, str]
) -> None:
    """The 3.10 file pins the runtime set only: what it pins moves, nothing else
    (jinja2, a dev tool, stays out of it), and the set is resolved for 3.10."""
    runtime = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil")
    old = "# 3.10\n" + "".join(f"{n}=={index[n]}\n" for n in runtime)
    (project / "constraints-py310.txt").write_text(old, encoding="utf-8")
    result = update(
        project, maintainer, index, "--py310-constraints", "constraints-py310.txt"
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "--python-version 3.10" in result.stderr
    new = read_pins((project / "constraints-py310.txt").read_text(encoding="utf-8"))
    expected = {n: index[n] for n in runtime}
    # six and urllib3 are needed too (botocore, dateutil): pinned as resolved.
    expected.update(boto3=NEW, botocore=NEW, s3transfer="0.2.0")
    expected.update(six=index["six"], urllib3=index["urllib3"])
    assert new == expected


def test_a_failing_smoke_test_leaves_the_tree_exactly_as_it_was(
    project: Path, maintainer: str, index: dict[str, str]
) -> None:
    failing = ["-c", "raise SystemExit('moto says no')"]
    (project / "pyproject.toml").write_text(
        PYPROJECT.format(smoke=json.dumps(failing)), encoding="utf-8"
    )
    before = snapshot(project)
    result = update(project, maintainer, index)
    assert result.returncode == 1
    assert "moto says no" in result.stderr
    assert "Nothing was changed." in result.stderr
    assert snapshot(project) == before


def test_a_failing_generation_leaves_the_tree_exactly_as_it_was(
    project: Path, maintainer: str, index: dict[str, str]
) -> None:
    """Generation runs after the new set installed and passed its smoke test."""
    (project / "codegen" / "__main__.py").write_text(
        "raise SystemExit('the generator broke')\n", encoding="utf-8"
    )
    before = snapshot(project)
    result = update(project, maintainer, index)
    assert result.returncode == 1
    assert "the generator broke" in result.stderr
    assert snapshot(project) == before
