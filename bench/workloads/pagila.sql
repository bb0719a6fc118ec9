-- Pagila (github.com/devrimgunduz/pagila): a DVD rental shop's application workload.
-- Each block: "-- query: NAME", "-- calls: N", "-- params: SQL" (a query over the sample's own
-- data whose rows are the parameter values, $1, $2, ..., cycled through N calls), then the
-- statement, run with server-side parameters so pg_stat_statements records it as written.

-- query: customer_recent_rentals
-- calls: 40
-- params: SELECT customer_id FROM customer ORDER BY customer_id * 37 % 599 LIMIT 40
SELECT r.rental_id, r.rental_date, r.return_date, f.title
FROM rental r JOIN inventory i ON i.inventory_id = r.inventory_id JOIN film f ON f.film_id = i.film_id
WHERE r.customer_id = $1 ORDER BY r.rental_date DESC LIMIT 20;

-- query: customer_payments
-- calls: 40
-- params: SELECT customer_id FROM customer ORDER BY customer_id * 53 % 599 LIMIT 40
SELECT payment_id, amount, payment_date FROM payment WHERE customer_id = $1 ORDER BY payment_date DESC;

-- query: payments_of_rental
-- calls: 40
-- params: SELECT rental_id FROM rental ORDER BY rental_id * 7919 % 16049 LIMIT 40
SELECT payment_id, amount, payment_date FROM payment WHERE rental_id = $1;

-- query: customer_by_email
-- calls: 30
-- params: SELECT email FROM customer ORDER BY customer_id * 31 % 599 LIMIT 30
SELECT customer_id, first_name, last_name, active FROM customer WHERE email = $1;

-- query: customer_last_name_prefix
-- calls: 30
-- params: SELECT DISTINCT substr(last_name, 1, 3) || '%' FROM customer ORDER BY 1 LIMIT 30
SELECT customer_id, first_name, last_name FROM customer WHERE last_name LIKE $1 ORDER BY last_name LIMIT 20;

-- query: film_title_search
-- calls: 30
-- params: SELECT '%' || lower(substr(title, 3, 4)) || '%' FROM film ORDER BY film_id * 17 % 1000 LIMIT 30
SELECT film_id, title, rental_rate FROM film WHERE title ILIKE $1 ORDER BY title LIMIT 20;

-- query: rentals_of_day
-- calls: 30
-- params: SELECT d, d + interval '1 day' FROM generate_series(timestamptz '2022-05-24', '2022-08-22', interval '3 days') d
SELECT rental_id, customer_id, inventory_id FROM rental WHERE rental_date >= $1 AND rental_date < $2 ORDER BY rental_date;

-- query: payments_of_week
-- calls: 30
-- params: SELECT d, d + interval '7 days' FROM generate_series(timestamptz '2022-01-24', '2022-07-20', interval '6 days') d
SELECT payment_id, customer_id, amount FROM payment WHERE payment_date >= $1 AND payment_date < $2 ORDER BY payment_date LIMIT 50;

-- query: overdue_rentals
-- calls: 20
-- params: SELECT d FROM generate_series(timestamptz '2022-06-01', '2022-08-30', interval '4 days') d
SELECT r.rental_id, r.rental_date, c.email FROM rental r JOIN customer c ON c.customer_id = r.customer_id
WHERE r.return_date IS NULL AND r.rental_date < $1 ORDER BY r.rental_date LIMIT 50;

-- query: top_films_of_category
-- calls: 32
-- params: SELECT category_id FROM category ORDER BY category_id
SELECT f.title, count(*) AS rentals
FROM rental r JOIN inventory i ON i.inventory_id = r.inventory_id JOIN film f ON f.film_id = i.film_id
JOIN film_category fc ON fc.film_id = f.film_id
WHERE fc.category_id = $1 GROUP BY f.title ORDER BY rentals DESC, f.title LIMIT 10;

-- query: film_cast
-- calls: 40
-- params: SELECT film_id FROM film ORDER BY film_id * 13 % 1000 LIMIT 40
SELECT a.actor_id, a.first_name, a.last_name FROM film_actor fa JOIN actor a ON a.actor_id = fa.actor_id
WHERE fa.film_id = $1 ORDER BY a.last_name;

-- query: actor_filmography
-- calls: 40
-- params: SELECT actor_id FROM actor ORDER BY actor_id * 11 % 200 LIMIT 40
SELECT f.film_id, f.title, f.release_year FROM film_actor fa JOIN film f ON f.film_id = fa.film_id
WHERE fa.actor_id = $1 ORDER BY f.title;

-- query: staff_daily_revenue
-- calls: 20
-- params: SELECT s.staff_id, d, d + interval '14 days' FROM staff s, generate_series(timestamptz '2022-02-01', '2022-06-15', interval '14 days') d ORDER BY d, s.staff_id LIMIT 20
SELECT date_trunc('day', payment_date) AS day, sum(amount) FROM payment
WHERE staff_id = $1 AND payment_date >= $2 AND payment_date < $3 GROUP BY 1 ORDER BY 1;

-- query: customers_of_city
-- calls: 30
-- params: SELECT city FROM city ORDER BY city_id * 29 % 600 LIMIT 30
SELECT c.customer_id, c.first_name, c.last_name FROM customer c JOIN address a ON a.address_id = c.address_id
JOIN city ci ON ci.city_id = a.city_id WHERE ci.city = $1;

-- query: open_rental_of_inventory
-- calls: 40
-- params: SELECT inventory_id FROM inventory ORDER BY inventory_id * 101 % 4581 LIMIT 40
SELECT rental_id, customer_id FROM rental WHERE inventory_id = $1 AND return_date IS NULL;
