"""Lessons in the window: the browser (Help → Lessons, and the start page) and its runner."""
