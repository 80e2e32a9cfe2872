"""Every string refsite prints for a terminal or a program: text, JSON, CSV, CI annotations."""
