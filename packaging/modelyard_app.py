"""Entry point of the frozen app: no arguments opens the window; the CLI's sub-commands work."""

from modelyard.cli import main

if __name__ == "__main__":
    main()
