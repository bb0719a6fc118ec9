-- New passwords hashed with MD5 for this database's sessions (set per database, so that the
-- server's own setting is left alone).
-- scope: md5-passwords
-- expect: md5-passwords password_encryption
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET password_encryption = md5', current_database()); END $$;
