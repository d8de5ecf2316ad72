-- keyaudit pre-aggregated usage for Spark SQL, with ids folded out of paths by the route catalog.
--
--   keyaudit catalog list --format csv > catalog.csv        # add --appwrite-version V for another version
--   spark-sql -d logs='s3://bucket/logs/*.jsonl.gz' -d catalog='s3://bucket/catalog.csv' \
--             -d out='s3://bucket/keyaudit-usage' -f samples/sql/usage-spark-catalog.sql
--   keyaudit audit --keys keys.json --usage keyaudit-usage/part-*.csv
--
-- As usage-spark.sql, but a path segment that no route of the method has as a literal at its position (an
-- id, a name) becomes {id}: keyaudit's router resolves a path from that shape alone, so the findings are the
-- same while the rows are far fewer. The catalog must hold one version (the one you audit). Lines that are not
-- call records are counted in one row with only `bad_lines` set, as in usage-spark.sql.

SET spark.sql.session.timeZone=UTC;

CREATE OR REPLACE TEMPORARY VIEW raw
    (time STRING, project STRING, key STRING, method STRING, path STRING, status BIGINT, error STRING,
     _corrupt_record STRING)
USING json
OPTIONS (path '${logs}', mode 'PERMISSIVE', columnNameOfCorruptRecord '_corrupt_record');

CREATE OR REPLACE TEMPORARY VIEW catalog
USING csv
OPTIONS (path '${catalog}', header 'true');

-- A line is a call when it is a JSON record with a key, a method and a path (keyaudit's own test of a line);
-- the others keep only is_call = false, so that the last grouping both aggregates and counts them.
CREATE OR REPLACE TEMPORARY VIEW records AS
SELECT *, coalesce(_corrupt_record IS NULL AND key <> '' AND path <> '' AND method RLIKE '^[A-Za-z]{1,16}$'
                   AND (status IS NULL OR status BETWEEN 100 AND 599)
                   AND (time IS NULL OR try_cast(time AS TIMESTAMP) IS NOT NULL), false) AS is_call
FROM raw;

CREATE OR REPLACE TEMPORARY VIEW calls AS
SELECT is_call,
       CASE WHEN is_call THEN project END AS project, CASE WHEN is_call THEN key END AS key,
       CASE WHEN is_call THEN upper(method) END AS method,
       CASE WHEN is_call THEN regexp_replace(regexp_replace(path, '^[A-Za-z][A-Za-z0-9+.-]*://[^/]*', ''),
                                             '[?#].*$', '') END AS path,
       CASE WHEN is_call THEN status END AS status, CASE WHEN is_call THEN error END AS error,
       CASE WHEN is_call THEN try_cast(time AS TIMESTAMP) END AS seen
FROM records;

CREATE OR REPLACE TEMPORARY VIEW literals AS
SELECT DISTINCT method, position, segment
FROM (SELECT method, posexplode(split(regexp_replace(route, '^/+|/+$', ''), '/')) AS (position, segment)
      FROM catalog)
WHERE segment NOT LIKE '{%' AND segment NOT LIKE ':%' AND segment <> '*';

CREATE OR REPLACE TEMPORARY VIEW segments AS
SELECT method, path, position, segment
FROM (SELECT method, path,
             posexplode(split(CASE WHEN trimmed = '' THEN 'v1'
                                   WHEN trimmed = 'v1' OR startswith(trimmed, 'v1/') THEN trimmed
                                   ELSE concat('v1/', trimmed) END, '/')) AS (position, segment)
      FROM (SELECT DISTINCT method, path, regexp_replace(regexp_replace(path, '/+', '/'), '^/|/$', '') AS trimmed
            FROM calls WHERE is_call));

CREATE OR REPLACE TEMPORARY VIEW shapes AS
SELECT method, path,
       concat('/', array_join(transform(array_sort(collect_list(struct(position, shown))), x -> x.shown), '/'))
           AS shape
FROM (SELECT s.method, s.path, s.position,
             CASE WHEN l.segment IS NULL THEN '{id}' ELSE s.segment END AS shown
      FROM segments s
      LEFT JOIN literals l
        ON l.method = CASE WHEN s.method = 'HEAD' THEN 'GET' ELSE s.method END
       AND l.position = s.position AND l.segment = s.segment)
GROUP BY method, path;

INSERT OVERWRITE DIRECTORY '${out}'
USING csv
OPTIONS (header 'true', timestampFormat "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
SELECT c.project, c.key, c.method, shapes.shape AS path, c.status, c.error,
       CASE WHEN c.is_call THEN count(*) END AS count, min(c.seen) AS first_seen, max(c.seen) AS last_seen,
       CASE WHEN NOT c.is_call THEN count(*) END AS bad_lines
FROM calls c LEFT JOIN shapes ON shapes.method = c.method AND shapes.path = c.path
GROUP BY c.is_call, c.project, c.key, c.method, shapes.shape, c.status, c.error, to_date(c.seen);
