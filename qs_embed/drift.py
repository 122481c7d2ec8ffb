"""`qs-embed drift`: the live account against the tenant files (read-only; `infra.drift`).

Exit 0 no drift, 3 drift found, 1 AWS refused or could not be reached, 2 bad input. With
`--policy`, prints the read-only IAM policy the command needs instead (nothing is read).
"""

from __future__ import annotations

import argparse
import json

import boto3

from embedder.redaction import install_log_redaction
from infra.drift.compare import drift_report
from infra.drift.live import LiveAccount
from infra.drift.policy import drift_reader_policy
from policies.shards import select_shard
from qs_embed.exit_codes import ExitCode
from qs_embed.shards import shard_from_args
from tenant_file.loader import load_tenant_files


def cmd_drift(args: argparse.Namespace) -> int:
    selection = shard_from_args(args)
    everyone = [tenant for _, tenant in load_tenant_files([args.tenants])]
    tenants = select_shard(everyone, selection)
    if args.policy:
        print(json.dumps(drift_reader_policy(tenants), indent=2))
        return ExitCode.OK
    install_log_redaction()
    live = LiveAccount(boto3.Session(), endpoint_url=args.endpoint_url)
    report = drift_report(tenants, everyone, live, selection)
    print(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    return ExitCode.DRIFT if report.drifted else ExitCode.OK
