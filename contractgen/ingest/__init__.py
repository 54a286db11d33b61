"""Reading existing Word contracts: numbering, paragraphs, tracked changes (issue 14)."""
