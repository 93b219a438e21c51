"""The reviewed table of the services RCPs apply to (``enjoin/engine/rcp_services.json``)."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from urllib.parse import urlsplit

from enjoin.engine.layers import RCP_SERVICE_ROWS, RCP_SERVICES

PAGE = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html"
# The services RCPs applied to at launch (the engine's list before it read the page's current one).
LAUNCH = {"s3", "sts", "kms", "sqs", "secretsmanager"}


def test_every_row_has_a_prefix_a_name_and_a_citation_on_docs_aws() -> None:
    offenders = [
        row
        for row in RCP_SERVICE_ROWS
        if not re.fullmatch(r"[a-z0-9-]+", row.prefix)
        or not row.name.strip()
        or urlsplit(row.citation).scheme != "https"
        or urlsplit(row.citation).netloc != "docs.aws.amazon.com"
    ]
    assert offenders == []


def test_every_row_cites_the_list_on_the_rcp_page() -> None:
    assert {row.citation for row in RCP_SERVICE_ROWS} == {f"{PAGE}#rcp-supported-services"}


def test_no_service_is_listed_twice() -> None:
    assert [prefix for prefix, n in Counter(row.prefix for row in RCP_SERVICE_ROWS).items() if n > 1] == []
    assert [name for name, n in Counter(row.name for row in RCP_SERVICE_ROWS).items() if n > 1] == []


def test_the_launch_services_and_dynamodb_are_listed() -> None:
    assert LAUNCH | {"dynamodb"} <= RCP_SERVICES
    assert "lambda" not in RCP_SERVICES  # the corpus's case of a service RCPs are not known to cover


def test_the_engine_reads_every_row_of_the_file() -> None:
    text = resources.files("enjoin.engine").joinpath("rcp_services.json").read_text(encoding="utf-8")
    table = json.loads(text)
    assert table["page"] == PAGE
    assert [row["prefix"] for row in table["services"]] == [row.prefix for row in RCP_SERVICE_ROWS]
    assert all(set(row) == {"prefix", "name", "citation"} for row in table["services"])
    assert frozenset(row["prefix"] for row in table["services"]) == RCP_SERVICES
