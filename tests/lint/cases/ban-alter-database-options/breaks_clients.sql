-- expect: 2
ALTER DATABASE app SET statement_timeout = '5s';
