-- keyaudit pre-aggregated usage from keyaudit call logs (JSONL, gzip or not), for Spark SQL.
--
--   spark-sql -d logs='s3://bucket/logs/*.jsonl.gz' -d out='s3://bucket/keyaudit-usage' -f samples/sql/usage-spark.sql
--   keyaudit audit --keys keys.json --usage keyaudit-usage/part-*.csv
--
-- One row per project, key, method, path (query string dropped), status, error and UTC day, with the number
-- of calls and the first and last time seen, written as CSV part files with a header. Lines that are not
-- call records (not JSON, or without a key, method or path: what keyaudit counts as bad lines in raw logs)
-- are counted, never dropped unsaid: one more row, with only `bad_lines` set, carries their number and keyaudit
-- adds it to the report's bad lines. usage-spark-catalog.sql also folds ids out of paths.

SET spark.sql.session.timeZone=UTC;

CREATE OR REPLACE TEMPORARY VIEW raw
    (time STRING, project STRING, key STRING, method STRING, path STRING, status BIGINT, error STRING,
     _corrupt_record STRING)
USING json
OPTIONS (path '${logs}', mode 'PERMISSIVE', columnNameOfCorruptRecord '_corrupt_record');

-- A line is a call when it is a JSON record with a key, a method and a path (keyaudit's own test of a line);
-- the others keep only is_call = false, so that one grouping below both aggregates and counts them.
CREATE OR REPLACE TEMPORARY VIEW records AS
SELECT *, coalesce(_corrupt_record IS NULL AND key <> '' AND path <> '' AND method RLIKE '^[A-Za-z]{1,16}$'
                   AND (status IS NULL OR status BETWEEN 100 AND 599)
                   AND (time IS NULL OR try_cast(time AS TIMESTAMP) IS NOT NULL), false) AS is_call
FROM raw;

CREATE OR REPLACE TEMPORARY VIEW calls AS
SELECT is_call,
       CASE WHEN is_call THEN project END AS project, CASE WHEN is_call THEN key END AS key,
       CASE WHEN is_call THEN upper(method) END AS method,
       CASE WHEN is_call THEN regexp_replace(path, '[?#].*$', '') END AS path,
       CASE WHEN is_call THEN status END AS status, CASE WHEN is_call THEN error END AS error,
       CASE WHEN is_call THEN try_cast(time AS TIMESTAMP) END AS seen
FROM records;

INSERT OVERWRITE DIRECTORY '${out}'
USING csv
OPTIONS (header 'true', timestampFormat "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
SELECT project, key, method, path, status, error,
       CASE WHEN is_call THEN count(*) END AS count, min(seen) AS first_seen, max(seen) AS last_seen,
       CASE WHEN NOT is_call THEN count(*) END AS bad_lines
FROM calls
GROUP BY is_call, project, key, method, path, status, error, to_date(seen);
