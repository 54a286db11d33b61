"""Renderers: plain text (the model's text), DOCX."""
