"""The `tribe-sync` command line: one module per command group, composed in `main`."""
