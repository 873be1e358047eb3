"""Chain every audit row to the one before it, in the database, whoever inserts it.

An insert trigger takes a transaction-scoped advisory lock (so two writers never chain onto the same
row), stamps the row's time from the database clock (no back-dated rows), numbers it (``chain_seq``)
and stores ``row_hash = sha256(prev_hash, the row's fields)``. Existing rows are chained in time
order. ``manage.py audit verify`` recomputes the chain with the same ``audit_event_digest``.
"""

from django.db import migrations, models

CHAIN = """
CREATE OR REPLACE FUNCTION audit_event_digest(prev text, r audit_auditevent) RETURNS text AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        prev, r.chain_seq, r.id, extract(epoch FROM r.at)::text, r.actor_id, r.actor_username, r.action,
        r.object_type, r.object_id, r.object_repr, r.summary, host(r.ip), r.user_agent, r.extra
    )::text, 'UTF8')), 'hex')
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(4173920001);
    SELECT chain_seq, row_hash INTO last_seq, last_hash
        FROM audit_auditevent WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    NEW.at := clock_timestamp();
    NEW.chain_seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, '');
    NEW.row_hash := audit_event_digest(NEW.prev_hash, NEW);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only;
DO $$
DECLARE
    r audit_auditevent;
    seq bigint := 0;
    prev text := '';
BEGIN
    FOR r IN SELECT * FROM audit_auditevent ORDER BY at, id LOOP
        seq := seq + 1;
        r.chain_seq := seq;
        r.prev_hash := prev;
        r.row_hash := audit_event_digest(prev, r);
        UPDATE audit_auditevent SET chain_seq = r.chain_seq, prev_hash = r.prev_hash, row_hash = r.row_hash
            WHERE id = r.id;
        prev := r.row_hash;
    END LOOP;
END;
$$;
ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only;

DROP TRIGGER IF EXISTS audit_event_chain ON audit_auditevent;
CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain();
"""

UNCHAIN = """
DROP TRIGGER IF EXISTS audit_event_chain ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_chain();
DROP FUNCTION IF EXISTS audit_event_digest(text, audit_auditevent);
"""



class Migration(migrations.Migration):
    dependencies = [("audit", "0003_reveal_refused_action")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True, verbose_name="链序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, db_default="", editable=False, max_length=64, verbose_name="前一条摘要"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(blank=True, db_default="", editable=False, max_length=64, verbose_name="本条摘要"),
        ),
        # RunSQL passes one string without parameters: the % of RAISE stays as written.
        migrations.RunSQL(CHAIN, UNCHAIN),
    ]
