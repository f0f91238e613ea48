/**
 * Numbered schema migrations. Each runs in one transaction together with the `user_version`
 * update, so a database is always at exactly one version. Append new migrations; never edit
 * one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: photos, labels and scan bookkeeping.
  `
  CREATE TABLE photos (
    id         INTEGER PRIMARY KEY,
    path       TEXT    NOT NULL UNIQUE,  -- absolute path, as the file system spells it
    folder     TEXT    NOT NULL,         -- absolute path of the containing folder
    name       TEXT    NOT NULL,         -- file name without the folder
    size       INTEGER NOT NULL,         -- bytes
    mtime_ms   INTEGER NOT NULL,         -- modification time, ms since the Unix epoch
    hash       TEXT,                     -- SHA-256 of the content, hex; NULL until read
    format     TEXT,                     -- format detected from the bytes: jpeg, png, webp...
    width      INTEGER,                  -- upright dimensions, after EXIF orientation
    height     INTEGER,
    taken_at   INTEGER NOT NULL,         -- EXIF DateTimeOriginal, else mtime; ms since epoch
    camera     TEXT,                     -- EXIF Make and Model
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'tagged', 'failed', 'missing')),
    error      TEXT,                     -- why the photo failed, for status 'failed'
    thumbnail  TEXT,                     -- thumbnail cache key, NULL when none was made
    model      TEXT,                     -- model id of the last successful tagging
    scanned_at INTEGER                   -- when the photo was last decoded, ms since epoch
  ) STRICT;
  CREATE INDEX photos_folder ON photos (folder);
  CREATE INDEX photos_hash ON photos (hash) WHERE hash IS NOT NULL;
  CREATE INDEX photos_status ON photos (status);
  CREATE INDEX photos_taken ON photos (taken_at, id);

  -- Model labels (source 'model': class_index, score, rank and model set) and the user's
  -- corrections (source 'manual'): an added ImageNet class or free-text tag, a confirmed model
  -- label, or a rejected one. Manual rows survive re-tagging, so a rejection sticks.
  CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    source      TEXT    NOT NULL CHECK (source IN ('model', 'manual')),
    model       TEXT    NOT NULL DEFAULT '',  -- model id for source 'model', '' for manual rows
    class_index INTEGER CHECK (class_index BETWEEN 0 AND 999),
    tag         TEXT,                         -- free-text tag, when class_index is NULL
    score       REAL,                         -- softmax probability, model rows only
    rank        INTEGER CHECK (rank BETWEEN 1 AND 5),
    verdict     TEXT    CHECK (verdict IN ('added', 'confirmed', 'rejected')),
    created_at  INTEGER NOT NULL,
    CHECK ((class_index IS NULL) <> (tag IS NULL)),
    CHECK ((source = 'model') = (verdict IS NULL))
  ) STRICT;
  CREATE UNIQUE INDEX labels_unique
    ON labels (photo_id, source, model, coalesce(class_index, -1), coalesce(tag, ''));
  CREATE INDEX labels_class ON labels (model, class_index, score DESC, photo_id)
    WHERE source = 'model';
  CREATE INDEX labels_manual ON labels (class_index, photo_id) WHERE source = 'manual';

  CREATE TABLE folders (
    path     TEXT    PRIMARY KEY,
    added_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  `,

  // 2: search. Indexes for score-ordered scans, rejections and tags; per-class photo counts
  // kept by triggers for suggestions; a full-text index of file and folder names.
  `
  -- Model labels in score order, with the class so a scan filters without a table lookup.
  CREATE INDEX labels_score ON labels (model, score DESC, photo_id, class_index)
    WHERE source = 'model';
  CREATE INDEX labels_rejected ON labels (photo_id, class_index) WHERE verdict = 'rejected';
  CREATE INDEX labels_tag ON labels (tag COLLATE NOCASE, photo_id) WHERE tag IS NOT NULL;

  -- Label rows per model and class: model rows under their model id, added and confirmed
  -- manual class rows under ''. Every photo has at most one row per model and class.
  CREATE TABLE class_counts (
    model       TEXT    NOT NULL,
    class_index INTEGER NOT NULL,
    photos      INTEGER NOT NULL,
    PRIMARY KEY (model, class_index)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO class_counts (model, class_index, photos)
    SELECT model, class_index, count(*) FROM labels
    WHERE class_index IS NOT NULL AND coalesce(verdict, '') <> 'rejected'
    GROUP BY model, class_index;

  CREATE TRIGGER class_counts_insert AFTER INSERT ON labels
  WHEN NEW.class_index IS NOT NULL AND coalesce(NEW.verdict, '') <> 'rejected'
  BEGIN
    INSERT INTO class_counts (model, class_index, photos) VALUES (NEW.model, NEW.class_index, 1)
    ON CONFLICT (model, class_index) DO UPDATE SET photos = photos + 1;
  END;
  CREATE TRIGGER class_counts_delete AFTER DELETE ON labels
  WHEN OLD.class_index IS NOT NULL AND coalesce(OLD.verdict, '') <> 'rejected'
  BEGIN
    UPDATE class_counts SET photos = photos - 1
    WHERE model = OLD.model AND class_index = OLD.class_index;
  END;
  CREATE TRIGGER class_counts_update_old AFTER UPDATE OF model, class_index, verdict ON labels
  WHEN OLD.class_index IS NOT NULL AND coalesce(OLD.verdict, '') <> 'rejected'
  BEGIN
    UPDATE class_counts SET photos = photos - 1
    WHERE model = OLD.model AND class_index = OLD.class_index;
  END;
  CREATE TRIGGER class_counts_update_new AFTER UPDATE OF model, class_index, verdict ON labels
  WHEN NEW.class_index IS NOT NULL AND coalesce(NEW.verdict, '') <> 'rejected'
  BEGIN
    INSERT INTO class_counts (model, class_index, photos) VALUES (NEW.model, NEW.class_index, 1)
    ON CONFLICT (model, class_index) DO UPDATE SET photos = photos + 1;
  END;

  -- Words of each photo's file name and folder path. Contentless: the text lives in photos.
  CREATE VIRTUAL TABLE photo_words USING fts5 (
    name, folder, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
  );
  INSERT INTO photo_words (rowid, name, folder) SELECT id, name, folder FROM photos;
  CREATE TRIGGER photo_words_insert AFTER INSERT ON photos BEGIN
    INSERT INTO photo_words (rowid, name, folder) VALUES (NEW.id, NEW.name, NEW.folder);
  END;
  CREATE TRIGGER photo_words_delete AFTER DELETE ON photos BEGIN
    DELETE FROM photo_words WHERE rowid = OLD.id;
  END;
  CREATE TRIGGER photo_words_update AFTER UPDATE OF name, folder ON photos BEGIN
    DELETE FROM photo_words WHERE rowid = OLD.id;
    INSERT INTO photo_words (rowid, name, folder) VALUES (NEW.id, NEW.name, NEW.folder);
  END;
  `,

  // 3: a covering index for the model labels of one photo, which search reads for every photo
  // it checks.
  `
  CREATE INDEX labels_photo_model ON labels (photo_id, model, class_index, score)
    WHERE source = 'model';
  `,

  // 4: search counts a model label when it is the photo's top label or scores at least a
  // threshold, so the model-label indexes carry the rank too and stay covering.
  `
  DROP INDEX labels_class;
  CREATE INDEX labels_class ON labels (model, class_index, score DESC, photo_id, rank)
    WHERE source = 'model';
  DROP INDEX labels_score;
  CREATE INDEX labels_score ON labels (model, score DESC, photo_id, class_index, rank)
    WHERE source = 'model';
  DROP INDEX labels_photo_model;
  CREATE INDEX labels_photo_model ON labels (photo_id, model, class_index, score, rank)
    WHERE source = 'model';
  `,

  // 5: class_counts.relevant, the label rows search counts by default: model labels that are
  // the photo's top label or score at least 0.1 (DEFAULT_MIN_SCORE in search/sql.ts), and
  // added or confirmed manual class labels. Search plans and suggestions read it.
  `
  ALTER TABLE class_counts ADD COLUMN relevant INTEGER NOT NULL DEFAULT 0;
  WITH counted AS (
    SELECT model, class_index, count(*) AS n FROM labels
    WHERE class_index IS NOT NULL AND coalesce(verdict, '') <> 'rejected'
      AND (source = 'manual' OR rank = 1 OR score >= 0.1)
    GROUP BY model, class_index
  )
  UPDATE class_counts SET relevant = counted.n FROM counted
  WHERE counted.model = class_counts.model AND counted.class_index = class_counts.class_index;

  DROP TRIGGER class_counts_insert;
  DROP TRIGGER class_counts_delete;
  DROP TRIGGER class_counts_update_old;
  DROP TRIGGER class_counts_update_new;
  CREATE TRIGGER class_counts_insert AFTER INSERT ON labels
  WHEN NEW.class_index IS NOT NULL AND coalesce(NEW.verdict, '') <> 'rejected'
  BEGIN
    INSERT INTO class_counts (model, class_index, photos, relevant)
    VALUES (NEW.model, NEW.class_index, 1,
      NEW.source = 'manual' OR NEW.rank = 1 OR NEW.score >= 0.1)
    ON CONFLICT (model, class_index) DO UPDATE
    SET photos = photos + 1, relevant = relevant + excluded.relevant;
  END;
  CREATE TRIGGER class_counts_delete AFTER DELETE ON labels
  WHEN OLD.class_index IS NOT NULL AND coalesce(OLD.verdict, '') <> 'rejected'
  BEGIN
    UPDATE class_counts SET photos = photos - 1,
      relevant = relevant - (OLD.source = 'manual' OR OLD.rank = 1 OR OLD.score >= 0.1)
    WHERE model = OLD.model AND class_index = OLD.class_index;
  END;
  CREATE TRIGGER class_counts_update_old
  AFTER UPDATE OF model, class_index, verdict, score, rank ON labels
  WHEN OLD.class_index IS NOT NULL AND coalesce(OLD.verdict, '') <> 'rejected'
  BEGIN
    UPDATE class_counts SET photos = photos - 1,
      relevant = relevant - (OLD.source = 'manual' OR OLD.rank = 1 OR OLD.score >= 0.1)
    WHERE model = OLD.model AND class_index = OLD.class_index;
  END;
  CREATE TRIGGER class_counts_update_new
  AFTER UPDATE OF model, class_index, verdict, score, rank ON labels
  WHEN NEW.class_index IS NOT NULL AND coalesce(NEW.verdict, '') <> 'rejected'
  BEGIN
    INSERT INTO class_counts (model, class_index, photos, relevant)
    VALUES (NEW.model, NEW.class_index, 1,
      NEW.source = 'manual' OR NEW.rank = 1 OR NEW.score >= 0.1)
    ON CONFLICT (model, class_index) DO UPDATE
    SET photos = photos + 1, relevant = relevant + excluded.relevant;
  END;
  `,
];
