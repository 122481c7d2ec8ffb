"""`qs-embed url`: mint one embed URL for a tenant's user and print it."""

from __future__ import annotations

import argparse
import json

from embedder.embedder import Embedder
from qs_embed.exit_codes import ExitCode


def cmd_url(args: argparse.Namespace) -> int:
    """Print the URL (or, with --json, the URL with its expiry, request id and status).

    The user asked for the URL, so this is the one place it is printed. Invalid tenant files
    and refused requests raise ConfigError/BadInputError, AWS failures a typed EmbedderError:
    `cli.main` prints them and exits 2 or 1.
    """
    embedder = Embedder.from_yaml(args.tenant_file, endpoint_url=args.endpoint_url)
    result = embedder.session_embed_url(
        args.user, entry_point=args.entry_point, lifetime_minutes=args.lifetime
    )
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(result.url)
    return ExitCode.OK
