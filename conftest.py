"""Wiring only: the step definitions and fixtures the feature files use."""

pytest_plugins = [
    "enjoin.pytest_plugin.fixtures",
    "enjoin.pytest_plugin.steps.deployment",
    "enjoin.pytest_plugin.steps.clause",
    "enjoin.pytest_plugin.steps.order",
]
