"""The callback route's intake (trust, type, key, make durable) and the redrive of what it parked."""
