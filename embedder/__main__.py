"""`python -m embedder` is `qs-embed`."""

import sys

from embedder.cli import main

sys.exit(main())
