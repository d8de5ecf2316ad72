-- keyaudit pre-aggregated usage from keyaudit call logs (JSONL, gzip or not), for DuckDB.
--
--   duckdb -csv -c "SET VARIABLE logs = 'logs/*.jsonl.gz'" -c ".read samples/sql/usage-duckdb.sql" > usage.csv
--   keyaudit audit --keys keys.json --usage usage.csv
--
-- One row per project, key, method, path (query string dropped), status, error and UTC day, with the number
-- of calls and the first and last time seen. Lines that are not valid records are left out here (keyaudit
-- counts them as bad lines when it reads the raw logs). usage-duckdb-catalog.sql also folds ids out of paths.

SET TimeZone = 'UTC';

WITH raw AS (
    SELECT * FROM read_json(getvariable('logs'), format = 'newline_delimited', ignore_errors = true,
        columns = {time: 'VARCHAR', project: 'VARCHAR', key: 'VARCHAR', method: 'VARCHAR', path: 'VARCHAR',
                   status: 'BIGINT', error: 'VARCHAR'})
),
calls AS (
    SELECT project, key, upper(method) AS method,
           regexp_replace(path, '[?#].*$', '') AS path,
           status, error, try_cast(time AS TIMESTAMPTZ) AS seen
    FROM raw
    WHERE key <> '' AND path <> '' AND regexp_full_match(method, '[A-Za-z]{1,16}')
      AND (status IS NULL OR status BETWEEN 100 AND 599)
)
SELECT project, key, method, path, status, error,
       count(*) AS count, min(seen) AS first_seen, max(seen) AS last_seen
FROM calls
GROUP BY project, key, method, path, status, error, CAST(seen AS DATE)
ORDER BY project, key, method, path, first_seen;
