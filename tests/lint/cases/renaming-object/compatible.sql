-- expect: none
ALTER TABLE orders RENAME COLUMN note TO remark;
