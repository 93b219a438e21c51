"""A holding named by Terraform address (``resource: module.data.aws_s3_bucket.claims``), resolved to its objects.

A user who writes Terraform knows a bucket by its address, not always by its name (``bucket_prefix``, a name
built from variables). enjoin.yaml may name an ``aws_s3_bucket`` instance of a plan among its ``templates:``,
with its instance key where it has one (``aws_s3_bucket.store["claims"]``); the holding then means the objects
of the bucket that instance creates (``arn:aws:s3:::NAME/*``), as enjoin's translation deploys it. A bucket whose
name the plan knows only after apply is not deployed by enjoin (its translation is unmodeled), so it cannot be
a holding: the error says so, as it does for an address no plan holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from enjoin.config_model import Template
from enjoin.errors import ConfigError, EnjoinError
from enjoin.iac.terraform.plan import Plan, load_plan, sniff

# A managed resource instance's address: module steps, then type.name, each with an optional instance key.
_KEY = r'(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?'
ADDRESS = re.compile(rf"(?:module\.[A-Za-z_][\w-]*{_KEY}\.)*aws_[a-z0-9_]+\.[A-Za-z_][\w-]*{_KEY}\Z")


def is_address(resource: str) -> bool:
    """Whether a holding's ``resource`` names a Terraform resource address rather than an ARN pattern."""
    return ADDRESS.match(resource) is not None


def holding_resource(address: str, templates: Iterable[Template], where: str) -> str:
    """The ARN pattern of the objects of the bucket the address creates.

    Raises:
        ConfigError: naming the holding (``where``) when no plan among the templates holds the address as an
            ``aws_s3_bucket`` instance with a name known at plan time.
    """
    plans = list(_plans(templates))
    if not plans:
        raise ConfigError(where, "an ARN pattern (a Terraform address only with a Terraform plan in templates:)",
                          repr(address))
    buckets: list[str] = []
    for plan in plans:
        for instance in plan.instances:
            if instance.mode != "managed" or instance.type != "aws_s3_bucket":
                continue
            buckets.append(instance.address)
            if instance.address != address:
                continue
            name = instance.values.get("bucket")
            if not isinstance(name, str) or not name:
                raise ConfigError(where, f"a bucket whose name {plan.shown} knows before apply (enjoin deploys "
                                  "no other)", f"{address}, its name known only after apply")
            return f"arn:aws:s3:::{name}/*"
    shown = ", ".join(p.shown for p in plans)
    near = [b for b in buckets if b.startswith(address + "[")]
    expected = (f"one instance of {address} ({', '.join(near)})" if near else
                f"the address of an aws_s3_bucket {shown} creates ({', '.join(buckets) or 'none'})")
    raise ConfigError(where, expected, repr(address))


def _plans(templates: Iterable[Template]) -> Iterable[Plan]:
    for entry in templates:
        document = sniff(entry.path)
        if document is None:
            continue
        try:
            yield load_plan(entry.path, document)
        except EnjoinError:
            continue  # deploy says what is wrong with the plan, naming it
