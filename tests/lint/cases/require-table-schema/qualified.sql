-- expect: none
CREATE TABLE public.t (id bigint);
CREATE TEMP TABLE scratch (id bigint);
