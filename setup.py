"""Package discovery that cannot drift from the source tree.

Every folder under ``app/modelyard`` is found by setuptools' namespace finder (so a subpackage
without ``__init__.py`` is not silently left out), and ``resources/`` ships as
the data package ``modelyard.resources``; the metadata lives in pyproject.toml. (pyproject.toml
alone cannot map a second source root next to a package finder.)
"""

from setuptools import find_namespace_packages, setup

setup(
    package_dir={"": "app", "modelyard.resources": "resources"},
    packages=[
        *find_namespace_packages(
            where="app", include=["modelyard", "modelyard.*"], exclude=["*.__pycache__"]
        ),
        "modelyard.resources",
    ],
)
