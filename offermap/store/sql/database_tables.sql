-- Every table and view of the database file itself (not the temporary catalog, where
-- registered frames live): an empty file may become offermap's, any other must be offermap's.
SELECT DISTINCT table_name
FROM information_schema.tables
WHERE table_catalog = current_database()
ORDER BY table_name;
