-- expect: 2
ALTER TYPE mood ADD VALUE 'meh';
