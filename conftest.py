"""Wiring only: the step definitions and fixtures the feature files use."""

pytest_plugins = [
    "fixtures.judgments",
    "steps.deployment_steps",
    "steps.clause_steps",
    "steps.order_steps",
]
