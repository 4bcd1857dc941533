"""The analyst notebooks, kept as jupytext percent-format `.py` files, and their runner."""
