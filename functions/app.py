"""The Chalice app: it only wires the blueprints; each folder holds one kind of entry point.

- callbacks/  WeCom's callback route (answers WeCom, enqueues)
- admin/      the admin API (its own Lambda function and API Gateway API)
- consumers/  SQS consumers that apply events
- scheduled/  timed jobs
Handlers import their dependencies lazily, so each Lambda function loads only what it uses.
"""

from admin import bp as admin_bp
from callbacks import bp as callbacks_bp
from chalice import Chalice
from consumers import bp as consumers_bp
from scheduled import bp as scheduled_bp

# The app name differs from the logger name "scrm", which Chalice would otherwise claim for its own
# plain-text handler (every line would be written twice).
app = Chalice(app_name="wecom-scrm")
app.register_blueprint(callbacks_bp)
app.register_blueprint(consumers_bp)
app.register_blueprint(scheduled_bp)
app.register_blueprint(admin_bp)
