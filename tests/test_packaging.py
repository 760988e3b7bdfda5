"""The wheel a user installs: one top-level package, and a CLI that works from it.

Built from the tracked files of this repository (copied first, so the build writes
nothing into the work tree), installed into a fresh virtual environment that sees no
source tree, and driven as a user would: `explain` reads its pages from the wheel,
`check`, `run` and `export --format html` find their grammar, schema and JS runtime
inside it. The environment borrows only the third-party packages of the test
environment (a `.pth` file), so nothing is downloaded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDELINE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(source)], check=True, capture_output=True)
    [built] = dist.glob("carepath-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin directory."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv / "bin"


def test_the_wheel_holds_one_top_level_package(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {name.split("/")[0] for name in names} == {"carepath", wheel.name.split("-py3")[0] + ".dist-info"}
    for inside in ("carepath/dsl/grammar.lark", "carepath/compiler/ir.py", "carepath/targets/json/graph.schema.json",
                   "carepath/targets/js/carepath-runtime.mjs", "carepath/docs/errors/CP0202.md"):
        assert inside in names
    assert not [name for name in names if "node_modules" in name]


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_explain_works_from_the_installed_wheel(installed, tmp_path):
    done = run(installed, "carepath", "explain", "CP0202", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# CP0202")


def test_the_cli_checks_runs_and_exports_from_the_installed_wheel(installed, tmp_path):
    checked = run(installed, "carepath", "check", str(GUIDELINE), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    facts = tmp_path / "facts.json"
    facts.write_text('{"acute_limb_ischemia": "confirmed"}', encoding="utf-8")
    ran = run(installed, "carepath", "run", str(GUIDELINE), "--facts", str(facts), "--format", "json", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert '"emergency_vascular_consult"' in ran.stdout
    page = tmp_path / "page.html"
    exported = run(installed, "carepath", "export", str(GUIDELINE), "--format", "html", "-o", str(page), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "carepath" in page.read_text(encoding="utf-8")
    module = run(installed, "python", "-m", "carepath", "--version", cwd=tmp_path)
    assert module.returncode == 0 and module.stdout.strip()


def test_the_folders_are_not_top_level_packages_once_installed(installed, tmp_path):
    script = (
        "import importlib\n"
        "for name in ('dsl', 'compiler', 'targets'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "        print(name, 'imports')\n"
        "    except ModuleNotFoundError:\n"
        "        print(name, 'missing')\n"
        "import carepath.compiler.ir as m\n"
        "print(m.__file__)\n"
    )
    done = run(installed, "python", "-c", script, cwd=tmp_path)
    *imports, where = done.stdout.strip().split("\n")
    assert imports == ["dsl missing", "compiler missing", "targets missing"], done.stdout + done.stderr
    assert where.startswith(str(installed.parent)), done.stdout + done.stderr
