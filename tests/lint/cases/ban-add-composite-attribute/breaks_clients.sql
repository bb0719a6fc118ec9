-- expect: 2
ALTER TYPE address ADD ATTRIBUTE zip text;
