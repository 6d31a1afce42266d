-- The read model as PostGraphile 4 sees it: schema "peer", views over "read_model" (never a copy
-- of its rows) plus three small reference tables the registry keeps in Python (M49 areas, the
-- practice areas and the sectors, in the order our API lists them), filled by bench/peer.py.
--
-- Smart comments give the views the keys PostgreSQL cannot infer for a view (@primaryKey,
-- @unique, @foreignKey), so PostGraphile builds the same relations as our schema. Global ids
-- are computed as ours are (base64url of "Type:uuid", no padding), so answers compare equal.
-- The evidence-halves mark below is replaced by bench/peer.py with the read model's own evidence-score SQL
-- (projections.case_studies._halves_sql), so both servers rank case studies by one definition.
-- Everything is dropped and made again on each start: the bench database is a fresh clone.

DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;

CREATE FUNCTION peer.global_id(type_name text, id uuid) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT rtrim(translate(encode(convert_to(type_name || ':' || id::text, 'UTF8'), 'base64'),
                           E'+/\n', '-_'), '=')
$$;
COMMENT ON FUNCTION peer.global_id(text, uuid) IS '@omit';

-- ---------------------------------------------------------------- reference data
CREATE TABLE peer.areas (code text PRIMARY KEY, name text NOT NULL, level text NOT NULL,
                         rank integer NOT NULL);
CREATE TABLE peer.practice_areas (name text PRIMARY KEY, rank integer NOT NULL);
CREATE TABLE peer.sectors (name text PRIMARY KEY, rank integer NOT NULL);
COMMENT ON TABLE peer.practice_areas IS '@omit';
COMMENT ON TABLE peer.sectors IS '@omit';
COMMENT ON TABLE peer.areas IS '@omit all,many';

-- ---------------------------------------------------------------- partnerships and partners
CREATE VIEW peer.partnerships AS
SELECT ps.id, peer.global_id('Partnership', ps.id) AS gid, ps.version, ps.title, ps.summary,
       ps.objectives, ps.status, ps.best_practice, ps.practice_areas, ps.countries, ps.regions,
       ps.start_date, ps.end_date, ps.created_at, ps.updated_at
FROM read_model.partnership_summary ps;
COMMENT ON VIEW peer.partnerships IS E'@primaryKey id\n@unique gid';

CREATE VIEW peer.organisations AS
SELECT o.id, peer.global_id('Organisation', o.id) AS gid, o.version, o.name, o.org_type,
       o.sector, o.country, o.website, o.partnership_count
FROM read_model.organisation_summary o;
COMMENT ON VIEW peer.organisations IS E'@primaryKey id\n@unique gid';

-- lead_last orders partners as our API does: the lead first, then by role, since and id.
CREATE VIEW peer.partners AS
SELECT m.partnership_id, m.organisation_id, m.role, m.since, m.until, m.confirmed,
       (m.role <> 'LEAD') AS lead_last
FROM read_model.partnership_partners m;
COMMENT ON VIEW peer.partners IS E'@primaryKey partnership_id,organisation_id\n'
    '@foreignKey (partnership_id) references peer.partnerships (id)|@fieldName partnership|@foreignFieldName partners|@foreignSimpleFieldName partnersList\n'
    '@foreignKey (organisation_id) references peer.organisations (id)|@fieldName organisation|@foreignFieldName memberships|@foreignSimpleFieldName membershipsList';

-- ---------------------------------------------------------------- a partnership's record
CREATE VIEW peer.activities AS
SELECT a.id, peer.global_id('Activity', a.id) AS gid, a.partnership_id, a.kind, a.practice_area,
       a.title, a.description, a.start_date, a.end_date, a.countries, a.target_groups,
       a.participants, a.evidence_urls, a.retracted, a.logged_position
FROM read_model.partnership_activities a;
COMMENT ON VIEW peer.activities IS E'@primaryKey id\n'
    '@foreignKey (partnership_id) references peer.partnerships (id)|@fieldName partnership|@foreignFieldName activities|@foreignSimpleFieldName activitiesList';

CREATE VIEW peer.outcomes AS
SELECT o.id, peer.global_id('Outcome', o.id) AS gid, o.partnership_id, o.result_level,
       o.indicator, o.unit, o.baseline, o.target, o.actual, o.period_start, o.period_end,
       o.verification, o.evidence_urls, o.reported_position
FROM read_model.partnership_outcomes o;
COMMENT ON VIEW peer.outcomes IS E'@primaryKey id\n'
    '@foreignKey (partnership_id) references peer.partnerships (id)|@fieldName partnership|@foreignFieldName outcomes|@foreignSimpleFieldName outcomesList';

CREATE VIEW peer.lessons AS
SELECT l.id, l.partnership_id, l.kind, l.text, l.position
FROM read_model.partnership_lessons l;
COMMENT ON VIEW peer.lessons IS E'@primaryKey id\n'
    '@foreignKey (partnership_id) references peer.partnerships (id)|@fieldName partnership|@foreignFieldName lessons|@foreignSimpleFieldName lessonsList';

-- The M49 region filter: a STABLE SQL function PostgreSQL inlines, so the GIN index on
-- regions serves it. Ordered as our default order (newest first); PostGraphile pages it.
CREATE FUNCTION peer.partnerships_in_region(region text) RETURNS SETOF peer.partnerships
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT * FROM peer.partnerships p WHERE p.regions @> ARRAY[region]
    ORDER BY p.created_at DESC, p.id DESC
$$;

-- ---------------------------------------------------------------- regions and their figures
CREATE VIEW peer.regions AS
SELECT a.code, a.name, a.level, a.rank,
       coalesce(s.partnership_count, 0) AS partnership_count,
       coalesce(s.active_count, 0) AS active_count,
       coalesce(s.concluded_count, 0) AS concluded_count,
       -- integer as our Int (bigint would be PostGraphile's BigInt, a string in JSON)
       coalesce(s.people_trained, 0)::integer AS people_trained
FROM peer.areas a
LEFT JOIN read_model.region_stats s
       ON s.area_code = a.code AND s.practice_area = '*' AND s.sector = '*';
COMMENT ON VIEW peer.regions IS E'@primaryKey code\n'
    '@foreignKey (code) references peer.areas (code)|@fieldName area|@foreignFieldName region|@foreignSimpleFieldName regionList';

CREATE VIEW peer.practice_area_counts AS
SELECT a.code AS area_code, p.name AS practice_area, p.rank,
       coalesce(s.partnership_count, 0) AS count
FROM peer.areas a CROSS JOIN peer.practice_areas p
LEFT JOIN read_model.region_stats s
       ON s.area_code = a.code AND s.practice_area = p.name AND s.sector = '*';
COMMENT ON VIEW peer.practice_area_counts IS E'@primaryKey area_code,practice_area\n'
    '@foreignKey (area_code) references peer.regions (code)|@fieldName region|@foreignFieldName byPracticeArea|@foreignSimpleFieldName byPracticeAreaList';

CREATE VIEW peer.sector_counts AS
SELECT a.code AS area_code, c.name AS sector, c.rank, coalesce(s.partnership_count, 0) AS count
FROM peer.areas a CROSS JOIN peer.sectors c
LEFT JOIN read_model.region_stats s
       ON s.area_code = a.code AND s.practice_area = '*' AND s.sector = c.name;
COMMENT ON VIEW peer.sector_counts IS E'@primaryKey area_code,sector\n'
    '@foreignKey (area_code) references peer.regions (code)|@fieldName region|@foreignFieldName bySector|@foreignSimpleFieldName bySectorList';

-- ---------------------------------------------------------------- case studies
-- Partnerships endorsed as best practice with their evidence score (in halves, as ours).
CREATE VIEW peer.case_studies AS
SELECT ps.id, peer.global_id('CaseStudy', ps.id) AS gid, ps.title, ps.regions,
       ps.practice_areas, __EVIDENCE_HALVES__ AS halves
FROM read_model.partnership_summary ps
WHERE ps.best_practice = 'ENDORSED';
COMMENT ON VIEW peer.case_studies IS E'@primaryKey id\n'
    '@foreignKey (id) references peer.partnerships (id)|@fieldName partnership|@foreignFieldName caseStudy|@foreignSimpleFieldName caseStudyList';

CREATE FUNCTION peer.case_studies_evidence_score(c peer.case_studies) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT c.halves / 2.0 $$;

-- Ranked as ours: score first, then title in code-point order, then id; region any M49 code.
CREATE FUNCTION peer.ranked_case_studies(region text) RETURNS SETOF peer.case_studies
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT * FROM peer.case_studies c WHERE region IS NULL OR c.regions @> ARRAY[region]
    ORDER BY c.halves DESC, c.title COLLATE "C", c.id
$$;
