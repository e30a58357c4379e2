"""Corps (tenants): their WeCom credentials, access tokens and admin API keys."""
