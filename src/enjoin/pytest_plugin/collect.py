"""The configuration file as a test file: ``enjoin.yaml`` is collected, and its children are the scenarios.

A repository that holds only an ``enjoin.yaml`` and its templates has no test module to bind feature files to,
so enjoin collects the configuration itself: its items are the scenarios of the case's feature files shipped with
enjoin (``enjoin/cases/<case>/features/``; for a case given as a path ``cases/x.yaml``, ``cases/x/features/``), then
those of the repository's own feature files (``enjoin_features``), every one run with enjoin's steps. pytest shows
them as ``enjoin.yaml::test_<scenario>``.

The configuration is loaded (and so checked) here, before anything is deployed: a mistake in it is the
collection error of ``enjoin.yaml``, one line, and the run ends with exit code 2.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from enjoin.errors import ConfigError, EnjoinError


def shipped_features(case_name_or_path: str, config_dir: Path) -> Path | None:
    """The feature directory of a case: shipped with enjoin, or beside a case file given as a path."""
    from importlib import resources

    from enjoin.case import shipped_cases

    if case_name_or_path in shipped_cases():
        directory = Path(str(resources.files("enjoin").joinpath("cases"))) / case_name_or_path / "features"
    else:
        case_file = config_dir / case_name_or_path
        directory = case_file.parent / case_file.stem / "features"
    return directory if directory.is_dir() else None


class ConfigFile(pytest.Module):
    """``enjoin.yaml`` as a pytest module whose test functions are the scenarios of its feature files."""

    features: tuple[Path, ...] = ()
    shipped: bool = True

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        # pytest also makes this collector when it only walks past the file (collecting a sibling); only a
        # collection that reaches it makes the verdict part of the run.
        self._session_state().collected = True
        return super().collect()

    def _getobj(self) -> types.ModuleType:
        module = types.ModuleType(f"enjoin_scenarios_{abs(hash(str(self.path)))}")
        module.__file__ = str(self.path)
        for name, function in self._scenario_functions():
            setattr(module, name, function)
        return module

    def _feature_paths(self) -> list[Path]:
        from enjoin.config import load

        try:
            config = load(self.path)
        except EnjoinError as exc:
            self._session_state().record(exc, shown=True)
            raise self.CollectError(f"enjoin: {exc}") from None
        paths = []
        if self.shipped:
            directory = shipped_features(config.case, config.path.parent)
            if directory is None and not self.features:
                error = ConfigError(
                    f"{self.path}: case",
                    "a case with feature files (enjoin's shipped cases, or cases/x/features/ beside a case file "
                    "cases/x.yaml), or the repository's own in enjoin_features",
                    f"no feature files for case {config.case!r}",
                )
                self._session_state().record(error, shown=True)
                raise self.CollectError(f"enjoin: {error}")
            if directory is not None:
                paths.append(directory)
        paths.extend(self.features)
        return paths

    def _scenario_functions(self) -> Iterable[tuple[str, Any]]:
        from pytest_bdd.feature import get_features
        from pytest_bdd.scenario import get_python_name_generator, scenario

        try:
            features = get_features([str(p) for p in self._feature_paths()])
        except pytest.Collector.CollectError:
            raise
        except Exception as exc:  # pytest-bdd's parse errors: a feature file the repository wrote is malformed
            error = ConfigError("feature files", "Gherkin that pytest-bdd parses", f"{type(exc).__name__}: {exc}")
            self._session_state().record(error, shown=True)
            raise self.CollectError(f"enjoin: {error}") from None
        for feature in features:
            self._check_asserts(feature)
        taken: set[str] = set()
        for feature in features:
            for scenario_name in feature.scenarios:
                bound = scenario(feature.filename, scenario_name, features_base_dir=str(Path(feature.filename).parent))

                def _scenario() -> None:
                    pass  # pragma: no cover - pytest-bdd's wrapper runs the steps

                function = bound(_scenario)
                name = next(n for n in get_python_name_generator(scenario_name) if n not in taken)
                taken.add(name)
                yield name, function

    def _check_asserts(self, feature: Any) -> None:
        """A feature file without scenarios, or a scenario without a Then step, asserts nothing: pytest-bdd would
        pass it silently (its parser accepts a step with no text, or a line that is not Gherkin, as description)."""
        problem = None
        if not feature.scenarios:
            problem = "no scenario"
        for name, template in feature.scenarios.items():
            if not any(step.type == "then" and step.name.strip() for step in template.steps):
                problem = f"scenario {name!r} (line {template.line_number}) with no Then step"
                break
        if problem is not None:
            error = ConfigError(feature.filename, "feature files whose every scenario asserts something (a Then step)",
                                problem)
            self._session_state().record(error, shown=True)
            raise self.CollectError(f"enjoin: {error}")

    def _session_state(self) -> Any:
        from enjoin.pytest_plugin import state_of

        return state_of(self.config)
