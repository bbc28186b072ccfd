"""What tests share: opening windows and boards, running the CLI, registry set-up, files.
Test modules import from here, never from each other."""
