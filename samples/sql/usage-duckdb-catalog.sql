-- keyaudit pre-aggregated usage for DuckDB, with ids folded out of paths by the route catalog.
--
--   keyaudit catalog list --format csv > catalog.csv        # add --appwrite-version V for another version
--   duckdb -csv -c "SET VARIABLE logs = 'logs/*.jsonl.gz'" -c "SET VARIABLE catalog = 'catalog.csv'" \
--          -c ".read samples/sql/usage-duckdb-catalog.sql" > usage.csv
--   keyaudit audit --keys keys.json --usage usage.csv
--
-- As usage-duckdb.sql, but a path segment that no route of the method has as a literal at its position
-- (an id, a name) becomes {id}: /v1/tablesdb/shop/tables/orders/rows/6a1f... is written
-- /v1/tablesdb/{id}/tables/{id}/rows/{id}. keyaudit's router resolves a path from that shape alone, so the
-- findings are the same while the rows are far fewer. With `catalog list --appwrite-version all`, also
-- SET VARIABLE version = '1.9' (the version you audit).

SET TimeZone = 'UTC';

WITH raw AS (
    SELECT * FROM read_json(getvariable('logs'), format = 'newline_delimited', ignore_errors = true,
        columns = {time: 'VARCHAR', project: 'VARCHAR', key: 'VARCHAR', method: 'VARCHAR', path: 'VARCHAR',
                   status: 'BIGINT', error: 'VARCHAR'})
),
calls AS (
    SELECT project, key, upper(method) AS method,
           regexp_replace(regexp_replace(path, '^[A-Za-z][A-Za-z0-9+.-]*://[^/]*', ''), '[?#].*$', '') AS path,
           status, error, try_cast(time AS TIMESTAMPTZ) AS seen
    FROM raw
    WHERE key <> '' AND path <> '' AND regexp_full_match(method, '[A-Za-z]{1,16}')
      AND (status IS NULL OR status BETWEEN 100 AND 599)
),
routes AS (
    SELECT method, string_split(trim(route, '/'), '/') AS parts
    FROM read_csv(getvariable('catalog'), all_varchar = true)
    WHERE getvariable('version') IS NULL OR version = getvariable('version')
),
literals AS (
    SELECT DISTINCT method, position, segment
    FROM (SELECT method, unnest(parts) AS segment, unnest(generate_series(1, len(parts))) AS position FROM routes)
    WHERE segment NOT LIKE '{%' AND segment NOT LIKE ':%' AND segment <> '*'
),
paths AS (
    SELECT method, path, string_split(CASE WHEN trimmed = '' THEN 'v1'
                                           WHEN trimmed = 'v1' OR starts_with(trimmed, 'v1/') THEN trimmed
                                           ELSE 'v1/' || trimmed END, '/') AS parts
    FROM (SELECT DISTINCT method, path, trim(regexp_replace(path, '/+', '/', 'g'), '/') AS trimmed FROM calls)
),
segments AS (
    SELECT method, path, unnest(parts) AS segment, unnest(generate_series(1, len(parts))) AS position FROM paths
),
shapes AS (
    SELECT s.method, s.path,
           '/' || string_agg(CASE WHEN l.segment IS NULL THEN '{id}' ELSE s.segment END, '/' ORDER BY s.position)
               AS shape
    FROM segments s
    LEFT JOIN literals l
      ON l.method = CASE WHEN s.method = 'HEAD' THEN 'GET' ELSE s.method END
     AND l.position = s.position AND l.segment = s.segment
    GROUP BY s.method, s.path
)
SELECT c.project, c.key, c.method, shapes.shape AS path, c.status, c.error,
       count(*) AS count, min(c.seen) AS first_seen, max(c.seen) AS last_seen
FROM calls c JOIN shapes ON shapes.method = c.method AND shapes.path = c.path
GROUP BY c.project, c.key, c.method, shapes.shape, c.status, c.error, CAST(c.seen AS DATE)
ORDER BY c.project, c.key, c.method, path, first_seen;
