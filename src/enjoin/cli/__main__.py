"""``python -m enjoin.cli``: the same as the ``enjoin`` command."""

from enjoin.cli import main

raise SystemExit(main())
