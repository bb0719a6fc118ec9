-- expect: none
GRANT SELECT ON orders TO reporting;
