"""The local stack: moto server (DynamoDB, SQS, Secrets Manager), the WeCom sandbox, and the Chalice app
with its SQS consumers and scheduled jobs, all on loopback, no AWS account and no internet."""
