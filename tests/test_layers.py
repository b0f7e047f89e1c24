"""Layers: modes and the dataset registry sit below the course layer; splits and embedded data
do not import each other; the registry finds (or misses) datasets without decoding them."""
import ast
from pathlib import Path

import pytest

import svddlib
from svddlib import config, modes
from svddlib.data import registry

PACKAGE = Path(svddlib.__file__).parent


def _imports(relpath: str) -> set:
    """Modules imported by a file of svddlib, as dotted names relative to svddlib."""
    path = PACKAGE / relpath
    package = ".".join(Path(relpath).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".") if package else []
            if node.level:
                base = base[:len(base) - node.level + 1]
            else:
                base = []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module.removeprefix("svddlib."))
            found.update(f"{module}.{a.name}".strip(".") for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("svddlib.") for a in node.names)
    return found


def test_splits_and_embedded_do_not_import_each_other():
    assert not any(m.startswith("data.embedded") for m in _imports("data/splits.py"))
    assert not any(m.startswith("data.splits") for m in _imports("data/embedded.py"))
    assert "data.registry" in _imports("data/splits.py")


def test_baselines_and_modes_do_not_import_the_course_layer():
    for relpath in ("baselines/runner.py", "modes.py", "data/registry.py"):
        imported = _imports(relpath)
        assert not {m for m in imported if m.startswith(("config", "course"))}, relpath
    assert "modes.resolve_mode" in _imports("baselines/runner.py")


def test_config_reexports_modes_unchanged(monkeypatch):
    assert config.resolve_mode is modes.resolve_mode and config.MODES == ("smoke", "teach", "paper")
    monkeypatch.setenv("SVDD_MODE", "paper")
    assert modes.resolve_mode() == "paper" and modes.resolve_mode("smoke") == "smoke"
    monkeypatch.setenv("SVDD_MODE", "fast")
    with pytest.raises(ValueError, match="SVDD_MODE"):
        modes.resolve_mode()


def test_registry_names_and_unknown_dataset():
    assert registry.dataset_key("CIFAR-10") == "cifar10"
    assert registry.get_loader("photos") is registry.get_loader("photo_patches")
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        registry.load_raw("imagenet")


def test_missing_dataset_checks_folders_without_decoding(tmp_path):
    for name in registry.DOWNLOADED:
        message = registry.missing_dataset(name, root=tmp_path / name)
        assert message and str(tmp_path / name) in message
    assert registry.missing_dataset("mnist5k") is None
    voc = tmp_path / "voc2012" / "VOCdevkit" / "VOC2012" / "JPEGImages"
    voc.mkdir(parents=True)
    assert registry.missing_dataset("voc2012", root=tmp_path / "voc2012") is None
    batches = tmp_path / "c" / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)]:
        (batches / name).write_bytes(b"")
    assert "test_batch" in registry.missing_dataset("cifar10", root=batches)
    (batches / "test_batch").write_bytes(b"")
    assert registry.missing_dataset("cifar10", root=batches) is None
