"""Scripts run from the project folder with `python -m scripts.<name>` (e.g. by `make ui`)."""
