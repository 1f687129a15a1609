-- Every command needs the stage lookup. The server keeps it in memory and reads it again only
-- when this stamp changed: a trigger sets a new random stamp on any change to the lookup,
-- whoever makes it. Random rather than counted, so that a change rolled back and another one
-- made later can never show the same stamp.
CREATE TABLE stage_catalog_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO stage_catalog_stamp (id, stamp) VALUES (1, (random() * 9007199254740991)::bigint);

CREATE FUNCTION new_stage_catalog_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stage_catalog_stamp SET stamp = (random() * 9007199254740991)::bigint;
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunity_stages_changed AFTER INSERT OR UPDATE OR DELETE ON opportunity_stages
FOR EACH STATEMENT EXECUTE FUNCTION new_stage_catalog_stamp();
