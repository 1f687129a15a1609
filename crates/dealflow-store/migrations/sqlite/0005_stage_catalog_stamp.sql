-- Every command needs the stage lookup. The server keeps it in memory and reads it again only
-- when this stamp changed: triggers set a new random stamp on any change to the lookup, whoever
-- makes it. Random rather than counted, so that a change rolled back and another one made
-- later can never show the same stamp.
CREATE TABLE stage_catalog_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp INTEGER NOT NULL
);
INSERT INTO stage_catalog_stamp (id, stamp) VALUES (1, random());

CREATE TRIGGER opportunity_stages_inserted AFTER INSERT ON opportunity_stages
BEGIN
    UPDATE stage_catalog_stamp SET stamp = random();
END;

CREATE TRIGGER opportunity_stages_updated AFTER UPDATE ON opportunity_stages
BEGIN
    UPDATE stage_catalog_stamp SET stamp = random();
END;

CREATE TRIGGER opportunity_stages_deleted AFTER DELETE ON opportunity_stages
BEGIN
    UPDATE stage_catalog_stamp SET stamp = random();
END;
