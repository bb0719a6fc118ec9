-- expect: none
CREATE SEQUENCE invoice_numbers START WITH 1000;
