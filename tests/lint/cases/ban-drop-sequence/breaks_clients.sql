-- expect: 2
DROP SEQUENCE invoice_numbers;
