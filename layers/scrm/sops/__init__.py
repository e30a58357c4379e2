"""SOPs (timed message plans), one folder for the feature: spec.py (the plan), targets.py (who it is for),
schedule.py (when its steps fall due), sop.py (the Sop aggregate: its transitions), model.py (one import point for those three), service.py (the admin
side), enrolment.py (the due index), planner.py (the every-minute tick), reminders.py (the member's notice),
ports.py, repository.py (DynamoDB) and wiring.py (how bootstrap builds it)."""
