-- keyaudit pre-aggregated usage for Spark SQL, with ids folded out of paths by the route catalog.
--
--   keyaudit catalog list --format csv > catalog.csv        # add --appwrite-version V for another version
--   spark-sql -d logs='s3://bucket/logs/*.jsonl.gz' -d catalog='s3://bucket/catalog.csv' \
--             -d out='s3://bucket/keyaudit-usage' -f samples/sql/usage-spark-catalog.sql
--   keyaudit audit --keys keys.json --usage keyaudit-usage/part-*.csv
--
-- As usage-spark.sql, but a path segment that no route of the method has as a literal at its position (an
-- id, a name) becomes {id}: keyaudit's router resolves a path from that shape alone, so the findings are the
-- same while the rows are far fewer. The catalog must hold one version (the one you audit).

SET spark.sql.session.timeZone=UTC;

CREATE OR REPLACE TEMPORARY VIEW raw
    (time STRING, project STRING, key STRING, method STRING, path STRING, status BIGINT, error STRING)
USING json
OPTIONS (path '${logs}', mode 'DROPMALFORMED');

CREATE OR REPLACE TEMPORARY VIEW catalog
USING csv
OPTIONS (path '${catalog}', header 'true');

CREATE OR REPLACE TEMPORARY VIEW calls AS
SELECT project, key, upper(method) AS method,
       regexp_replace(regexp_replace(path, '^[A-Za-z][A-Za-z0-9+.-]*://[^/]*', ''), '[?#].*$', '') AS path,
       status, error, try_cast(time AS TIMESTAMP) AS seen
FROM raw
WHERE key <> '' AND path <> '' AND method RLIKE '^[A-Za-z]{1,16}$'
  AND (status IS NULL OR status BETWEEN 100 AND 599);

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
            FROM calls));

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
       count(*) AS count, min(c.seen) AS first_seen, max(c.seen) AS last_seen
FROM calls c JOIN shapes ON shapes.method = c.method AND shapes.path = c.path
GROUP BY c.project, c.key, c.method, shapes.shape, c.status, c.error, to_date(c.seen);
