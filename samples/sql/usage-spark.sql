-- keyaudit pre-aggregated usage from keyaudit call logs (JSONL, gzip or not), for Spark SQL.
--
--   spark-sql -d logs='s3://bucket/logs/*.jsonl.gz' -d out='s3://bucket/keyaudit-usage' -f samples/sql/usage-spark.sql
--   keyaudit audit --keys keys.json --usage keyaudit-usage/part-*.csv
--
-- One row per project, key, method, path (query string dropped), status, error and UTC day, with the number
-- of calls and the first and last time seen, written as CSV part files with a header. Malformed lines are
-- dropped (keyaudit counts them as bad lines when it reads the raw logs). usage-spark-catalog.sql also folds
-- ids out of paths.

SET spark.sql.session.timeZone=UTC;

CREATE OR REPLACE TEMPORARY VIEW raw
    (time STRING, project STRING, key STRING, method STRING, path STRING, status BIGINT, error STRING)
USING json
OPTIONS (path '${logs}', mode 'DROPMALFORMED');

CREATE OR REPLACE TEMPORARY VIEW calls AS
SELECT project, key, upper(method) AS method,
       regexp_replace(path, '[?#].*$', '') AS path,
       status, error, try_cast(time AS TIMESTAMP) AS seen
FROM raw
WHERE key <> '' AND path <> '' AND method RLIKE '^[A-Za-z]{1,16}$'
  AND (status IS NULL OR status BETWEEN 100 AND 599);

INSERT OVERWRITE DIRECTORY '${out}'
USING csv
OPTIONS (header 'true', timestampFormat "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
SELECT project, key, method, path, status, error,
       count(*) AS count, min(seen) AS first_seen, max(seen) AS last_seen
FROM calls
GROUP BY project, key, method, path, status, error, to_date(seen);
