"""Contact statistics: customers and group members counted from events, the reports, the nightly reconcile."""
