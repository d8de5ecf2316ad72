-- keyaudit pre-aggregated usage from keyaudit call logs (JSONL, gzip or not), for DuckDB.
--
--   duckdb -csv -c "SET VARIABLE logs = 'logs/*.jsonl.gz'" -c ".read samples/sql/usage-duckdb.sql" > usage.csv
--   keyaudit audit --keys keys.json --usage usage.csv
--
-- One row per project, key, method, path (query string dropped), status, error and UTC day, with the number
-- of calls and the first and last time seen. Lines that are not call records (not JSON, or without a key,
-- method or path: what keyaudit counts as bad lines in raw logs) are counted, never dropped unsaid: one more
-- row, with only `bad_lines` set, carries their number and keyaudit adds it to the report's bad lines.
-- usage-duckdb-catalog.sql also folds ids out of paths.
--
-- Each line is read as text and tested as keyaudit tests it (read_json would skip a bad line unseen). A line
-- that is not UTF-8 stops the query with DuckDB's error: reading it as Latin-1 would change what it says.

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
calls AS (  -- a line that is no call keeps only is_call = false: the one grouping below counts it
    SELECT is_call,
           CASE WHEN is_call THEN project END AS project, CASE WHEN is_call THEN key END AS key,
           CASE WHEN is_call THEN upper(method) END AS method,
           CASE WHEN is_call THEN regexp_replace(path, '[?#].*$', '') END AS path,
           CASE WHEN is_call THEN status END AS status, CASE WHEN is_call THEN error END AS error,
           CASE WHEN is_call THEN try_cast(time AS TIMESTAMPTZ) END AS seen
    FROM checked
)
SELECT project, key, method, path, status, error,
       CASE WHEN is_call THEN count(*) END AS count, min(seen) AS first_seen, max(seen) AS last_seen,
       CASE WHEN NOT is_call THEN count(*) END AS bad_lines
FROM calls
GROUP BY is_call, project, key, method, path, status, error, CAST(seen AS DATE)
ORDER BY project, key, method, path, first_seen;
