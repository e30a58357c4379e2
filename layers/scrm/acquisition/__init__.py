"""Acquisition: what an arrival through a live code does; adds, losses and welcomes counted per code."""
