"""``make update-botocore``: move to the newest botocore/boto3, regenerate, report.

1. Ask the resolver for the newest boto3 and botocore, then for every pin that must
   move with them: ``pip install --dry-run --report`` of the project's dev
   requirements in the current venv, which keeps each installed version that still
   fits (so s3transfer moves when the new boto3 needs it, and nothing moves that
   need not). Type stubs that follow boto3 (``COMPANIONS``) move to their newest
   release not newer than it.
2. Install that set into a fresh venv, generate the tree with it into a temporary
   directory, and run the smoke test (pyproject's ``[tool.multiregion.update-botocore]
   smoke-test``: moto tests) there, on the new classes. Compare the models.
4. Only then write: the generated tree, the constraints file(s), pyproject's
   boto3/botocore floors and the CHANGELOG entry, which is also printed.

Every step that can fail runs before anything is written, so a failure leaves the
tree exactly as it was.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import shlex
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen import modeldiff, writer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - codegen runs on the dev Python, 3.11+
    import tomli as tomllib

PINNED = ("boto3", "botocore")
# The extras `make setup` installs, and those `make test-py310` installs (Makefile):
# the sets resolved, installed and smoke-tested here.
SETUP_EXTRAS = ("dev", "dask")
PY310_EXTRAS = ("dask", "data")
# Packages released after boto3 that follow its version: moved to their newest
# release that is not newer than the new boto3.
COMPANIONS = {"boto3-stubs": "boto3"}
CHANGELOG_TITLE = "# Changelog"
UNRELEASED = "## Unreleased"
# GitHub refuses a pull request body over 65,536 characters.
PR_BODY_LIMIT = 60_000


class UpdateError(Exception):
    """A step failed; nothing has been written."""


def canonical(name: str) -> str:
    """PEP 503 name: ``Jinja2`` and ``jinja2``, ``typing_extensions`` and
    ``typing-extensions`` are the same package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(constraints: str) -> dict[str, str]:
    """{canonical name: version} of the ``name==version`` lines."""
    pins = {}
    for line in constraints.splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*", line)
        if match:
            pins[canonical(match[1])] = match[2]
    return pins


def repin(constraints: str, versions: Mapping[str, str]) -> str:
    """``constraints`` with each package's ``==`` line set to ``versions[package]``,
    in place (the spelling of the name kept); packages it lacks are appended."""
    wanted = {canonical(name): version for name, version in versions.items()}
    lines, seen = [], set()
    for line in constraints.splitlines():
        match = re.fullmatch(r"(\s*)([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)(\s*)", line)
        if match and canonical(match[2]) in wanted:
            seen.add(canonical(match[2]))
            line = f"{match[1]}{match[2]}=={wanted[canonical(match[2])]}{match[4]}"
        lines.append(line)
    lines += [
        f"{name}=={version}" for name, version in wanted.items() if name not in seen
    ]
    return "\n".join(lines) + "\n"


def move_floors(pyproject: str, floors: Mapping[str, str]) -> str:
    """pyproject.toml's text with each ``"package>=x"`` dependency set to the floor."""
    for package, version in floors.items():
        pattern = re.compile(rf'"{re.escape(package)}>=[^"]*"')
        if not pattern.search(pyproject):
            raise UpdateError(f'pyproject.toml has no "{package}>=..." dependency')
        pyproject = pattern.sub(f'"{package}>={version}"', pyproject, count=1)
    return pyproject


def prepend_changelog(changelog: str, entry: str) -> str:
    """The entry goes first under the file's title, after an ``## Unreleased``
    section if there is one: what is not released yet stays on top."""
    body = changelog
    if body.startswith(CHANGELOG_TITLE):
        body = body[len(CHANGELOG_TITLE) :]
    body = body.strip()
    unreleased = ""
    if body.startswith(UNRELEASED):
        following = body.find("\n## ", len(UNRELEASED))
        cut = len(body) if following < 0 else following
        unreleased, body = body[:cut].strip() + "\n\n", body[cut:].strip()
    text = f"{CHANGELOG_TITLE}\n\n{unreleased}{entry.strip()}\n\n{body}\n"
    return text.rstrip() + "\n"


def pr_body(report: str, limit: int = PR_BODY_LIMIT) -> str:
    """The report, cut at a line boundary to fit a pull request body."""
    if len(report) <= limit:
        return report
    cut = report[:limit].rsplit("\n", 1)[0]
    return f"{cut}\n\n(cut to fit: the whole report is in CHANGELOG.md)"


def installs(report: Mapping[str, Any]) -> dict[str, str]:
    """{canonical name: version} of what a ``pip install --report`` would install."""
    return {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in report["install"]
    }


# --- the project ------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    root: Path
    constraints: Path
    out: Path
    py310_constraints: Path | None
    py310_requirements: tuple[str, ...]

    @functools.cached_property
    def pyproject(self) -> dict[str, Any]:
        text = (self.root / "pyproject.toml").read_text(encoding="utf-8")
        data: dict[str, Any] = tomllib.loads(text)
        return data

    def requirements(self, extras: Iterable[str] = SETUP_EXTRAS) -> list[str]:
        """The project's dependencies, plus those of ``extras``."""
        project = self.pyproject["project"]
        wanted = list(project.get("dependencies", []))
        for extra in extras:
            wanted += project.get("optional-dependencies", {}).get(extra, [])
        return wanted

    def smoke_test(self) -> list[str]:
        config = self.pyproject.get("tool", {}).get("multiregion", {})
        command = config.get("update-botocore", {}).get("smoke-test")
        if not command:
            raise UpdateError(
                "pyproject.toml has no [tool.multiregion.update-botocore] smoke-test: "
                "the new pins must be tested before they are written"
            )
        return [str(part) for part in command]

    def import_roots(self, generated_at: Path) -> list[Path]:
        """Where the project's packages live (hatch's dev-mode-dirs), for a venv
        that has the project's dependencies but not the project itself; the
        generated tree's root replaced by ``generated_at``."""
        build = self.pyproject.get("tool", {}).get("hatch", {}).get("build", {})
        roots = [(self.root / d).resolve() for d in build.get("dev-mode-dirs", [])]
        roots = [generated_at if r == self.out else r for r in roots]
        return roots or [self.root]


# --- running pip and python -------------------------------------------------------


def run(command: list[str], cwd: Path | None = None) -> str:
    """Run ``command``; its stdout, or UpdateError with the end of its output."""
    print("+", shlex.join(command), file=sys.stderr, flush=True)
    result = subprocess.run(
        command, cwd=cwd, text=True, capture_output=True, check=False
    )
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise UpdateError(f"`{' '.join(command[:4])} ...` failed:\n{output}")
    return result.stdout


def dry_run(python: str, requirements: Iterable[str], *options: str) -> dict[str, str]:
    """What ``pip install`` would install or change, by the resolver's report."""
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        run(
            [python, "-m", "pip", "install", "--dry-run", "-q"]
            + ["--report", str(report_path), *options, *requirements]
        )
        return installs(json.loads(report_path.read_text(encoding="utf-8")))


def newest_release(python: str) -> dict[str, str]:
    """The newest boto3 and the newest botocore that goes with it."""
    found = dry_run(python, PINNED, "--ignore-installed")
    return {package: found[package] for package in PINNED}


def newest_companion(python: str, package: str, ceiling: str) -> str:
    found = dry_run(
        python, [f"{package}<={ceiling}"], "--ignore-installed", "--no-deps"
    )
    return found[canonical(package)]


def moved_pins(project: Project, pins: Mapping[str, str]) -> dict[str, str]:
    """The new versions ``pins`` force on the dev set: pins themselves plus every
    installed package the resolver must change for them (the current venv holds the
    old pins, and pip keeps what still fits)."""
    requested = [f"{name}=={version}" for name, version in pins.items()]
    return dry_run(sys.executable, project.requirements() + requested)


def check_py310(project: Project, constraints: Path) -> dict[str, str]:
    """The Python 3.10 set, resolved (wheels only, so no 3.10 is needed here)."""
    requirements = project.requirements(PY310_EXTRAS) + list(project.py310_requirements)
    with tempfile.TemporaryDirectory() as target:  # older pips want one, unused
        return dry_run(
            sys.executable,
            requirements,
            "--ignore-installed",
            "--python-version",
            "3.10",
            "--only-binary=:all:",
            "--target",
            target,
            "-c",
            str(constraints),
        )


def fresh_venv(project: Project, path: Path, constraints: Path) -> str:
    """A venv holding exactly the constrained dev set."""
    venv.EnvBuilder(with_pip=True).create(path)
    python = str(path / "bin" / "python")
    run(
        [python, "-m", "pip", "install", "-q", "-c", str(constraints)]
        + project.requirements()
    )
    run([python, "-m", "pip", "check"])  # every installed requirement is met
    return python


def put_on_path(python: str, roots: Iterable[Path]) -> None:
    """Make ``roots`` importable in the venv of ``python`` (as an editable install
    would, with a .pth file)."""
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    lines = "".join(f"{root}\n" for root in roots)
    Path(site.strip(), "_project_under_update.pth").write_text(lines, "utf-8")


def summarize(python: str, path: Path, root: Path) -> modeldiff.Summary:
    run([python, "-m", "codegen.modeldiff", "summarize", str(path)], cwd=root)
    data: modeldiff.Summary = json.loads(path.read_text(encoding="utf-8"))
    return data


def read_tree(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(out.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# --- the update -------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Everything an update writes, computed before anything is written."""

    files: dict[Path, str]  # constraints, pyproject, changelog: their new text
    generated: dict[str, str]  # the new tree under Project.out
    report: str


def plan(project: Project, tmp: Path) -> Plan | None:
    """The update, checked end to end in ``tmp``; None if already up to date."""
    old_text = project.constraints.read_text(encoding="utf-8")
    old_pins = read_pins(old_text)
    _check_current_venv(old_pins)
    newest = newest_release(sys.executable)
    if all(old_pins.get(p) == v for p, v in newest.items()):
        print(f"botocore is already pinned to the newest release, {newest['botocore']}")
        return None
    moved = moved_pins(project, _wanted(newest, old_pins))
    new_text = repin(old_text, moved)
    new_constraints = tmp / "constraints.txt"
    new_constraints.write_text(new_text, encoding="utf-8")
    files = {project.constraints: new_text}
    files.update(_py310_file(project, moved, tmp))

    python = fresh_venv(project, tmp / "venv", new_constraints)
    generated = tmp / "generated"
    # codegen shares small helpers with the runtime (multiregion_runtime.core.modeltext),
    # and the smoke test runs the new generated classes against the new botocore.
    put_on_path(python, project.import_roots(generated_at=generated))
    run([python, "-m", "codegen", "--out", str(generated)], cwd=project.root)
    run([python, *project.smoke_test()], cwd=project.root)
    old = summarize(sys.executable, tmp / "old.json", project.root)
    new = summarize(python, tmp / "new.json", project.root)

    report = modeldiff.report(old, new, old_pins["botocore"], newest["botocore"])
    report += "\n\n" + _pins_section(old_pins, moved)
    pyproject = project.root / "pyproject.toml"
    files[pyproject] = move_floors(pyproject.read_text(encoding="utf-8"), newest)
    changelog = project.root / "CHANGELOG.md"
    old_log = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
    files[changelog] = prepend_changelog(old_log, report)
    return Plan(files, read_tree(tmp / "generated"), report)


def _wanted(newest: Mapping[str, str], old_pins: Mapping[str, str]) -> dict[str, str]:
    """The new boto3 and botocore, and the companions the constraints pin."""
    wanted = dict(newest)
    for companion, follows in COMPANIONS.items():
        if canonical(companion) in old_pins:
            wanted[companion] = newest_companion(
                sys.executable, companion, newest[follows]
            )
    return wanted


def _check_current_venv(pins: Mapping[str, str]) -> None:
    """The old models are read, and the resolver starts, from this venv."""
    import botocore

    if botocore.__version__ != pins.get("botocore"):
        raise UpdateError(
            f"this venv has botocore {botocore.__version__}, the constraints pin "
            f"{pins.get('botocore')}: run `make setup` first"
        )


def _py310_file(
    project: Project, moved: Mapping[str, str], tmp: Path
) -> dict[Path, str]:
    path = project.py310_constraints
    if path is None or not path.exists():
        return {}
    old_text = path.read_text(encoding="utf-8")
    if "botocore" not in read_pins(old_text):
        return {}
    # Move what this file pins; then pin whatever else the 3.10 set now installs
    # (a new dependency), at the version the resolver chose.
    pinned = read_pins(old_text)
    new_text = repin(old_text, {n: v for n, v in moved.items() if n in pinned})
    checked = tmp / "constraints-py310.txt"
    checked.write_text(new_text, encoding="utf-8")
    resolved = check_py310(project, checked)
    added = {n: v for n, v in resolved.items() if n not in read_pins(new_text)}
    return {path: repin(new_text, added)}


def _pins_section(old: Mapping[str, str], moved: Mapping[str, str]) -> str:
    lines = [f"### Pins moved ({len(moved)})", ""]
    for name, version in sorted(moved.items()):
        lines.append(f"- {name}: {old.get(name, 'new')} -> {version}")
    return "\n".join(lines)


def apply(project: Project, update: Plan) -> list[str]:
    """Write the plan; if a write fails, put back what was written."""
    backup = {
        path: path.read_text(encoding="utf-8") for path in update.files if path.exists()
    }
    old_tree = read_tree(project.out)
    try:
        changed = writer.write(project.out, update.generated, prune=True)
        for path, text in update.files.items():
            path.write_text(text, encoding="utf-8")
    except BaseException:
        writer.write(project.out, old_tree, prune=True)
        for path in update.files:
            if path in backup:
                path.write_text(backup[path], encoding="utf-8")
            else:
                path.unlink(missing_ok=True)
        raise
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.update_botocore")
    parser.add_argument("--constraints", type=Path, default=Path("constraints-dev.txt"))
    parser.add_argument("--out", type=Path, default=Path("generated"))
    parser.add_argument(
        "--py310-constraints",
        type=Path,
        default=None,
        help="a Python 3.10 constraints file to move too, if it pins botocore",
    )
    parser.add_argument(
        "--py310-requirements",
        default="",
        help="what the 3.10 run installs besides the project (space-separated)",
    )
    parser.add_argument(
        "--report-file",
        type=Path,
        default=None,
        help="also write the report here (the pull request's body), if anything moved",
    )
    args = parser.parse_args(argv)
    project = Project(
        root=Path.cwd(),
        constraints=args.constraints.resolve(),
        out=args.out.resolve(),
        py310_constraints=args.py310_constraints,
        py310_requirements=tuple(args.py310_requirements.split()),
    )
    try:
        with tempfile.TemporaryDirectory(prefix="update-botocore-") as tmp:
            update = plan(project, Path(tmp))
            if update is None:
                return 0
            changed = apply(project, update)
    except UpdateError as error:
        print(f"update-botocore: {error}\nNothing was changed.", file=sys.stderr)
        return 1
    print(update.report)
    if args.report_file is not None:
        args.report_file.write_text(pr_body(update.report) + "\n", encoding="utf-8")
    print(f"\n{len(changed)} generated file(s) changed; CHANGELOG.md has this entry.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
