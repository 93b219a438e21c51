"""Binds every scenario of the case's feature files (shipped in the package) to pytest (pytest-bdd)."""

from pytest_bdd import scenarios

scenarios("../src/enjoin/cases/ca-v-hhs/features")
