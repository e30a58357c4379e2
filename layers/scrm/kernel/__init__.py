"""The shared kernel the feature packages build on (see docs/architecture.md, "Issue 17")."""
