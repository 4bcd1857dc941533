"""offermap."""
