"""Crawling the Hub (or the replica): the paginated listing and, later, the cards."""
