"""`python -m offermap` runs the command line."""

from offermap.cli import main

main()
