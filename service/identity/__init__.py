"""Who uses the fabric: users and roles, API tokens, quotas, the audit trail."""
