"""Installs the `gaon` package from a CMake build, offline:

    make                                   # builds build/python/gaon
    /usr/bin/python3 -m pip install --no-build-isolation --no-index ./python
        [--user | --target=DIR | into a venv]

The extension (_gaon) and the compiler driver come from the build (set
GAON_BUILD_DIR when it is not ../build); the installed package records the
build's bin folder, where gaon.compile finds gaonc.
"""
import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(os.environ.get("GAON_BUILD_DIR",
                                       os.path.join(HERE, "..", "build")))
BUILT = os.path.join(BUILD, "python", "gaon")
modules = glob.glob(os.path.join(BUILT, "_gaon*.so"))
if not modules:
    raise SystemExit("no built extension in %s: run make (or set "
                     "GAON_BUILD_DIR to the CMake build folder)" % BUILT)


class BuildWithBinaries(build_py):
    """Adds the built extension and the path of the build's tools."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "gaon")
        for module in modules:
            shutil.copy(module, target)
        with open(os.path.join(target, "_paths.py"), "w") as f:
            f.write("# Written by setup.py: the build this package came from.\n"
                    "BIN = %r\n" % os.path.join(BUILD, "bin"))


setup(
    name="gaon",
    version=open(os.path.join(HERE, "..", "runtime", "include", "gaon",
                              "runtime.h")).read().split('GAON_VERSION "')[1].split('"')[0],
    description="Gaon: compile ONNX models for NPUs and run them",
    packages=["gaon"],
    package_dir={"gaon": "gaon"},
    cmdclass={"build_py": BuildWithBinaries},
    python_requires=">=3.9",
    zip_safe=False,
)
