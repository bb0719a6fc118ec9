-- Every server setting, for checks that judge configuration.
SELECT name, setting, unit, source, vartype, boot_val, reset_val, pending_restart
FROM pg_catalog.pg_settings
ORDER BY name
