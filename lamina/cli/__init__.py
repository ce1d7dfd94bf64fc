"""The `lamina` command line."""
