"""infra/terraform/ is what scripts/gen_terraform_plans.py writes, and each plan holds the documented fields."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_files_are_what_the_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("gen_terraform_plans", ROOT / "scripts" / "gen_terraform_plans.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    stale = sorted(str(p.relative_to(ROOT)) for p, text in module.files().items()
                   if not p.is_file() or p.read_text(encoding="utf-8") != text)
    assert stale == [], "run python3 scripts/gen_terraform_plans.py"


def test_each_plan_holds_the_documented_fields() -> None:
    for path in sorted((ROOT / "infra" / "terraform").rglob("plan.json")):
        plan = json.loads(path.read_text())
        assert {"format_version", "planned_values", "resource_changes", "prior_state", "configuration"} <= set(plan)
        for change in plan["resource_changes"]:
            assert {"address", "mode", "type", "name", "provider_name", "change"} <= set(change), path
            assert {"actions", "before", "after", "after_unknown"} <= set(change["change"]), path
        for module in plan["planned_values"]["root_module"]["child_modules"]:
            for resource in module["resources"]:
                assert {"address", "mode", "type", "name", "provider_name", "values", "sensitive_values"} <= set(
                    resource), path
                assert resource["address"].startswith(module["address"] + "."), path
        assert set(plan["configuration"]["provider_config"]) == {"aws", "aws.dhs"}
