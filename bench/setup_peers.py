"""Virtualenvs for the benchmark: the peers' (cached) and glassnet's (the repo's .venv).

    python bench/setup_peers.py [--cache DIR] [--frameworks torch,tf,jax]

Each peer gets its own virtualenv under the cache folder (default
~/.cache/glassnet-bench/venvs/<name>), created only when missing or when its pinned
requirements changed (a stamp file records them).  The PyTorch CPU wheel comes from
/opt/wheels: the pin carries the ``+cpu`` label, so pip can never fall back to the
multi-gigabyte CUDA build on PyPI.  glassnet runs in the repo's .venv (made by
scripts/setup.sh when missing), plus threadpoolctl to report the BLAS in use; for the
installed-size figure (W4) ``fresh_glassnet_venv`` installs a copy of the repo, not
editable, into an empty virtualenv.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path.home() / ".cache" / "glassnet-bench"
WHEELS = Path("/opt/wheels")

# name -> (pip requirements, the distributions whose install closure is "the library")
PEERS = {
    "torch": (["torch==2.13.0+cpu", "numpy"], ["torch"]),
    "tf": (["tensorflow-cpu==2.21.0", "keras==3.15.1"], ["tensorflow-cpu", "keras"]),
    "jax": (["keras==3.15.1", "jax==0.10.2", "jaxlib==0.10.2"], ["keras", "jax", "jaxlib"]),
}
STAMP = "bench-requirements.txt"


def base_python():
    """The interpreter virtualenvs are made from: the one behind the running python."""
    return getattr(sys, "_base_executable", None) or sys.executable


def venv_python(venv):
    return Path(venv) / "bin" / "python"


def pip_install(python, requirements, log):
    """pip install into ``python``'s environment, /opt/wheels as an extra source."""
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    if WHEELS.is_dir():
        command += ["--find-links", str(WHEELS)]
    command += list(requirements)
    log(" ".join(command[2:]))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def make_venv(path, log):
    log(f"creating virtualenv {path}")
    if path.exists():
        shutil.rmtree(path)
    subprocess.run([base_python(), "-m", "venv", str(path)], check=True)


def peer_venv(cache, name):
    return Path(cache) / "venvs" / name


def ensure_peer(cache, name, log=print):
    """The peer's virtualenv, created if missing; returns (path, setup seconds or 0)."""
    requirements = PEERS[name][0]
    path = peer_venv(cache, name)
    stamp = path / STAMP
    wanted = "\n".join(requirements) + "\n"
    if venv_python(path).exists() and stamp.exists() and stamp.read_text() == wanted:
        return path, 0.0
    start = time.perf_counter()
    make_venv(path, log)
    pip_install(venv_python(path), requirements, log)
    stamp.write_text(wanted)
    seconds = time.perf_counter() - start
    log(f"{name}: virtualenv ready in {seconds:.0f} s")
    return path, seconds


def ensure_glassnet(log=print):
    """The repo's .venv (scripts/setup.sh when missing) with threadpoolctl for BLAS info."""
    python = venv_python(REPO / ".venv")
    if not python.exists():
        log("glassnet: creating the repo's .venv with scripts/setup.sh")
        subprocess.run(["bash", str(REPO / "scripts" / "setup.sh")], check=True)
    probe = subprocess.run([str(python), "-c", "import threadpoolctl"],
                           stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        pip_install(python, ["threadpoolctl"], log)
    return python


def fresh_glassnet_venv(cache, log=print):
    """An empty virtualenv with ``pip install <copy of the repo>`` (numpy from PyPI).

    Rebuilt every time: glassnet's required dependencies may change between runs.  The
    copy keeps build artefacts (build/, *.egg-info) out of the working tree.
    """
    path = Path(cache) / "venvs" / "glassnet-fresh"
    make_venv(path, log)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "glassnet-src"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (REPO / name).exists():
                shutil.copy2(REPO / name, source / name)
        shutil.copytree(REPO / "glassnet", source / "glassnet",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        pip_install(venv_python(path), [str(source)], log)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--frameworks", default="torch,tf,jax")
    args = parser.parse_args(argv)
    ensure_glassnet()
    for name in args.frameworks.split(","):
        if name != "glassnet":
            ensure_peer(args.cache, name)


if __name__ == "__main__":
    main()
