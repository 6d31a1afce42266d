-- The read model. Names are unqualified: it is created with search_path set to the target
-- schema, so one text builds the live schema and a rebuild's shadow alike.
-- Changing anything here means bumping PROJECTION_VERSION (projections/read_model.py).

-- Which projection code and reference data built this schema; another build is rebuilt on start.
CREATE TABLE read_model_meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    projection_version integer NOT NULL,
    m49_fingerprint text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- How far each projection has applied the log. It lives in the schema it describes, so a
-- rebuild's switch moves rows and position together.
CREATE TABLE projection_tracking (
    projection text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0,
    last_error text,
    failed_position bigint,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Which UN M49 areas (all levels) does a country or an area code belong to? Reference data
-- from registry.geography, loaded with the schema, so SQL can recompute a partnership's areas
-- when a revision changes only its countries or only its regions.
CREATE TABLE m49_membership (
    member text NOT NULL,
    area_code text NOT NULL,
    PRIMARY KEY (member, area_code)
);

-- What is a partnership about, where, and how is it doing?
CREATE TABLE partnership_summary (
    id uuid PRIMARY KEY,
    version integer NOT NULL,
    title text NOT NULL,
    summary text NOT NULL,
    objectives text,
    status text NOT NULL,
    best_practice text NOT NULL,
    practice_areas text[] NOT NULL,
    countries text[] NOT NULL,
    declared_regions text[] NOT NULL,  -- the regions as registered or revised
    regions text[] NOT NULL,           -- every M49 area of countries and declared regions
    start_date date NOT NULL,
    end_date date,
    conclusion text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    created_position bigint NOT NULL,
    updated_position bigint NOT NULL,
    people_trained bigint NOT NULL DEFAULT 0,
    iati_identifier text,              -- its IATI activity identifier, when it was given one
    -- The case-study ranking's evidence score in halves (projections/scores.py: halves_sql of
    -- its outcomes, activities and partners, refreshed in the batch that changes them).
    evidence_halves bigint NOT NULL DEFAULT 0,
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', summary), 'B')
        || setweight(to_tsvector('english', coalesce(objectives, '')), 'C')
    ) STORED
);
CREATE INDEX partnership_summary_regions ON partnership_summary USING gin (regions);
CREATE INDEX partnership_summary_countries ON partnership_summary USING gin (countries);
CREATE INDEX partnership_summary_practice_areas ON partnership_summary USING gin (practice_areas);
CREATE INDEX partnership_summary_search ON partnership_summary USING gin (search);
-- Keyset pagination for each PartnershipOrder (DESC orders scan these backwards).
CREATE INDEX partnership_summary_by_created ON partnership_summary (created_at, id);
CREATE INDEX partnership_summary_by_updated ON partnership_summary (updated_at, id);
CREATE INDEX partnership_summary_by_title ON partnership_summary (title, id);
-- partnerships(filter: {bestPractice}): the case studies (endorsed), counted on the portal's
-- home page and paged newest first, without a scan of every partnership.
CREATE INDEX partnership_summary_by_best_practice
    ON partnership_summary (best_practice, created_at, id);
-- Case studies ranked (score desc, title in code-point order, id) as the index walks them:
-- a region's best case studies are the first endorsed rows in its area, with no scoring.
CREATE INDEX partnership_summary_by_evidence
    ON partnership_summary (best_practice, (-evidence_halves), title COLLATE "C", id);
-- partnerships(filter: {iatiIdentifier}): an importer finds the partnership of an activity.
CREATE INDEX partnership_summary_by_iati_identifier ON partnership_summary (iati_identifier)
    WHERE iati_identifier IS NOT NULL;

-- Who takes part in a partnership, and since when?
CREATE TABLE partnership_partners (
    partnership_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    role text NOT NULL,
    since date,
    until date,
    confirmed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (partnership_id, organisation_id)
);
CREATE INDEX partnership_partners_by_organisation
    ON partnership_partners (organisation_id, partnership_id);

-- What is an organisation, and in how many partnerships is it a current partner?
CREATE TABLE organisation_summary (
    id uuid PRIMARY KEY,
    version integer NOT NULL,
    name text NOT NULL,
    org_type text NOT NULL,
    sector text NOT NULL,
    country text NOT NULL,
    website text,
    -- As registered: [{"ref": ...} | {"scheme": ..., "id": ...}], in their order.
    identifiers jsonb NOT NULL DEFAULT '[]',
    partnership_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    created_position bigint NOT NULL,
    updated_position bigint NOT NULL,
    search tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED
);
CREATE INDEX organisation_summary_by_name ON organisation_summary (name, id);
CREATE INDEX organisation_summary_by_country ON organisation_summary (country);
CREATE INDEX organisation_summary_by_sector ON organisation_summary (sector);
CREATE INDEX organisation_summary_search ON organisation_summary USING gin (search);

-- What has a partnership done?
CREATE TABLE partnership_activities (
    id uuid PRIMARY KEY,
    partnership_id uuid NOT NULL,
    kind text NOT NULL,
    practice_area text NOT NULL,
    title text NOT NULL,
    description text,
    start_date date NOT NULL,
    end_date date,
    countries text[] NOT NULL,
    target_groups text[] NOT NULL,
    participants integer,
    evidence_urls text[] NOT NULL,
    retracted boolean NOT NULL DEFAULT false,
    logged_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    logged_position bigint NOT NULL,
    updated_position bigint NOT NULL
);
CREATE INDEX partnership_activities_by_partnership
    ON partnership_activities (partnership_id, logged_position);

-- What results does a partnership report?
CREATE TABLE partnership_outcomes (
    id uuid PRIMARY KEY,
    partnership_id uuid NOT NULL,
    result_level text NOT NULL,
    indicator text NOT NULL,
    unit text,
    baseline double precision,
    target double precision,
    actual double precision,
    period_start date,
    period_end date,
    verification text NOT NULL,
    evidence_urls text[] NOT NULL,
    reported_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    reported_position bigint NOT NULL,
    updated_position bigint NOT NULL
);
CREATE INDEX partnership_outcomes_by_partnership
    ON partnership_outcomes (partnership_id, reported_position);

-- What has a partnership learnt?
CREATE TABLE partnership_lessons (
    id uuid PRIMARY KEY,
    partnership_id uuid NOT NULL,
    kind text NOT NULL,
    text text NOT NULL,
    recorded_at timestamptz NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX partnership_lessons_by_partnership ON partnership_lessons (partnership_id, position);

-- How many partnerships, active or concluded, at each best-practice stage, and how many people
-- trained, per M49 area, per practice area and per sector of a current partner? practice_area or
-- sector '*' is the total over all of them (a partnership counts once in a total, however many
-- areas or sectors it has); area_code '*' counts every partnership, in an M49 area or not (a
-- partnership in Taiwan alone has no M49 area).
CREATE TABLE region_stats (
    area_code text NOT NULL,
    practice_area text NOT NULL,
    sector text NOT NULL,
    partnership_count integer NOT NULL,
    active_count integer NOT NULL,
    concluded_count integer NOT NULL,
    people_trained bigint NOT NULL,
    -- By best_practice (projections/figures.py BEST_PRACTICE_COUNTS names them).
    best_none_count integer NOT NULL,
    best_nominated_count integer NOT NULL,
    best_endorsed_count integer NOT NULL,
    best_withdrawn_count integer NOT NULL,
    PRIMARY KEY (area_code, practice_area, sector)
);

-- How many partnerships of an area (or '*', every one) name each country, by status: the
-- country facet of a region's search and page without counting its partnerships.
CREATE TABLE area_country_stats (
    area_code text NOT NULL,
    country text NOT NULL,
    partnership_count integer NOT NULL,
    active_count integer NOT NULL,
    concluded_count integer NOT NULL,
    PRIMARY KEY (area_code, country)
);

-- The audit log: every event that means something to readers, for `events` and subscriptions.
CREATE TABLE event_log (
    position bigint PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    type text NOT NULL,
    stream_id uuid NOT NULL,
    stream_type text NOT NULL,
    version integer NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor text,
    data jsonb NOT NULL
);
CREATE INDEX event_log_by_stream ON event_log (stream_id, position);
