-- Reserve $count decision ids at once, handed out by the caller in the order it decided.
SELECT nextval('decision_id_seq') AS decision_id FROM range($count);
