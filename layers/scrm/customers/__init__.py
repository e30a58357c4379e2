"""Customers: relations, profiles, tags, groups, employees; the event applier, the search and the admin."""
