"""Redlines: align two contracts by id, diff words inside changed paragraphs, render changes."""
