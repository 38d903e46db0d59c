"""Builds the masksearch engine and bundles it into the Python package.

`pip install ./python` (from the project's root) runs this as the setuptools build backend. The
custom ``build_py`` step runs, in the project's root (``python/..``, or ``$MASKSEARCH_ROOT``),

    Tools/build-abi-library.sh .build/abi

(a release build of the ``MaskSearchABI`` product, relinked with the Swift runtime, Foundation
and ICU linked in statically, so the library needs only libc, libm, libstdc++, libgcc_s and
liblz4; see that script) and copies the ``libMaskSearchABI.so`` it prints into the package
(``masksearch/libMaskSearchABI.so``), so ``import masksearch`` works from any directory in any
virtualenv.

pip 23 builds a local directory in place, so ``python/..`` is the project's root; a build from a
copied tree (an sdist) needs ``MASKSEARCH_ROOT``. ``MASKSEARCH_PREBUILT_LIBRARY`` bundles an
already-built library instead of building. The wheel is platform-specific (it holds a native
library), tagged ``py3-none-<platform>``: ctypes, no CPython extension ABI.
"""
import os
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = "libMaskSearchABI.so"
BUILD_SCRIPT = os.path.join("Tools", "build-abi-library.sh")
OUTPUT_DIR = os.path.join(".build", "abi")


def project_root():
    root = os.environ.get("MASKSEARCH_ROOT") or os.path.dirname(HERE)
    if not os.path.isfile(os.path.join(root, "Package.swift")):
        sys.exit(
            f"masksearch: {root} is not the masksearch project (no Package.swift); build with "
            "`pip install ./python` from the project's root, or set MASKSEARCH_ROOT"
        )
    return os.path.abspath(root)


def build_engine():
    """Runs the release build and returns the path of the built library."""
    prebuilt = os.environ.get("MASKSEARCH_PREBUILT_LIBRARY")
    if prebuilt:
        return prebuilt
    root = project_root()
    if shutil.which("swift") is None:
        sys.exit("masksearch: building the engine needs the Swift 6 toolchain (`swift` on PATH)")
    print(f"masksearch: {BUILD_SCRIPT} {OUTPUT_DIR} (in {root})", flush=True)
    done = subprocess.run(["sh", BUILD_SCRIPT, OUTPUT_DIR], cwd=root, check=True, stdout=subprocess.PIPE, text=True)
    lines = done.stdout.strip().splitlines()
    if not lines:
        sys.exit(f"masksearch: {BUILD_SCRIPT} printed no library path")
    return os.path.join(root, lines[-1])


class BuildWithEngine(build_py):
    """build_py, then the engine library copied into the package's build directory."""

    def run(self):
        super().run()
        library = build_engine()
        if not os.path.isfile(library):
            sys.exit(f"masksearch: the build did not produce {library}")
        target = os.path.join(self.build_lib, "masksearch", LIBRARY)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(library, target)
        os.chmod(target, 0o755)


class PlatformWheel(bdist_wheel):
    """A wheel tagged py3-none-<platform>: it holds a native library but no CPython extension."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildWithEngine, "bdist_wheel": PlatformWheel})
