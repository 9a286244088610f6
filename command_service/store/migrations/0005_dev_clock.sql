-- The simulated clock of dev/demo mode (FLEET_CLOCK=simulated; production refuses it).
-- One row, shared by every worker process; it only ever moves forward. Empty means
-- "not set yet": the clock then reads real time.
CREATE TABLE dev_clock (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    now timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION dev_clock_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.now < OLD.now THEN
        RAISE EXCEPTION 'the simulated clock never goes backwards (% < %)', NEW.now, OLD.now
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER dev_clock_forward_only BEFORE UPDATE ON dev_clock
    FOR EACH ROW EXECUTE FUNCTION dev_clock_forward_only();
