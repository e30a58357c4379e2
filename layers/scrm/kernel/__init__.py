"""The shared kernel every feature builds on: errors, the WeCom error registry, and (later) clock, queue bus
and DynamoDB helpers. It imports nothing from the rest of ``scrm``, so any layer may import it."""
