"""Moment tasks (客户朋友圈, issue 20): spec, aggregate, service, WeCom calls and storage."""
