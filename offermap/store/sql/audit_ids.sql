-- Reserve $count audit ids at once; the caller sorts them and hands them out in the order its
-- rows were decided, so that "newest first" (audit_id DESC) stays the order of events.
SELECT nextval('audit_id_seq') AS audit_id FROM range($count);
