"""A layer added to an existing function (enjoin.reach_layers), over hand-built snapshots.

CMS runs the function ``extract`` as Pipeline, which reads the claims. DHS assumes Steward, a CMS role; what
Steward may do to the function and to layers is each test's subject.
"""

from __future__ import annotations

from typing import Any

from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Function, NamedPolicy, Role, Snapshot
from reach_common import BUCKET, CLAIMS, CMS, DHS, PARTY, REGION, STEWARD, TRUST_DHS, allow, deny, doc, steps

PIPELINE = f"arn:aws:iam::{CMS}:role/Pipeline"
FUNCTION = f"arn:aws:lambda:{REGION}:{CMS}:function:extract"
LAMBDA_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
CONFIGURE = allow("lambda:UpdateFunctionConfiguration", FUNCTION)
USE_ANY_LAYER = allow("lambda:GetLayerVersion", "*")
DHS_LAYER = f"arn:aws:lambda:{REGION}:{DHS}:layer:enjoin-probe:1"


def reach(*statements: dict[str, Any], package_type: str | None = "Zip") -> Reach:
    roles = (
        Role(STEWARD, "Steward", CMS, TRUST_DHS, inline_policies=(NamedPolicy("p", doc(*statements)),)),
        Role(PIPELINE, "Pipeline", CMS, LAMBDA_TRUST,
             inline_policies=(NamedPolicy("p", doc(allow("s3:GetObject", f"{BUCKET}/*"))),)),
    )
    function = Function(FUNCTION, "extract", CMS, REGION, PIPELINE, package_type=package_type)
    bucket = Bucket(BUCKET, "claims", CMS, REGION, None, ownership="BucketOwnerEnforced")
    snap = Snapshot((CMS, DHS), roles=roles, buckets=(bucket,), functions=(function,))
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


def test_a_role_that_may_configure_a_function_adds_a_dhs_layer_and_runs_as_its_role() -> None:
    found = reach(CONFIGURE, USE_ANY_LAYER)
    path = steps(found)[0]
    assert [h[1:] for h in path[1:3]] == [("lambda:UpdateFunctionConfiguration", FUNCTION),
                                         ("lambda:GetLayerVersion", DHS_LAYER)]
    assert path[3][:2] == (PIPELINE, "s3:GetObject")
    assert found.accesses[0].hops[1].context["lambda:Layer"] == DHS_LAYER
    assert "WrittenByThePartyForTheFunctionAccount" in {s.sid for s in found.accesses[0].hops[2].statements}


def test_no_permission_to_use_a_layer_is_no_path() -> None:
    assert reach(CONFIGURE).accesses == ()


def test_a_function_packaged_as_an_image_takes_no_layer() -> None:
    assert reach(CONFIGURE, USE_ANY_LAYER, package_type="Image").accesses == ()


def test_a_lambda_layer_condition_that_admits_cms_layers_only_needs_a_layer_steward_publishes() -> None:
    own_layers = {"StringLike": {"lambda:Layer": f"arn:aws:lambda:*:{CMS}:layer:*"}}
    configure = {**CONFIGURE, "Condition": own_layers}
    assert reach(configure, USE_ANY_LAYER).accesses == ()
    found = reach(configure, USE_ANY_LAYER, allow("lambda:PublishLayerVersion", f"arn:aws:lambda:*:{CMS}:layer:etl-*"))
    actions = [h[1] for h in steps(found)[0]]
    assert actions[1:4] == ["lambda:PublishLayerVersion", "lambda:UpdateFunctionConfiguration",
                            "lambda:GetLayerVersion"]
    assert found.accesses[0].hops[1].resource == f"arn:aws:lambda:{REGION}:{CMS}:layer:etl-enjoin-probe"


def test_a_deny_of_the_update_outweighs_the_allow() -> None:
    assert reach(CONFIGURE, USE_ANY_LAYER, deny("lambda:UpdateFunctionConfiguration", "*")).accesses == ()
