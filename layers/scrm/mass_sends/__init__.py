"""Mass sends (企业群发), one folder for the feature: spec.py (what to whom), model.py (the MassSend and Part
aggregates, the planner), quota.py and ledger.py (WeCom's receive quota), service.py with planning.py and
calls.py (use cases), runner.py and commands.py (queue steps), ports.py, repository.py and recipients.py
(DynamoDB), wecom.py (WeCom's calls), wiring.py (how bootstrap builds it)."""
