"""Scripts (话术库) and materials (素材库) for the sidebar's one-tap sends (issue 19, item 3)."""
