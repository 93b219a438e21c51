"""Binds every scenario of the feature files in this folder to pytest (pytest-bdd)."""

from pytest_bdd import scenarios

scenarios(".")
