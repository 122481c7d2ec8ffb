"""`python -m qs_embed` is `qs-embed`."""

import sys

from qs_embed.cli import main

sys.exit(main())
