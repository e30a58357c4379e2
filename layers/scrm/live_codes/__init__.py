"""Live codes (活码), one folder for the feature: channel_code.py (渠道活码: the ChannelCode aggregate, its
schedule, caps and WeCom body) and group_code.py (群活码), keys.py (how codes are keyed, WriteLost),
service.py (what the admin API and the CLI do with codes), staffing.py (a code's staff for right now),
ports.py, repository.py (DynamoDB), wiring.py (how bootstrap builds it). Their WeCom calls
(adapters/wecom/live_code_calls.py) stay mixed into the shared gateway."""
