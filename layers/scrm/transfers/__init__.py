"""Transfers of customers and groups: one folder for the feature (issue 17; modules move here in a later slice)."""
