-- Northwind (github.com/pthom/northwind_psql): a trading company's application workload.
-- Format: see pagila.sql.

-- query: customer_orders
-- calls: 40
-- params: SELECT customer_id FROM customers ORDER BY customer_id LIMIT 40
SELECT order_id, order_date, shipped_date, freight FROM orders WHERE customer_id = $1 ORDER BY order_date DESC;

-- query: order_lines
-- calls: 40
-- params: SELECT order_id FROM orders ORDER BY order_id * 37 % 830 LIMIT 40
SELECT od.product_id, p.product_name, od.quantity, od.unit_price FROM order_details od
JOIN products p ON p.product_id = od.product_id WHERE od.order_id = $1;

-- query: orders_of_week
-- calls: 30
-- params: SELECT d::date, (d + interval '7 days')::date FROM generate_series(timestamp '1996-07-04', '1998-05-01', interval '23 days') d LIMIT 30
SELECT order_id, customer_id, freight FROM orders WHERE order_date >= $1 AND order_date < $2 ORDER BY order_date;

-- query: late_unshipped_orders
-- calls: 20
-- params: SELECT d::date FROM generate_series(timestamp '1998-04-01', '1998-06-30', interval '4 days') d LIMIT 20
SELECT order_id, customer_id, required_date FROM orders WHERE shipped_date IS NULL AND required_date < $1 ORDER BY required_date;

-- query: employee_sales_of_quarter
-- calls: 27
-- params: SELECT e.employee_id, d::date, (d + interval '3 months')::date FROM employees e, generate_series(timestamp '1996-07-01', '1998-04-01', interval '9 months') d ORDER BY d, e.employee_id
SELECT count(*), sum(freight) FROM orders WHERE employee_id = $1 AND order_date >= $2 AND order_date < $3;

-- query: product_name_prefix
-- calls: 30
-- params: SELECT DISTINCT substr(product_name, 1, 2) || '%' FROM products ORDER BY 1 LIMIT 30
SELECT product_id, product_name, unit_price FROM products WHERE product_name LIKE $1 ORDER BY product_name;

-- query: customer_search
-- calls: 30
-- params: SELECT '%' || lower(substr(company_name, 3, 4)) || '%' FROM customers ORDER BY customer_id LIMIT 30
SELECT customer_id, company_name, city FROM customers WHERE company_name ILIKE $1 ORDER BY company_name LIMIT 20;

-- query: products_of_category
-- calls: 24
-- params: SELECT category_id FROM categories ORDER BY category_id
SELECT product_id, product_name, unit_price FROM products WHERE category_id = $1 AND discontinued = 0 ORDER BY product_name;

-- query: product_sales
-- calls: 40
-- params: SELECT product_id FROM products ORDER BY product_id * 13 % 77 LIMIT 40
SELECT p.product_name, sum(od.quantity * od.unit_price) AS sales FROM order_details od
JOIN products p ON p.product_id = od.product_id WHERE od.product_id = $1 GROUP BY p.product_name;

-- query: top_customers_of_quarter
-- calls: 20
-- params: SELECT d::date, (d + interval '3 months')::date FROM generate_series(timestamp '1996-07-01', '1998-04-01', interval '1 month') d LIMIT 20
SELECT o.customer_id, sum(od.unit_price * od.quantity) AS sales FROM orders o JOIN order_details od ON od.order_id = o.order_id
WHERE o.order_date >= $1 AND o.order_date < $2 GROUP BY o.customer_id ORDER BY sales DESC LIMIT 10;

-- query: recent_orders_of_country
-- calls: 21
-- params: SELECT DISTINCT ship_country FROM orders ORDER BY 1
SELECT order_id, ship_city, order_date FROM orders WHERE ship_country = $1 ORDER BY order_date DESC LIMIT 20;

-- query: supplier_products
-- calls: 29
-- params: SELECT supplier_id FROM suppliers ORDER BY supplier_id
SELECT product_id, product_name FROM products WHERE supplier_id = $1 ORDER BY product_name;

-- query: low_stock
-- calls: 20
-- params: SELECT g FROM generate_series(1, 40, 2) g
SELECT product_id, product_name, units_in_stock FROM products WHERE units_in_stock < $1 AND discontinued = 0 ORDER BY units_in_stock;

-- query: customers_of_city
-- calls: 30
-- params: SELECT DISTINCT city FROM customers ORDER BY 1 LIMIT 30
SELECT customer_id, company_name, contact_name FROM customers WHERE city = $1;

-- query: late_shipments_of_shipper
-- calls: 21
-- params: SELECT s.shipper_id FROM shippers s, generate_series(1, 7) ORDER BY 1
SELECT count(*) FROM orders WHERE ship_via = $1 AND shipped_date > required_date;
