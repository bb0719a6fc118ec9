-- expect: none
CREATE SEQUENCE invoice_numbers;
