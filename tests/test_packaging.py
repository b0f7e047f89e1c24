"""environment.yml (conda users) must list the same dependencies as pyproject.toml."""
import re
import tomllib

import yaml

from svddlib.paths import project_root

# conda-forge spells a few packages differently from PyPI
CONDA_TO_PYPI = {"pytorch": "torch"}
CONDA_ONLY = {"python", "pip"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_names() -> set:
    meta = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    return {_name(r) for r in reqs}


def _environment_names() -> tuple[set, list]:
    env = yaml.safe_load((project_root() / "environment.yml").read_text())
    conda, pip = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep.get("pip", [])
        else:
            conda.add(CONDA_TO_PYPI.get(_name(dep), _name(dep)))
    return conda - CONDA_ONLY, pip


def test_environment_yml_mirrors_pyproject():
    conda, pip = _environment_names()
    pip_names = {_name(p) for p in pip if not p.startswith("-e")}
    assert conda | pip_names == _pyproject_names()


def test_environment_yml_installs_the_project_editable_and_python_311():
    env = yaml.safe_load((project_root() / "environment.yml").read_text())
    _, pip = _environment_names()
    assert "-e ." in pip
    assert "python=3.11" in env["dependencies"]


def test_torch_is_not_pinned():
    meta = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    assert {"torch", "torchvision"} <= set(meta["dependencies"])
