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
-- SET VARIABLE version = '1.9' (the version you audit). Lines that are not call records are counted in one
-- row with only `bad_lines` set, as in usage-duckdb.sql (which says how lines are read and tested).

SET TimeZone = 'UTC';

WITH lines AS (
    SELECT line FROM read_csv(getvariable('logs'), columns = {line: 'VARCHAR'}, header = false, auto_detect = false,
                              delim = chr(0), quote = '', escape = '', strict_mode = false)
    WHERE trim(line) <> ''
),
records AS (
    SELECT CASE WHEN json_valid(line) AND json_type(line) = 'OBJECT' THEN line END AS doc FROM lines
),
fields AS (
    SELECT json_type(doc, '$.key') AS key_type, doc->>'$.key' AS key,
           json_type(doc, '$.method') AS method_type, doc->>'$.method' AS method,
           json_type(doc, '$.path') AS path_type, doc->>'$.path' AS path,
           json_type(doc, '$.status') AS status_type, try_cast(doc->>'$.status' AS BIGINT) AS status,
           json_type(doc, '$.time') AS time_type, doc->>'$.time' AS time,
           json_type(doc, '$.error') AS error_type, doc->>'$.error' AS error,
           json_type(doc, '$.project') AS project_type, doc->>'$.project' AS project
    FROM records
),
checked AS (  -- keyaudit's own test of a line (loaders/logs/calllog.py record_to_call)
    SELECT *, coalesce(key_type = 'VARCHAR' AND key <> '' AND method_type = 'VARCHAR'
                       AND regexp_full_match(method, '[A-Za-z]{1,16}') AND path_type = 'VARCHAR' AND path <> ''
                       AND (coalesce(status_type, 'NULL') = 'NULL'
                            OR status_type IN ('UBIGINT', 'BIGINT') AND status BETWEEN 100 AND 599)
                       AND (coalesce(time_type, 'NULL') = 'NULL'
                            OR time_type = 'VARCHAR' AND try_cast(time AS TIMESTAMPTZ) IS NOT NULL)
                       AND coalesce(error_type, 'NULL') IN ('NULL', 'VARCHAR')
                       AND coalesce(project_type, 'NULL') IN ('NULL', 'VARCHAR'), false) AS is_call
    FROM fields
),
calls AS (  -- a line that is no call keeps only is_call = false: the last grouping counts it
    SELECT is_call,
           CASE WHEN is_call THEN project END AS project, CASE WHEN is_call THEN key END AS key,
           CASE WHEN is_call THEN upper(method) END AS method,
           CASE WHEN is_call THEN regexp_replace(regexp_replace(path, '^[A-Za-z][A-Za-z0-9+.-]*://[^/]*', ''),
                                                 '[?#].*$', '') END AS path,
           CASE WHEN is_call THEN status END AS status, CASE WHEN is_call THEN error END AS error,
           CASE WHEN is_call THEN try_cast(time AS TIMESTAMPTZ) END AS seen
    FROM checked
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
    FROM (SELECT DISTINCT method, path, trim(regexp_replace(path, '/+', '/', 'g'), '/') AS trimmed
          FROM calls WHERE is_call)
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
       CASE WHEN c.is_call THEN count(*) END AS count, min(c.seen) AS first_seen, max(c.seen) AS last_seen,
       CASE WHEN NOT c.is_call THEN count(*) END AS bad_lines
FROM calls c LEFT JOIN shapes ON shapes.method = c.method AND shapes.path = c.path
GROUP BY c.is_call, c.project, c.key, c.method, shapes.shape, c.status, c.error, CAST(c.seen AS DATE)
ORDER BY c.project, c.key, c.method, path, first_seen;
