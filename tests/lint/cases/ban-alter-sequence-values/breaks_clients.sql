-- expect: 2
ALTER SEQUENCE invoice_numbers RESTART WITH 1000;
