"""Welcome messages: their content (checked when saved) and the sender that beats the 20 s deadline."""
