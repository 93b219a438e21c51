"""Builds enjoin's one compiled module, the core of the concrete decision (src/enjoin/engine/_fast.pyx).

Everything else is in pyproject.toml. The module is required: ``pip install .`` fails if it cannot be
compiled (a C compiler and the Python headers are needed), rather than leaving a slower engine behind.
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("enjoin.engine._fast", ["src/enjoin/engine/_fast.pyx"])],
        compiler_directives={"language_level": "3"},
        # The generated C stays in the build tree: it is not part of the installed package.
        build_dir="build/cython",
    )
)
