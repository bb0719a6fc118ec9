-- expect: 2
ALTER VIEW active_users SET (security_invoker = true);
